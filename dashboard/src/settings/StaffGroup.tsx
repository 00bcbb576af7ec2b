import { useState } from 'preact/hooks';
import { getStaffGroup, linkStaffGroup, newTelegramLinkCode, unlinkStaffGroup } from '../api/channels';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, useAction, when } from './kit';

/**
 * The Telegram staff group: a forum group where the team answers tickets, one topic each. Anyone
 * gets a code to link their Telegram account; an admin links the group in which they sent theirs.
 */
export function StaffGroup({ projectId }: { projectId: string }) {
  const group = useLoad(() => getStaffGroup(projectId), [projectId]);
  const [code, setCode] = useState<{ code: string; expires_at: string } | null>(null);
  const [typed, setTyped] = useState('');
  const action = useAction();
  async function link(e: Event) {
    e.preventDefault();
    if (await action.run(() => linkStaffGroup(projectId, typed.trim()))) {
      setTyped('');
      void group.reload();
    }
  }
  // Nothing to press until the group is known: what loads above the buttons would move them
  // under a quick click (a press on "Get my code" would land beside it and do nothing).
  if (group.data === undefined && !group.error) {
    return (
      <article class="card staff-group" aria-label="Telegram staff group" aria-busy="true">
        <h3>Answer from a Telegram group</h3>
        <p class="muted" role="status">Loading…</p>
      </article>
    );
  }
  return (
    <article class="card staff-group" aria-label="Telegram staff group">
      <h3>Answer from a Telegram group</h3>
      <ErrorNote error={group.error} />
      {group.data ? (
        <>
          <p>Linked <strong>{group.data.title ?? group.data.chat_id}</strong> <span class="muted">since {when(group.data.linked_at)}</span></p>
          {group.data.broken && (
            <p class="error" role="alert">The link is broken: {group.data.broken_reason} Add the bot back as an administrator and link the group again.</p>
          )}
          <div class="actions">
            <Confirm label="Unlink" what="staff group" question="Unlink the group? Nothing more is posted there, and nothing said there reaches customers."
              confirm="Yes, unlink" busy={action.busy} onConfirm={() => action.run(async () => { await unlinkStaffGroup(projectId); void group.reload(); })} />
          </div>
        </>
      ) : group.data === null && (
        <p class="muted">Create a Telegram group with Topics on and add the project's bot as an administrator that may manage topics.</p>
      )}
      <p class="muted">Link your own Telegram account: get a code and send <code>/link &lt;code&gt;</code> in the group.</p>
      <div class="actions">
        <button type="button" disabled={action.busy} onClick={() => action.run(async () => setCode(await newTelegramLinkCode()))}>Get my code</button>
      </div>
      {code && <p>Your code: <strong><code>{code.code}</code></strong> <span class="muted">(works once, until {when(code.expires_at)})</span></p>}
      {group.data === null && (
        <form class="settings-form" onSubmit={link} noValidate>
          <Field label="Code you sent in the group" name="code" error={action.error}>
            <input autoComplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
          </Field>
          <button class="primary" disabled={action.busy}>Link the group</button>
        </form>
      )}
      <FormError error={action.error} fields={['code']} />
    </article>
  );
}
