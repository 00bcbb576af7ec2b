import { useEffect, useState } from 'preact/hooks';
import { useLatest } from '../ui';
import { displayName } from '../people';
import type { Member } from '../api/team';
import type { StatusCounts, TicketPriority, TicketStatus } from '../api/tickets';
import type { TicketType } from '../api/ticketTypes';
import type { Tag } from '../api/tags';
import { label, priorities, statuses } from './ticketWords';

export interface TicketFilters {
  status?: TicketStatus;
  typeId?: string;
  priority?: TicketPriority;
  /** A user id, 'none' (unassigned) or 'me'. */
  assignee?: string;
  overdue: boolean;
  q: string;
  tagId?: string;
  /** A channel and a range of creation times (RFC 3339), set by a report's drill-down. */
  channel?: string;
  createdFrom?: string;
  createdTo?: string;
}

export const noFilters: TicketFilters = { overdue: false, q: '' };

// Status tabs with their counts, then the other filters; every control has a label.
export function Filters(props: { filters: TicketFilters; onChange: (f: TicketFilters) => void; counts: StatusCounts | null; members: Member[]; types: TicketType[]; tags?: Tag[] }) {
  const { filters, onChange, counts } = props;
  const set = (patch: Partial<TicketFilters>) => onChange({ ...filters, ...patch });
  const total = counts ? statuses.reduce((sum, s) => sum + counts[s], 0) : null;
  // Under filters such as type or text each figure stops at 1,000; 'capped' names those that did.
  const capped = (field: string) => counts?.capped.includes(field) ?? false;
  const open = (userId: string) => counts?.assignees.find((a) => a.assignee_id === userId)?.open ?? 0;
  return (
    <div class="filters">
      <div class="status-tabs" role="group" aria-label="Status">
        <button type="button" aria-pressed={!filters.status} onClick={() => set({ status: undefined })}>
          All <Count n={total} atLeast={statuses.some(capped)} />
        </button>
        {statuses.map((s) => (
          <button type="button" key={s} data-status={s} aria-pressed={filters.status === s} onClick={() => set({ status: s })}>
            {label(s)} <Count n={counts?.[s]} atLeast={capped(s)} />
          </button>
        ))}
      </div>
      <div class="filter-row">
        <SearchBox value={filters.q} onSearch={(q) => set({ q })} />
        <label>Type
          <select value={filters.typeId ?? ''} onChange={(e) => set({ typeId: e.currentTarget.value || undefined })}>
            <option value="">Any type</option>
            {props.types.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </select>
        </label>
        <label>Priority
          <select value={filters.priority ?? ''} onChange={(e) => set({ priority: (e.currentTarget.value || undefined) as TicketPriority | undefined })}>
            <option value="">Any priority</option>
            {priorities.map((p) => <option key={p} value={p}>{label(p)}</option>)}
          </select>
        </label>
        <label>Assignee
          <select value={filters.assignee ?? ''} onChange={(e) => set({ assignee: e.currentTarget.value || undefined })}>
            <option value="">Anyone</option>
            <option value="me">Mine{openCount(counts?.mine)}</option>
            <option value="none">Unassigned{openCount(counts?.unassigned)}</option>
            {props.members.filter((m) => m.user_id).map((m) => <option key={m.id} value={m.user_id!}>{displayName(m)}{openCount(counts && open(m.user_id!))}</option>)}
          </select>
        </label>
        {props.tags && props.tags.length > 0 && (
          <label>Tag
            <select value={filters.tagId ?? ''} onChange={(e) => set({ tagId: e.currentTarget.value || undefined })}>
              <option value="">Any tag</option>
              {props.tags.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </select>
          </label>
        )}
        {(filters.channel || filters.createdFrom || filters.createdTo) && (
          <p class="drill-filter" role="status">
            {filters.channel && <>Channel: {filters.channel} </>}
            {(filters.createdFrom || filters.createdTo) && <>Created {shown(filters.createdFrom)} – {shown(filters.createdTo)} </>}
            <button type="button" class="link" onClick={() => set({ channel: undefined, createdFrom: undefined, createdTo: undefined })}>Clear</button>
          </p>
        )}
        <label class="check">
          <input type="checkbox" checked={filters.overdue} onChange={(e) => set({ overdue: e.currentTarget.checked })} />
          Overdue only {counts && counts.overdue > 0 && <span class="badge badge-overdue">{figure(counts.overdue, capped('overdue'))}</span>}
        </label>
      </div>
    </div>
  );
}

// A time of a drill-down's range in the browser's own clock.
const shown = (time: string | undefined) => (time ? new Date(time).toLocaleString() : '…');

function Count({ n, atLeast }: { n: number | null | undefined; atLeast: boolean }) {
  return <span class="count">{n == null ? '…' : figure(n, atLeast)}</span>;
}

// A capped figure is a lower bound: "1,000+".
const figure = (n: number, atLeast: boolean) => n.toLocaleString('en-US') + (atLeast ? '+' : '');

// Open tickets beside an assignee choice, counted over the whole project: "Mine (4)".
const openCount = (n: number | null | undefined) => (n == null ? '' : ` (${n})`);

// The API searches text of 3 characters or more, or a ticket number (#12, or digits).
const searchable = (q: string) => { const t = q.trim(); return t.length === 0 || t.length >= 3 || /^#?\d+$/.test(t); };

// Searches as the person types, after a short pause, and at once on Enter; too short a text waits for more.
function SearchBox(props: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(props.value);
  // The search runs with the filters of its moment: a filter changed during the pause stays changed.
  const onSearch = useLatest(props.onSearch);
  useEffect(() => {
    if (text === props.value || !searchable(text)) return;
    const id = setTimeout(() => onSearch.current(text), 350);
    return () => clearTimeout(id);
  }, [text, props.value, onSearch]);
  return (
    <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); if (searchable(text)) props.onSearch(text); }}>
      <label>Search
        <input type="search" placeholder="Number, subject, customer, text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      {!searchable(text) && <p class="muted hint" role="status">Type at least 3 characters, or a ticket number such as #12.</p>}
    </form>
  );
}
