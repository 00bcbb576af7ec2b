import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../api/contract';
import { openProjectEvents, type LiveState, type ProjectEvents } from '../api/events';
import type { Role } from '../api/projects';
import { listMembers } from '../api/team';
import { countTickets, listTickets, type StatusCounts, type Ticket, type TicketPriority } from '../api/tickets';
import { listTicketTypes } from '../api/ticketTypes';
import { listTags } from '../api/tags';
import type { TicketListFilter } from '../route';
import { ErrorNote, useInterval, useLoad } from '../ui';
import { Filters, noFilters, type TicketFilters } from './Filters';
import { TicketList } from './TicketList';
import { TicketView } from './TicketView';

/** How often the list asks for new tickets while the event stream is not live; the ticket view polls on the same beat. */
export const pollMs = 4000;

/** A burst of events (a ticket created with its counts, several changes) becomes one refetch after this pause. */
const settleMs = 150;

/** The list's filters from a link (a report's drill-down), none otherwise. */
function fromLink(filter: TicketListFilter | undefined): TicketFilters {
  return {
    ...noFilters, priority: filter?.priority as TicketPriority | undefined, typeId: filter?.type_id, tagId: filter?.tag_id, assignee: filter?.assignee_id,
    channel: filter?.channel, createdFrom: filter?.created_from, createdTo: filter?.created_to,
  };
}

// The Support tab: filters and the ticket list beside the open ticket (stacked on a phone).
export function SupportTab(props: { projectId: string; role: Role; ticketId?: string; filter?: TicketListFilter }) {
  const { projectId } = props;
  const [filters, setFilters] = useState<TicketFilters>(() => fromLink(props.filter));
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<Page<Ticket> | null>(null);
  const [counts, setCounts] = useState<StatusCounts | null>(null);
  const [error, setError] = useState<unknown>(null);
  const members = useLoad(() => listMembers(projectId), [projectId]);
  const types = useLoad(() => listTicketTypes(projectId), [projectId]);
  const tags = useLoad(() => listTags(projectId, true), [projectId]);

  const cursor = cursors[cursors.length - 1];
  const request = useRef(0);
  const refresh = useCallback(async () => {
    const mine = ++request.current;
    const params = { type_id: filters.typeId, priority: filters.priority, assignee_id: filters.assignee, overdue: filters.overdue || undefined, q: filters.q.trim(), tag_id: filters.tagId,
      channel: filters.channel, created_from: filters.createdFrom, created_to: filters.createdTo };
    try {
      const [list, byStatus] = await Promise.all([
        listTickets(projectId, { ...params, status: filters.status, cursor, limit: 25 }),
        countTickets(projectId, params),
      ]);
      // An answer to an older filter that arrives late must not replace the newer one.
      if (mine !== request.current) return;
      setPage(list);
      setCounts(byStatus);
      setError(null);
    } catch (e) {
      if (mine === request.current) setError(e);
    }
  }, [projectId, filters, cursor]);

  useEffect(() => { void refresh(); }, [refresh]);

  // Changes are pushed by the project's event stream; the list and counts refetch when one comes
  // (and after a reset). Only while the stream is not live does the list poll.
  const [events, setEvents] = useState<ProjectEvents | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  useEffect(() => {
    const stream = openProjectEvents(projectId);
    setEvents(stream);
    const unwatch = stream.watch(setLive);
    return () => { unwatch(); stream.close(); };
  }, [projectId]);
  const latestRefresh = useRef(refresh);
  latestRefresh.current = refresh;
  useEffect(() => {
    if (!events) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = events.subscribe((event) => {
      if (event.name === 'presence') return;
      clearTimeout(timer);
      timer = setTimeout(() => void latestRefresh.current(), settleMs);
    });
    return () => { clearTimeout(timer); unsubscribe(); };
  }, [events]);
  useInterval(() => { if (live !== 'live') void refresh(); }, pollMs);

  const changeFilters = (next: TicketFilters) => {
    setFilters(next);
    setCursors([]);
  };
  // A link with a filter (a report's drill-down) sets the list's filters; opening a ticket from
  // that list (a link without one) keeps them.
  const linked = JSON.stringify(props.filter ?? null);
  useEffect(() => {
    const filter = JSON.parse(linked) as TicketListFilter | null;
    if (!filter) return;
    setFilters(fromLink(filter));
    setCursors([]);
  }, [linked]);

  return (
    <div class={`support ${props.ticketId ? 'has-ticket' : ''}`}>
      <section class="ticket-pane-list" aria-label="Tickets" data-live={live}>
        <Filters filters={filters} onChange={changeFilters} counts={counts} members={members.data?.items ?? []} types={types.data?.items ?? []}
          tags={tags.data?.items.filter((t) => !t.archived)} />
        <ErrorNote error={error ?? members.error ?? types.error} />
        <TicketList projectId={projectId} page={page} selectedId={props.ticketId}
          hasNewer={cursors.length > 0}
          onOlder={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}
          onNewer={() => setCursors(cursors.slice(0, -1))} />
      </section>
      {props.ticketId && (
        <TicketView key={props.ticketId} projectId={projectId} ticketId={props.ticketId} role={props.role} events={events} live={live}
          members={members.data?.items ?? []} types={types.data?.items ?? []} tags={tags.data?.items ?? []} onChanged={() => void refresh()} />
      )}
    </div>
  );
}
