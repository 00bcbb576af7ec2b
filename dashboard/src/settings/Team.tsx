import { useState } from 'preact/hooks';
import type { Role } from '../api/projects';
import { addMember, changeRole, confirmOwnershipTransfer, listMembers, removeMember, requestOwnershipTransfer, type Member, type PendingTransfer } from '../api/team';
import { displayName } from '../people';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, Section, useAction, when } from './kit';
import type { SectionProps } from './Settings';

/** The roles the caller may give: only the owner adds or changes admins. */
function assignable(role: Role): Role[] {
  return role === 'owner' ? ['admin', 'support', 'viewer'] : ['support', 'viewer'];
}

export function Team({ projectId, role, onRoleChanged }: SectionProps) {
  const [handedOver, setHandedOver] = useState<string | null>(null);
  const members = useLoad(() => listMembers(projectId), [projectId]);
  return (
    <Section title="Team" intro="People added by email get an invitation and join when they first log in with that address.">
      <ErrorNote error={members.error} />
      {handedOver && <p class="card saved" role="status">{handedOver}</p>}
      <Invite projectId={projectId} role={role} onAdded={members.reload} />
      {members.data && (
        <div class="table-wrap card">
          <table>
            <thead><tr><th>Person</th><th>Role</th><th>Availability</th><th>Added</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>{members.data.items.map((m) => <MemberRow key={m.id} projectId={projectId} member={m} role={role} onChanged={members.reload} />)}</tbody>
          </table>
        </div>
      )}
      {role === 'owner' && members.data && (
        <OwnershipTransfer projectId={projectId} members={members.data.items}
          onTransferred={(note) => { setHandedOver(note); members.reload(); onRoleChanged('admin'); }} />
      )}
    </Section>
  );
}

function Invite(props: { projectId: string; role: Role; onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [newRole, setNewRole] = useState<Role>('support');
  const add = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    if (await add.run(() => addMember(props.projectId, email, newRole))) {
      setEmail('');
      props.onAdded();
    }
  }
  return (
    <form class="inline-form" onSubmit={submit} noValidate>
      <Field label="Email" name="email" error={add.error}>
        <input type="email" autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field label="Role" name="role" error={add.error}>
        <select value={newRole} onChange={(e) => setNewRole(e.currentTarget.value as Role)}>
          {assignable(props.role).map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </Field>
      <button class="primary" disabled={add.busy}>Invite</button>
      <FormError error={add.error} fields={['email', 'role']} />
    </form>
  );
}

function MemberRow(props: { projectId: string; member: Member; role: Role; onChanged: () => void }) {
  const { member } = props;
  const [newRole, setNewRole] = useState<Role>(member.role);
  const action = useAction();
  const manageable = member.role !== 'owner' && assignable(props.role).includes(member.role);
  const act = (run: () => Promise<unknown>) => action.run(async () => { await run(); props.onChanged(); });
  return (
    <tr>
      <td>
        {member.name && <><strong class="member-name">{member.name}</strong><br /></>}
        <span class={member.name ? 'muted' : undefined}>{member.email}</span>
        {member.status === 'invited' && <span class="badge">invited</span>}
      </td>
      <td>
        {manageable ? (
          <span class="inline">
            <select aria-label={`Role of ${member.email}`} value={newRole} onChange={(e) => setNewRole(e.currentTarget.value as Role)}>
              {assignable(props.role).map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
            {newRole !== member.role && (
              <button type="button" class="primary" disabled={action.busy} onClick={() => act(() => changeRole(props.projectId, member.id, newRole))}>Save role</button>
            )}
          </span>
        ) : member.role}
      </td>
      <td><Presence member={member} /></td>
      <td class="muted">{when(member.added_at)}</td>
      <td>
        {manageable && (
          <Confirm label="Remove" what={member.email} question={`Remove ${member.email}?`} confirm="Yes, remove" busy={action.busy}
            onConfirm={() => act(() => removeMember(props.projectId, member.id))} />
        )}
        <FormError error={action.error} />
      </td>
    </tr>
  );
}

/** The owner hands the project over: a code goes to the owner's email; with it the member becomes owner. */
function OwnershipTransfer(props: { projectId: string; members: Member[]; onTransferred: (note: string) => void }) {
  const candidates = props.members.filter((m) => m.role !== 'owner' && m.status === 'active');
  const [to, setTo] = useState('');
  const [pending, setPending] = useState<PendingTransfer | null>(null);
  const [code, setCode] = useState('');
  const action = useAction();
  const target = candidates.find((m) => m.id === (pending?.to_member_id ?? to));

  async function request(e: Event) {
    e.preventDefault();
    await action.run(async () => setPending(await requestOwnershipTransfer(props.projectId, to || null)));
  }
  async function confirm(e: Event) {
    e.preventDefault();
    if (await action.run(() => confirmOwnershipTransfer(props.projectId, code.trim()))) {
      props.onTransferred(`${target ? displayName(target) : 'The member'} is now the owner; you are an admin.`);
    }
  }

  return (
    <div class="card danger-zone">
      <h3>Transfer ownership</h3>
      {pending ? (
        <form class="settings-form" onSubmit={confirm} noValidate>
          <p>We emailed you an 8-digit code (valid until {when(pending.expires_at)}). Enter it to make {target && displayName(target)} the owner; you become an admin.</p>
          <Field label="Code from the email" name="code" error={action.error}>
            <input inputMode="numeric" autoComplete="one-time-code" maxLength={8} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </Field>
          <FormError error={action.error} fields={['code']} />
          <div class="actions">
            <button class="primary" disabled={action.busy}>Confirm transfer</button>
            <button type="button" onClick={() => { setPending(null); setCode(''); action.clear(); }}>Cancel</button>
          </div>
        </form>
      ) : candidates.length === 0 ? (
        <p class="muted">Only a member who has logged in can become the owner; there is none yet.</p>
      ) : (
        <form class="inline-form" onSubmit={request} noValidate>
          <Field label="New owner" name="to_member_id" error={action.error}>
            <select value={to} onChange={(e) => setTo(e.currentTarget.value)}>
              <option value="">Choose a member…</option>
              {candidates.map((m) => <option key={m.id} value={m.id}>{displayName(m)} ({m.role})</option>)}
            </select>
          </Field>
          <button class="primary" disabled={action.busy}>Email me a code</button>
          <FormError error={action.error} fields={['to_member_id']} />
        </form>
      )}
    </div>
  );
}

/** Whether auto-assignment gives them tickets now, and when they were last active. */
function Presence({ member }: { member: Member }) {
  const state = typeof member.available !== 'boolean' ? null
    : !member.available ? 'Away' : member.away ? 'Away (inactive)' : 'Available';
  return (
    <>
      {state && <>{state}<br /></>}
      {member.last_active_at && <span class="muted">active {when(member.last_active_at)}</span>}
    </>
  );
}
