import { useState } from 'preact/hooks';
import { auditLog, type AuditEntry } from '../api/audit';
import { displayName } from '../people';
import { ErrorNote } from '../ui';
import { Section, when } from './kit';
import { MoreButton, usePaged } from './paged';
import type { SectionProps } from './Settings';

type Actor = AuditEntry['actor'];

/** The areas the API filters by (`?action=member` is every `member.*`), as the owner would name them. */
const areas: [string, string][] = [
  ['member', 'Team'], ['ownership', 'Ownership'], ['settings', 'Settings'], ['ticket_type', 'Ticket types'],
  ['canned_reply', 'Canned replies'], ['webhook', 'Webhooks'], ['api_key', 'API keys'], ['bot', 'Bots'],
  ['bot_texts', 'Bot texts'], ['billing', 'Billing'], ['project', 'Project'],
  ['staff_group', 'Telegram staff group'],
];

export function AuditLog({ projectId }: SectionProps) {
  const [area, setArea] = useState('');
  const page = usePaged((cursor) => auditLog(projectId, { action: area, limit: 50, cursor: cursor ?? undefined }), [projectId, area]);
  return (
    <Section title="Audit log" intro="Who changed what in this project, newest first. Names are as the people call themselves today.">
      <div class="inline-form">
        <label>
          <span class="field-label">Show</span>
          <select value={area} onChange={(e) => setArea(e.currentTarget.value)}>
            <option value="">every change</option>
            {areas.map(([value, title]) => <option key={value} value={value}>{title}</option>)}
          </select>
        </label>
        <button type="button" onClick={page.reload} disabled={page.loading}>Refresh</button>
      </div>
      <ErrorNote error={page.error} />
      {page.loaded && page.items.length === 0 && <p class="muted">Nothing recorded{area ? ' here' : ''} yet.</p>}
      {page.items.length > 0 && (
        <div class="table-wrap card">
          <table class="audit-log">
            <thead><tr><th>When</th><th>Who</th><th>What</th><th>Details</th></tr></thead>
            <tbody>
              {page.items.map((e) => (
                <tr key={e.id}>
                  <td class="muted">{when(e.at)}</td>
                  <td>{actorName(e.actor)}</td>
                  <td>{actionTitle(e.action)}</td>
                  <td class="break">{detailsText(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton label="Older entries" more={page.more} />
    </Section>
  );
}

function actorName(actor: Actor): string {
  if (actor.kind === 'api_key') return actor.name ? `API key “${actor.name}”` : 'An API key';
  if (actor.kind === 'user') return displayName(actor, 'A former user');
  return actor.kind === 'system' ? 'Zapnoty' : 'A customer';
}

/** `webhook.secret_rotated` → "Webhook: secret rotated". */
function actionTitle(action: string): string {
  const [area, what = ''] = action.split('.', 2);
  const title = areas.find(([value]) => value === area)?.[1] ?? area.replace(/_/g, ' ');
  return `${title}: ${what.replace(/_/g, ' ')}`;
}

/** The details as "key: value" pairs, always as text (they may hold what anyone typed). */
function detailsText(details: unknown): string {
  return Object.entries(details !== null && typeof details === 'object' ? details : {})
    .map(([key, value]) => `${key.replace(/_/g, ' ')}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}
