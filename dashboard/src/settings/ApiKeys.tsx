import { useState } from 'preact/hooks';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKey, type CreatedKey } from '../api/apiKeys';
import { ErrorNote } from '../ui';
import { Confirm, Field, FormError, SecretOnce, Section, useAction, when } from './kit';
import { MoreButton, usePaged } from './paged';
import type { SectionProps } from './Settings';

type Scope = 'tickets:read' | 'tickets:write' | 'admin';

// Scopes rise like roles; a key acts with its highest one. The dashboard offers the three steps.
const access: { value: string; label: string; scopes: Scope[] }[] = [
  { value: 'read', label: 'Read tickets (tickets:read)', scopes: ['tickets:read'] },
  { value: 'write', label: 'Work tickets (tickets:write)', scopes: ['tickets:write'] },
  { value: 'admin', label: 'Admin: also keys, team, bots, webhooks (admin)', scopes: ['tickets:write', 'admin'] },
];
const lifetimes: { value: string; label: string; days: number | null }[] = [
  { value: 'never', label: 'Never', days: null },
  { value: '30', label: 'In 30 days', days: 30 },
  { value: '90', label: 'In 90 days', days: 90 },
  { value: '365', label: 'In a year', days: 365 },
];

export function ApiKeys({ projectId }: SectionProps) {
  const keys = usePaged((cursor) => listApiKeys(projectId, cursor), [projectId]);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [name, setName] = useState('');
  const [level, setLevel] = useState('write');
  const [lifetime, setLifetime] = useState('never');
  const create = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    const days = lifetimes.find((l) => l.value === lifetime)?.days ?? null;
    const scopes = access.find((a) => a.value === level)?.scopes ?? ['tickets:read'];
    await create.run(async () => {
      const expires_at = days === null ? undefined : new Date(Date.now() + days * 86_400_000).toISOString();
      setCreated(await createApiKey(projectId, { name, scopes, expires_at }));
      setName('');
      void keys.reload();
    });
  }
  return (
    <Section title="API keys" intro="For your servers and CRM (Authorization: Bearer zk_...). A key acts on this project only, with the access you give it. Only people create keys; a key never can.">
      <ErrorNote error={keys.error} />
      {created && <SecretOnce title={`API key "${created.name}"`} value={created.key ?? ''} onDone={() => setCreated(null)} />}
      <form class="inline-form" onSubmit={submit} noValidate>
        <Field label="New key name" name="name" error={create.error}>
          <input value={name} maxLength={100} placeholder="website" onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="Access" name="scopes" error={create.error}>
          <select value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
            {access.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
          </select>
        </Field>
        <Field label="Expires" name="expires_at" error={create.error}>
          <select value={lifetime} onChange={(e) => setLifetime(e.currentTarget.value)}>
            {lifetimes.map((l) => <option key={l.value} value={l.value}>{l.label}</option>)}
          </select>
        </Field>
        <button class="primary" disabled={create.busy}>Create key</button>
        <FormError error={create.error} fields={['name', 'scopes', 'expires_at']} />
      </form>
      {keys.loaded && keys.items.length === 0 && <p class="muted">No API keys yet.</p>}
      {keys.items.length > 0 && (
        <div class="table-wrap card">
          <table class="api-keys">
            <thead><tr><th>Name</th><th>Key</th><th>Access</th><th>Created</th><th>Last used</th><th>Expires</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>{keys.items.map((k) => <KeyRow key={k.id} projectId={projectId} apiKey={k} onRevoked={keys.reload} />)}</tbody>
          </table>
        </div>
      )}
      <MoreButton label="More keys" more={keys.more} />
    </Section>
  );
}

function KeyRow(props: { projectId: string; apiKey: ApiKey; onRevoked: () => void }) {
  const k = props.apiKey;
  const revoke = useAction();
  const expired = k.expires_at !== null && new Date(k.expires_at) <= new Date();
  return (
    <tr class={k.revoked_at || expired ? 'revoked' : undefined}>
      <td>{k.name}</td>
      <td><code>{k.prefix}…</code></td>
      <td>{k.scopes?.join(', ')}</td>
      <td class="muted created">{when(k.created_at)}{k.created_by && <><br />by {k.created_by.name ?? k.created_by.email}</>}</td>
      <td class="muted">{k.last_used_at ? when(k.last_used_at) : 'never'}</td>
      <td class="muted">{k.expires_at ? `${expired ? 'expired ' : ''}${when(k.expires_at)}` : 'never'}</td>
      <td>
        {k.revoked_at ? <span class="muted">revoked {when(k.revoked_at)}</span> : (
          <Confirm label="Revoke" what={k.name} question={`Revoke ${k.name}? Servers using it stop working at once.`} confirm="Yes, revoke" busy={revoke.busy}
            onConfirm={() => revoke.run(async () => { await revokeApiKey(props.projectId, k.id); props.onRevoked(); })} />
        )}
        <FormError error={revoke.error} />
      </td>
    </tr>
  );
}
