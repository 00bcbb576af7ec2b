import { useEffect, useState } from 'preact/hooks';
import { onSessionEnded, sessionToken } from './api';
import { navigate, useRoute } from './route';
import { Settings } from './settings/Settings';

// The shell: who is logged in, which project, which screen. Screens live in their folders.
export function App() {
  const route = useRoute();
  const [loggedIn, setLoggedIn] = useState(() => sessionToken() !== null);

  useEffect(() => onSessionEnded(() => setLoggedIn(false)), []);
  useEffect(() => {
    if (!loggedIn && route.page !== 'login') navigate({ page: 'login' });
  }, [loggedIn, route.page]);

  if (!loggedIn || route.page === 'login') return <main><h1>Zapnoty Helpdesk</h1><p>Log in (to be built).</p></main>;
  if (route.page === 'settings') return <Settings projectId={route.projectId} role="owner" section={route.section} />;
  return <main><h1>Zapnoty Helpdesk</h1><p>Support tab (to be built).</p></main>;
}
