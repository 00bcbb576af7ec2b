// Wire shapes of the tickets API as the Support tab uses them (snake_case, enums as strings).
import type { Role } from '../types';

export type TicketStatus = 'new' | 'in_progress' | 'waiting' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type Channel = 'telegram' | 'max' | 'api';
export type Delivery = 'pending' | 'delivered' | 'failed' | 'webhook';

export const statuses: TicketStatus[] = ['new', 'in_progress', 'waiting', 'closed'];
export const priorities: TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

export interface Customer { id: string; name: string | null; external_id: string; email: string | null; username: string | null; unreachable_reason: string | null }
export interface Sla { first_reply_due_at: string | null; resolve_due_at: string | null; first_reply_overdue: boolean; resolve_overdue: boolean }
export interface Assignee { user_id: string; email: string | null; name: string | null; former_member: boolean }

export interface Ticket {
  id: string; project_id: string; number: number; subject: string; status: TicketStatus; priority: TicketPriority;
  type_id: string | null; type_name: string | null; assignee_id: string | null; assignee: Assignee | null; channel: Channel;
  customer: Customer; created_at: string; updated_at: string; first_reply_at: string | null; closed_at: string | null; sla: Sla;
}

export interface Attachment { kind: string; file_id: string; size: number | null; file_name: string | null; mime_type: string | null; url: string | null }
export interface Message {
  id: string; author: 'customer' | 'agent' | 'system'; agent_id: string | null; text: string; created_at: string;
  delivery: Delivery; delivery_error: string | null; attachments: Attachment[]; edited_at: string | null;
}
export interface HistoryEntry { at: string; actor: { kind: 'user' | 'api_key' | 'customer' | 'system'; id: string | null }; field: string; from: string | null; to: string | null }
/** The ticket with its latest messages; `earlier_messages_before` pages older ones (`GET .../messages?before=`). */
export interface TicketDetails extends Ticket { messages: Message[]; earlier_messages_before: string | null; history: HistoryEntry[] }

export type StatusCounts = Record<TicketStatus, number> & { overdue: number };
export interface Member { id: string; user_id: string | null; email: string; name: string | null; role: Role; status: 'active' | 'invited' }
export interface TicketType { id: string; name: string; position: number; archived: boolean }
export interface CannedReply { id: string; title: string; text: string }
export interface Balance { credits_left: number; free_credits_left: number; purchased_credits: number }

export function isOverdue(t: Ticket): boolean {
  return t.sla.first_reply_overdue || t.sla.resolve_overdue;
}

export function label(wire: string): string {
  const text = wire.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
