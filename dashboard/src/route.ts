import { useEffect, useState } from 'preact/hooks';

// Hash routes, so the silo serves one index.html and a reload keeps the screen:
//   #/login
//   #/projects                          the project switcher (create one)
//   #/p/{projectId}/tickets             the Support tab
//   #/p/{projectId}/tickets/{ticketId}  a ticket (stacked over the list on a phone)
//   #/p/{projectId}/settings/{section}  owner/admin settings
export type Route =
  | { page: 'login' }
  | { page: 'projects' }
  | { page: 'tickets'; projectId: string; ticketId?: string }
  | { page: 'settings'; projectId: string; section?: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'p' && parts[1]) {
    if (parts[2] === 'settings') return { page: 'settings', projectId: parts[1], section: parts[3] };
    return { page: 'tickets', projectId: parts[1], ticketId: parts[2] === 'tickets' ? parts[3] : undefined };
  }
  if (parts[0] === 'login') return { page: 'login' };
  return { page: 'projects' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'login': return '#/login';
    case 'projects': return '#/projects';
    case 'tickets': return `#/p/${route.projectId}/tickets${route.ticketId ? `/${route.ticketId}` : ''}`;
    case 'settings': return `#/p/${route.projectId}/settings${route.section ? `/${route.section}` : ''}`;
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
