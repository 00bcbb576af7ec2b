import { useState } from 'preact/hooks';
import { api, segment } from '../api';
import type { Page } from '../types';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, SecretOnce, Section, useAction, when } from './kit';
import type { SectionProps } from './Settings';

interface ApiKey { id: string; name: string; prefix: string; created_at: string; revoked_at: string | null }
interface CreatedKey { id: string; name: string; key: string }

export function ApiKeys({ projectId }: SectionProps) {
  const base = `/projects/${segment(projectId)}/api-keys`;
  const keys = useLoad(() => api<Page<ApiKey>>('GET', base), [projectId]);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [name, setName] = useState('');
  const create = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    await create.run(async () => {
      setCreated(await api<CreatedKey>('POST', base, { name }));
      setName('');
      keys.reload();
    });
  }
  return (
    <Section title="API keys" intro="For your servers and CRM: a key acts on this project only, with admin rights (Authorization: Bearer zk_...).">
      <ErrorNote error={keys.error} />
      {created && <SecretOnce title={`API key "${created.name}"`} value={created.key} onDone={() => setCreated(null)} />}
      <form class="inline-form" onSubmit={submit} noValidate>
        <Field label="New key name" name="name" error={create.error}>
          <input value={name} maxLength={100} placeholder="website" onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <button class="primary" disabled={create.busy}>Create key</button>
        <FormError error={create.error} fields={['name']} />
      </form>
      {keys.data && keys.data.items.length === 0 && <p class="muted">No API keys yet.</p>}
      {keys.data && keys.data.items.length > 0 && (
        <div class="table-wrap card">
          <table>
            <thead><tr><th>Name</th><th>Key</th><th>Created</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>{keys.data.items.map((k) => <KeyRow base={base} apiKey={k} onRevoked={keys.reload} />)}</tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function KeyRow(props: { base: string; apiKey: ApiKey; onRevoked: () => void }) {
  const k = props.apiKey;
  const revoke = useAction();
  return (
    <tr class={k.revoked_at ? 'revoked' : undefined}>
      <td>{k.name}</td>
      <td><code>{k.prefix}…</code></td>
      <td class="muted">{when(k.created_at)}</td>
      <td>
        {k.revoked_at ? <span class="muted">revoked {when(k.revoked_at)}</span> : (
          <Confirm label="Revoke" what={k.name} question={`Revoke ${k.name}? Servers using it stop working at once.`} confirm="Yes, revoke" busy={revoke.busy}
            onConfirm={() => revoke.run(async () => { await api('DELETE', `${props.base}/${segment(k.id)}`); props.onRevoked(); })} />
        )}
        <FormError error={revoke.error} />
      </td>
    </tr>
  );
}
