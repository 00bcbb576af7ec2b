import { me as getMe, type User } from '../api/auth';
import { getProject, type Project, type Role } from '../api/projects';
import { href, type TicketListFilter } from '../route';
import { Settings } from '../settings/Settings';
import { SupportTab } from '../support/SupportTab';
import { atLeast } from '../roles';
import { ErrorNote, useLoad } from '../ui';
import { LazyReports } from '../reports/LazyReports';
import { Availability } from './Availability';
import { Bell } from './Bell';
import { Profile } from './Profile';

// One project's screens under a nav bar: the Support tab for everyone, Settings for admins and owners.
export function ProjectShell(props: { projectId: string; screen: 'tickets' | 'settings' | 'reports'; ticketId?: string; section?: string; filter?: TicketListFilter; onLogout: () => void }) {
  const project = useLoad(() => getProject(props.projectId), [props.projectId]);
  const me = useLoad(getMe, []);

  if (project.error) return <main class="page"><ErrorNote error={project.error} /><a href={href({ page: 'projects' })}>Back to your projects</a></main>;
  if (!project.data) return <main class="page"><p class="muted" role="status">Loading…</p></main>;
  const role = project.data.role;

  return (
    <div class="shell">
      <Nav project={project.data} me={me.data} onMeChanged={me.setData} screen={props.screen} onLogout={props.onLogout} />
      {props.screen === 'reports'
        ? (atLeast(role, 'admin')
          ? <LazyReports projectId={props.projectId} />
          : <main class="page"><p class="error" role="alert">Reports are for the project's owner and admins; you are {role}.</p></main>)
        : props.screen === 'settings'
        ? (atLeast(role, 'admin')
          ? <Settings projectId={props.projectId} role={role} section={props.section} />
          : <main class="page"><p class="error" role="alert">Settings are for the project's owner and admins; you are {role}.</p></main>)
        : <SupportTab projectId={props.projectId} role={role} ticketId={props.ticketId} filter={props.filter} />}
    </div>
  );
}

function Nav(props: { project: Project; me?: User; onMeChanged: (me: User) => void; screen: string; onLogout: () => void }) {
  const { project } = props;
  const role: Role = project.role;
  return (
    <header class="nav">
      <a class="brand" href={href({ page: 'projects' })} title="Switch project"><span aria-hidden="true">⚡</span> <span class="project-name">{project.name}</span></a>
      <nav aria-label="Project">
        <a href={href({ page: 'tickets', projectId: project.id })} aria-current={props.screen === 'tickets' ? 'page' : undefined}>Support</a>
        {atLeast(role, 'admin') && <a href={href({ page: 'reports', projectId: project.id })} aria-current={props.screen === 'reports' ? 'page' : undefined}>Reports</a>}
        {atLeast(role, 'admin') && <a href={href({ page: 'settings', projectId: project.id })} aria-current={props.screen === 'settings' ? 'page' : undefined}>Settings</a>}
        <a href={href({ page: 'projects' })}>Projects</a>
      </nav>
      <div class="whoami">
        {props.me && atLeast(role, 'support') && <Availability projectId={project.id} me={props.me} />}
        <Bell />
        <span class={`role role-${role}`} title="Your role in this project">{role}</span>
        {props.me && <Profile me={props.me} onChanged={props.onMeChanged} />}
        <button type="button" onClick={props.onLogout}>Log out</button>
      </div>
    </header>
  );
}
