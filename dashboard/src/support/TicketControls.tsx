import { displayName } from '../people';
import type { Member } from '../api/team';
import type { Ticket, TicketPatch, TicketPriority } from '../api/tickets';
import type { TicketType } from '../api/ticketTypes';
import { label, priorities, statuses } from './ticketWords';

// One click per status; pickers for priority, type and assignee. Read-only for viewers.
export function TicketControls(props: { ticket: Ticket; canAct: boolean; members: Member[]; types: TicketType[]; onEdit: (change: TicketPatch) => void }) {
  const { ticket: t, canAct, onEdit } = props;
  if (!canAct)
    return (
      <dl class="facts">
        <div><dt>Status</dt><dd><span class={`status status-${t.status}`}>{label(t.status)}</span></dd></div>
        <div><dt>Priority</dt><dd>{label(t.priority)}</dd></div>
        <div><dt>Type</dt><dd>{t.type_name ?? '—'}</dd></div>
        <div><dt>Assignee</dt><dd>{t.assignee ? displayName(t.assignee, 'Former member') : 'Unassigned'}</dd></div>
      </dl>
    );

  const assignable = props.members.filter((m) => m.user_id && m.role !== 'viewer');
  const types = props.types.filter((type) => !type.archived || type.id === t.type_id);
  return (
    <div class="controls">
      <div class="status-buttons" role="group" aria-label="Status">
        {statuses.map((s) => (
          <button type="button" key={s} data-status={s} class={`status-button status-${s}`} aria-pressed={t.status === s}
            disabled={t.status === s} onClick={() => onEdit({ status: s })}>{label(s)}</button>
        ))}
      </div>
      <div class="pickers">
        <label>Priority
          <select value={t.priority} onChange={(e) => onEdit({ priority: e.currentTarget.value as TicketPriority })}>
            {priorities.map((p) => <option key={p} value={p}>{label(p)}</option>)}
          </select>
        </label>
        <label>Type
          <select value={t.type_id ?? ''} onChange={(e) => onEdit({ type_id: e.currentTarget.value || null })}>
            <option value="">No type</option>
            {types.map((type) => <option key={type.id} value={type.id}>{type.name}</option>)}
          </select>
        </label>
        <label>Assignee
          <select value={t.assignee_id ?? ''} onChange={(e) => onEdit({ assignee_id: e.currentTarget.value || null })}>
            <option value="">Unassigned</option>
            {t.assignee && !assignable.some((m) => m.user_id === t.assignee_id) && <option value={t.assignee.user_id}>{displayName(t.assignee, 'Former member')}</option>}
            {assignable.map((m) => <option key={m.id} value={m.user_id!}>{displayName(m)}</option>)}
          </select>
        </label>
      </div>
    </div>
  );
}
