import type { Role } from '../types';

// Owner/admin settings of one project; each section is its own file in this folder.
export function Settings(props: { projectId: string; role: Role; section?: string }) {
  return <section class="settings"><h2>Settings</h2><p>Project {props.projectId}: to be built ({props.section ?? 'general'}).</p></section>;
}
