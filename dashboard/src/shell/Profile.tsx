import { useState } from 'preact/hooks';
import { endSignedInSession, logOutEverywhere as endAllSessions, me, mySessions, renameMe, type SignedInSession, type User } from '../api/auth';
import { displayName } from '../people';
import { Confirm, Field, FormError, useAction, useSubmit, when } from '../settings/kit';
import { ErrorNote, useLoad } from '../ui';

/**
 * The signed-in person in the header: a button with their name that opens a small panel to
 * change it, and to review where they are signed in. The name is what teammates see and what
 * {{agent.name}} puts into canned replies.
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
  const save = useSubmit(async () => props.onChanged(await renameMe(name)));
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
      <Sessions />
    </div>
  );
}

/** Where this person is signed in; ending a session, or all of them ("log out everywhere"). */
function Sessions() {
  const sessions = useLoad(mySessions, []);
  const everywhere = useAction();
  // The server refuses this token from now on: the next call's 401 shows the login screen, as for any ended session.
  const logOutEverywhere = () => everywhere.run(async () => {
    await endAllSessions();
    await me();
  });
  return (
    <section class="sessions" aria-label="Your sessions">
      <h3>Signed in</h3>
      <ErrorNote error={sessions.error} />
      <ul class="session-list">
        {sessions.data?.items.map((s) => <SessionRow key={s.id} session={s} onEnded={sessions.reload} />)}
      </ul>
      <Confirm label="Log out everywhere" question="End every session, this one too?" confirm="Yes, log out everywhere" busy={everywhere.busy}
        onConfirm={logOutEverywhere} />
      <FormError error={everywhere.error} />
    </section>
  );
}

function SessionRow(props: { session: SignedInSession; onEnded: () => void }) {
  const s = props.session;
  const end = useAction();
  const where = [s.last_user_agent, s.last_network].filter(Boolean).join(' · ') || 'unknown device';
  return (
    <li>
      <span>{s.current ? <strong>This browser</strong> : where}</span>
      <small class="muted"> since {when(s.created_at)}, last seen {when(s.last_seen_at ?? s.created_at)}</small>
      {!s.current && (
        <Confirm label="End" what={where} question="End this session?" confirm="Yes, end it" busy={end.busy}
          onConfirm={() => end.run(async () => { await endSignedInSession(s.id); props.onEnded(); })} />
      )}
      <FormError error={end.error} />
    </li>
  );
}
