import { displayName } from '../people';
import { useNow } from './clock';
import { dateTime, timeLeft } from './format';
import type { Member } from '../api/team';
import type { HistoryEntry, Ticket } from '../api/tickets';
import type { TicketType } from '../api/ticketTypes';
import { label } from './ticketWords';

// SLA due times with the time left; a missed one is red.
export function SlaPanel({ ticket: t }: { ticket: Ticket }) {
  const now = useNow();
  const { sla } = t;
  if (!sla.first_reply_due_at && !sla.resolve_due_at) return <p class="sla muted">No SLA targets in this project.</p>;
  return (
    <dl class="sla facts">
      {sla.first_reply_due_at && (
        <div class={sla.first_reply_overdue ? 'overdue' : ''}>
          <dt>First reply due</dt>
          <dd>{dateTime(sla.first_reply_due_at)} · {t.first_reply_at ? `answered ${dateTime(t.first_reply_at)}` : timeLeft(sla.first_reply_due_at, now)}</dd>
        </div>
      )}
      {sla.resolve_due_at && (
        <div class={sla.resolve_overdue ? 'overdue' : ''}>
          <dt>Resolution due</dt>
          <dd>{dateTime(sla.resolve_due_at)} · {t.closed_at ? `closed ${dateTime(t.closed_at)}` : timeLeft(sla.resolve_due_at, now)}</dd>
        </div>
      )}
    </dl>
  );
}

/** Who a history actor or a message's agent is, by the team list. */
export function personName(members: Member[], userId: string | null): string {
  return displayName(members.find((m) => m.user_id === userId), 'A former member');
}

export function History({ entries, members, types }: { entries: HistoryEntry[]; members: Member[]; types: TicketType[] }) {
  const who = (e: HistoryEntry) =>
    e.actor.kind === 'user' ? personName(members, e.actor.id) : e.actor.kind === 'api_key' ? 'An API key'
      : e.actor.id === 'auto_assignment' ? 'Auto-assignment' : label(e.actor.kind);
  return (
    <details class="history">
      <summary>History ({entries.length})</summary>
      <ol>
        {entries.map((e, i) => {
          const field = e.field;
          return (
            <li key={i}>
              <time dateTime={e.at}>{dateTime(e.at)}</time> · {who(e)}: {fieldNames[field] ?? label(field)} {e.from !== null && <>{valueText(field, e.from, members, types)} → </>}{valueText(field, e.to, members, types)}
            </li>
          );
        })}
      </ol>
    </details>
  );
}

const fieldNames: Record<string, string> = { assignee_id: 'Assignee', type_id: 'Type', sla_breached: 'SLA missed', note: 'Internal note' };

function valueText(field: string, value: string | null, members: Member[], types: TicketType[]): string {
  if (value === null) return 'none';
  if (field === 'assignee_id') return personName(members, value);
  if (field === 'type_id') return types.find((t) => t.id === value)?.name ?? 'a removed type';
  if (field === 'note') return 'added';
  return label(value);
}
