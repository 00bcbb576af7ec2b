import { useEffect, useState } from 'preact/hooks';
import { logOut } from './api/auth';
import { onSessionEnded, rememberSession, sessionToken } from './api/session';
import { Login } from './login/Login';
import { Projects } from './projects/Projects';
import { navigate, useRoute } from './route';
import { ProjectShell } from './shell/ProjectShell';

// The shell: who is logged in, which project, which screen. Screens live in their folders.
export function App() {
  const route = useRoute();
  const [loggedIn, setLoggedIn] = useState(() => sessionToken() !== null);

  useEffect(() => onSessionEnded(() => setLoggedIn(false)), []);
  useEffect(() => {
    if (!loggedIn && route.page !== 'login') navigate({ page: 'login' });
    if (loggedIn && route.page === 'login') navigate({ page: 'projects' });
  }, [loggedIn, route.page]);

  // The session ends here whatever the server answers (it may already be gone).
  const logout = async () => {
    await logOut().catch(() => undefined);
    rememberSession(null);
    setLoggedIn(false);
  };

  if (!loggedIn || route.page === 'login') return <Login onLoggedIn={() => setLoggedIn(true)} />;
  if (route.page === 'projects') return <Projects />;
  if (route.page === 'reports') return <ProjectShell key={route.projectId} projectId={route.projectId} screen="reports" onLogout={logout} />;
  return route.page === 'settings'
    ? <ProjectShell key={route.projectId} projectId={route.projectId} screen="settings" section={route.section} onLogout={logout} />
    : <ProjectShell key={route.projectId} projectId={route.projectId} screen="tickets" ticketId={route.ticketId} filter={route.filter} onLogout={logout} />;
}
