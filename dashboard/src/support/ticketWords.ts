// How the Support tab names and orders the contract's ticket values. The records list every
// value of the contract's enums, so a value added there fails the type check until it is named here.
import type { Ticket, TicketPriority, TicketStatus } from '../api/tickets';

const statusOrder: Record<TicketStatus, number> = { new: 0, in_progress: 1, waiting: 2, closed: 3 };
const priorityOrder: Record<TicketPriority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

const ordered = <T extends string>(order: Record<T, number>) => (Object.keys(order) as T[]).sort((a, b) => order[a] - order[b]);

export const statuses: TicketStatus[] = ordered(statusOrder);
export const priorities: TicketPriority[] = ordered(priorityOrder);

export function isOverdue(t: Ticket): boolean {
  return t.sla.first_reply_overdue || t.sla.next_reply_overdue || t.sla.resolve_overdue;
}

/** The customer as agents know them: their name, else their id in the channel. */
export function customerName(t: Ticket): string {
  return t.customer.name ?? t.customer.external_id ?? '';
}

export function label(wire: string): string {
  const text = wire.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
