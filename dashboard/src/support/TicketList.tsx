import { displayName } from '../people';
import { href } from '../route';
import type { Page } from '../api/contract';
import type { Ticket } from '../api/tickets';
import { useNow } from './clock';
import { age, ChannelIcon } from './format';
import { customerName, isOverdue, label } from './ticketWords';
import { TagChip } from './TicketTags';

// Newest first (under a search: best match first, a message match quoted under the subject); an overdue ticket's row is red. A row is a link, so the keyboard opens it too.
export function TicketList(props: { projectId: string; page: Page<Ticket> | null; selectedId?: string; hasNewer: boolean; onOlder: () => void; onNewer: () => void }) {
  const now = useNow();
  const { page } = props;
  if (!page) return <p class="muted" role="status">Loading tickets…</p>;
  return (
    <div class="ticket-list">
      {page.items.length === 0 ? <p class="muted empty">No tickets match these filters.</p> : (
        <table>
          <thead>
            <tr><th>#</th><th>Subject</th><th class="wide">Customer</th><th>Status</th><th class="wide">Priority</th><th class="wide">Type</th><th class="wide">Assignee</th><th>Age</th></tr>
          </thead>
          <tbody>
            {page.items.map((t) => (
              <tr key={t.id} data-ticket-number={t.number} class={`ticket-row ${isOverdue(t) ? 'overdue' : ''} ${t.id === props.selectedId ? 'selected' : ''}`}
                aria-current={t.id === props.selectedId ? 'true' : undefined}>
                <td class="number">#{t.number}</td>
                <td class="subject">
                  <ChannelIcon channel={t.channel} />
                  <a href={href({ page: 'tickets', projectId: props.projectId, ticketId: t.id })}>{t.subject || '(no subject)'}</a>
                  {isOverdue(t) && <span class="badge badge-overdue">Overdue</span>}
                  {t.tags.map((tag) => <TagChip key={tag.id} tag={tag} />)}
                  <span class="narrow muted"> · {customerName(t)}</span>
                  {t.match?.snippet && <div class="snippet muted" title="Found in a message">“{t.match.snippet}”</div>}
                </td>
                <td class="wide">{customerName(t)}</td>
                <td><span class={`status status-${t.status}`}>{label(t.status)}</span></td>
                <td class="wide"><span class={`priority priority-${t.priority}`}>{label(t.priority)}</span></td>
                <td class="wide">{t.type_name ?? <span class="muted">—</span>}</td>
                <td class="wide">{t.assignee ? displayName(t.assignee, 'Former member') : <span class="muted">Unassigned</span>}</td>
                <td class="age" title={t.created_at}>{age(t.created_at, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={!props.hasNewer} onClick={props.onNewer}>← Newer</button>
        <button type="button" disabled={!page.next_cursor} onClick={props.onOlder}>Older →</button>
      </nav>
    </div>
  );
}
