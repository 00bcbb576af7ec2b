import { useState } from 'preact/hooks';
import { api } from '../api';
import { displayName } from '../people';
import { Field, FormError, useSubmit } from '../settings/kit';
import type { User } from '../types';

/**
 * The signed-in person in the header: a button with their name that opens a small panel to
 * change it. The name is what teammates see and what {{agent.name}} puts into canned replies.
 */
export function Profile(props: { me: User; onChanged: (me: User) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="profile">
      <button type="button" class="profile-button" aria-expanded={open} aria-controls="profile-panel" title="Your profile"
        onClick={() => setOpen(!open)}>{displayName(props.me)}</button>
      {open && <ProfilePanel me={props.me} onChanged={props.onChanged} onClose={() => setOpen(false)} />}
    </div>
  );
}

function ProfilePanel(props: { me: User; onChanged: (me: User) => void; onClose: () => void }) {
  const [name, setName] = useState(props.me.name ?? '');
  const save = useSubmit(async () => props.onChanged(await api<User>('PATCH', '/auth/me', { name })));
  return (
    <div id="profile-panel" class="profile-panel card" role="dialog" aria-label="Your profile"
      onKeyDown={(e) => { if (e.key === 'Escape') props.onClose(); }}>
      <form class="settings-form" onSubmit={save.submit} noValidate>
        <p class="muted">Signed in as {props.me.email}</p>
        <Field label="Your name" name="name" error={save.error} hint="Your team sees it, and canned replies sign with it ({{agent.name}}).">
          <input maxLength={80} autoComplete="name" value={name} ref={(i) => i?.focus()}
            onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <FormError error={save.error} fields={['name']} />
        {save.saved && <p class="saved" role="status">Saved.</p>}
        <div class="actions">
          <button class="primary" disabled={save.busy}>Save name</button>
          <button type="button" onClick={props.onClose}>Close</button>
        </div>
      </form>
    </div>
  );
}
