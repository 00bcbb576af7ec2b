import { displayName } from '../people';
import { useNow } from './clock';
import { dateTime, timeLeft } from './format';
import type { Member } from '../api/team';
import type { HistoryEntry, Ticket } from '../api/tickets';
import type { TicketType } from '../api/ticketTypes';
import { label } from './ticketWords';

// SLA due times as real instants ("due Mon 10:30 · 2 h left, business hours"), the time left;
// a missed one is red. A paused resolution clock shows the business or calendar time it keeps.
export function SlaPanel({ ticket: t }: { ticket: Ticket }) {
  const now = useNow();
  const { sla } = t;
  if (!sla.first_reply_due_at && !sla.next_reply_due_at && !sla.resolve_due_at && !sla.paused) return <p class="sla muted">No SLA targets in this project.</p>;
  // Business hours: the time left is the wall-clock time to the due instant, which may include nights and weekends.
  const hours = sla.business_hours ? ' (business hours)' : '';
  return (
    <dl class="sla facts">
      {sla.policy && (
        <div>
          <dt>Policy</dt>
          <dd>{label(sla.policy.priority)}{sla.policy.type_id ? ' · this type' : ''}{hours}</dd>
        </div>
      )}
      {sla.first_reply_due_at && (
        <div class={sla.first_reply_overdue ? 'overdue' : ''}>
          <dt>First reply due</dt>
          <dd>{due(sla.first_reply_due_at)} · {t.first_reply_at ? `answered ${dateTime(t.first_reply_at)}` : timeLeft(sla.first_reply_due_at, now)}</dd>
        </div>
      )}
      {sla.next_reply_due_at && (
        <div class={sla.next_reply_overdue ? 'overdue' : ''}>
          <dt>Next reply due</dt>
          <dd>{due(sla.next_reply_due_at)} · {timeLeft(sla.next_reply_due_at, now)}</dd>
        </div>
      )}
      {sla.resolve_due_at && (
        <div class={sla.resolve_overdue ? 'overdue' : ''}>
          <dt>Resolution due</dt>
          <dd>{due(sla.resolve_due_at)} · {t.closed_at ? `closed ${dateTime(t.closed_at)}` : timeLeft(sla.resolve_due_at, now)}</dd>
        </div>
      )}
      {sla.paused && (
        <div class="paused">
          <dt>Resolution paused</dt>
          <dd>waiting on the customer{sla.resolve_left_seconds !== null ? ` · ${duration(sla.resolve_left_seconds)} left${hours}` : ''}</dd>
        </div>
      )}
      {sla.paused_seconds > 0 && (
        <div>
          <dt>Paused in total</dt>
          <dd>{duration(sla.paused_seconds)}</dd>
        </div>
      )}
    </dl>
  );
}

/** The customer's rating of the ticket and their comment; while a survey waits for an answer, says so. */
export function CsatPanel({ ticket: t }: { ticket: Ticket }) {
  if (!t.csat) return t.csat_requested_at ? <p class="csat muted">Rating asked {dateTime(t.csat_requested_at)}; no answer yet.</p> : null;
  return (
    <dl class="csat facts">
      <div>
        <dt>Customer rating</dt>
        <dd><span aria-label={`${t.csat.score} of 5`}>{'★'.repeat(t.csat.score)}{'☆'.repeat(5 - t.csat.score)}</span> {t.csat.score}/5 · {dateTime(t.csat.at)}</dd>
      </div>
      {t.csat.comment && (
        <div>
          <dt>Comment</dt>
          <dd class="csat-comment">{t.csat.comment}</dd>
        </div>
      )}
    </dl>
  );
}

/** "Mon 10:30", or with the date when it is not within the coming week. */
function due(iso: string): string {
  const at = new Date(iso);
  const soon = Math.abs(at.getTime() - Date.now()) < 6 * 24 * 3_600_000;
  return soon ? at.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' }) : dateTime(iso);
}

/** "2 h 15 min" of a number of seconds. */
function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
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

const fieldNames: Record<string, string> = { assignee_id: 'Assignee', type_id: 'Type', sla_breached: 'SLA missed', sla_recomputed: 'SLA policy', note: 'Internal note',
  csat_score: 'Customer rating', csat_comment: 'Rating comment' };

function valueText(field: string, value: string | null, members: Member[], types: TicketType[]): string {
  if (value === null) return 'none';
  if (field === 'assignee_id') return personName(members, value);
  if (field === 'type_id') return types.find((t) => t.id === value)?.name ?? 'a removed type';
  if (field === 'note') return 'added';
  if (field === 'sla_recomputed') {
    const [priority, typeId] = value.split('/');
    return typeId ? `${label(priority)} · ${types.find((t) => t.id === typeId)?.name ?? 'a removed type'}` : label(priority);
  }
  return label(value);
}
