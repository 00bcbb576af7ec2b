import { useEffect, useState } from 'preact/hooks';
import { href } from '../route';
import type { Role } from '../api/projects';
import { atLeast } from '../roles';
import { ApiKeys } from './ApiKeys';
import { Assignment } from './Assignment';
import { AuditLog } from './AuditLog';
import { Billing } from './Billing';
import { BusinessHours } from './BusinessHours';
import { CannedReplies } from './CannedReplies';
import { Channels } from './Channels';
import { Csat } from './Csat';
import { General } from './General';
import { SlaPolicies } from './SlaPolicies';
import { Team } from './Team';
import { TicketTypes } from './TicketTypes';
import { Tags } from './Tags';
import { Rules } from './Rules';
import { Webhooks } from './Webhooks';
import './settings.css';

/** What a section gets: the project, the caller's role, and a way to say that role changed (ownership handed over). */
export interface SectionProps { projectId: string; role: Role; onRoleChanged: (role: Role) => void }

const sections = [
  { id: 'general', title: 'General & SLA', view: General },
  { id: 'business-hours', title: 'Business hours', view: BusinessHours },
  { id: 'sla-policies', title: 'SLA policies', view: SlaPolicies },
  { id: 'ticket-types', title: 'Ticket types', view: TicketTypes },
  { id: 'tags', title: 'Tags', view: Tags },
  { id: 'rules', title: 'Rules', view: Rules },
  { id: 'canned-replies', title: 'Canned replies', view: CannedReplies },
  { id: 'csat', title: 'CSAT survey', view: Csat },
  { id: 'team', title: 'Team', view: Team },
  { id: 'assignment', title: 'Auto-assignment', view: Assignment },
  { id: 'webhooks', title: 'Webhooks', view: Webhooks },
  { id: 'api-keys', title: 'API keys', view: ApiKeys },
  { id: 'channels', title: 'Telegram & Max', view: Channels },
  { id: 'billing', title: 'Billing', view: Billing },
  { id: 'audit', title: 'Audit log', view: AuditLog },
] as const;

// Owner/admin settings of one project; each section is its own file in this folder.
export function Settings(props: { projectId: string; role: Role; section?: string }) {
  const [role, setRole] = useState(props.role);
  useEffect(() => setRole(props.role), [props.role, props.projectId]);

  if (!atLeast(role, 'admin')) {
    return (
      <div class="settings">
        <p class="error" role="alert">
          No access: settings are for the project's owner and admins, and your role here is {role}. Ask the owner if you need a change.
        </p>
      </div>
    );
  }

  const current = sections.find((s) => s.id === props.section) ?? sections[0];
  const View = current.view;
  return (
    <div class="settings">
      <nav class="settings-nav" aria-label="Settings sections">
        <ul>
          {sections.map((s) => (
            <li key={s.id}>
              <a href={href({ page: 'settings', projectId: props.projectId, section: s.id })} aria-current={s.id === current.id ? 'page' : undefined}>
                {s.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <View key={`${props.projectId}/${current.id}`} projectId={props.projectId} role={role} onRoleChanged={setRole} />
    </div>
  );
}
