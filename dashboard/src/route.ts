import { useEffect, useState } from 'preact/hooks';

// Hash routes, so the silo serves one index.html and a reload keeps the screen:
//   #/login
//   #/projects                          the project switcher (create one)
//   #/p/{projectId}/tickets             the Support tab
//   #/p/{projectId}/tickets/{ticketId}  a ticket (stacked over the list on a phone)
//   #/p/{projectId}/settings/{section}  owner/admin settings
//   #/p/{projectId}/reports             owner/admin reports
//   #/p/{projectId}/tickets?priority=high  the list under a filter (a report's drill-down)
//   #/p/{projectId}/tickets?channel=telegram&created_from=2026-03-01T00:00:00Z&created_to=...
export type Route =
  | { page: 'login' }
  | { page: 'projects' }
  | { page: 'tickets'; projectId: string; ticketId?: string; filter?: TicketListFilter }
  | { page: 'settings'; projectId: string; section?: string }
  | { page: 'reports'; projectId: string };

/** The ticket list's filters a link may carry, by their API names. */
export interface TicketListFilter {
  priority?: string; type_id?: string; tag_id?: string; assignee_id?: string;
  channel?: string; created_from?: string; created_to?: string;
}

// Ids in a link are UUIDs and nothing else: a crafted link (#/p/<id>/tickets/..%2F..%2Fprojects)
// must not steer the dashboard's API calls to another path. Anything else is no id at all.
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sectionName = /^[a-z][a-z0-9-]{0,39}$/;

export function isId(value: string | undefined): value is string {
  return value !== undefined && uuid.test(value);
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return ''; // a malformed escape (%E0) is no id either
  }
}

const priorityName = /^(low|normal|high|urgent)$/;
const channelName = /^[a-z][a-z0-9_]{0,19}$/;
const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$/;

/** Only known filters with well-formed values: a crafted link can narrow the list, nothing else. */
function parseFilter(search: string): TicketListFilter | undefined {
  const query = new URLSearchParams(search);
  const filter: TicketListFilter = {};
  const priority = query.get('priority') ?? undefined;
  if (priority && priorityName.test(priority)) filter.priority = priority;
  for (const key of ['type_id', 'tag_id', 'assignee_id'] as const) {
    const value = query.get(key) ?? undefined;
    if (isId(value)) filter[key] = value;
  }
  const channel = query.get('channel') ?? undefined;
  if (channel && channelName.test(channel)) filter.channel = channel;
  for (const key of ['created_from', 'created_to'] as const) {
    const value = query.get(key) ?? undefined;
    if (value && instant.test(value)) filter[key] = value;
  }
  return Object.keys(filter).length > 0 ? filter : undefined;
}

export function parseRoute(hash: string): Route {
  const [path, search = ''] = hash.split('?', 2);
  const parts = path.replace(/^#\/?/, '').split('/').filter(Boolean).map(decoded);
  if (parts[0] === 'p' && isId(parts[1])) {
    const section = parts[3] !== undefined && sectionName.test(parts[3]) ? parts[3] : undefined;
    if (parts[2] === 'settings') return { page: 'settings', projectId: parts[1], section };
    if (parts[2] === 'reports') return { page: 'reports', projectId: parts[1] };
    const ticketId = parts[2] === 'tickets' && isId(parts[3]) ? parts[3] : undefined;
    const filter = parts[2] === 'tickets' && !ticketId ? parseFilter(search) : undefined;
    return filter ? { page: 'tickets', projectId: parts[1], filter } : { page: 'tickets', projectId: parts[1], ticketId };
  }
  if (parts[0] === 'login') return { page: 'login' };
  return { page: 'projects' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'login': return '#/login';
    case 'projects': return '#/projects';
    case 'tickets': return `#/p/${encodeURIComponent(route.projectId)}/tickets${route.ticketId ? `/${encodeURIComponent(route.ticketId)}` : ''}${
      route.filter ? `?${new URLSearchParams(Object.entries(route.filter).filter(([, v]) => v !== undefined) as [string, string][]).toString()}` : ''}`;
    case 'reports': return `#/p/${encodeURIComponent(route.projectId)}/reports`;
    case 'settings': return `#/p/${encodeURIComponent(route.projectId)}/settings${route.section ? `/${encodeURIComponent(route.section)}` : ''}`;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
