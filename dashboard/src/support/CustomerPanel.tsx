import { useEffect, useRef, useState } from 'preact/hooks';
import { changeCustomerNotes, getCustomer, type CustomerProfile } from '../api/customers';
import { mergeTicket, type Ticket } from '../api/tickets';
import { href } from '../route';
import { ErrorNote, useLoad } from '../ui';
import { ChannelIcon, dateTime } from './format';
import { label } from './ticketWords';
import './customer.css';

// Beside the ticket: who the customer is, their other tickets here (open first), and the team's notes.
export function CustomerPanel(props: { projectId: string; ticket: Ticket; canAct: boolean; onMerged: (survivorId: string) => void }) {
  const { ticket: t } = props;
  const profile = useLoad(() => getCustomer(props.projectId, t.customer.id), [props.projectId, t.customer.id]);
  // The ticket changed (status, a merge): its line in the customer's list follows, without a second load at the start.
  const { reload } = profile;
  const shown = useRef(t.updated_at);
  useEffect(() => {
    if (shown.current === t.updated_at) return;
    shown.current = t.updated_at;
    void reload();
  }, [reload, t.updated_at]);
  const c = profile.data;
  return (
    <aside class="customer-panel" aria-label="Customer">
      <h3>Customer</h3>
      <ErrorNote error={profile.error} />
      {!c ? <p class="muted" role="status">Loading…</p> : (
        <>
          <dl class="facts customer-facts">
            <div><dt>Name</dt><dd>{c.name ?? '—'}</dd></div>
            <div><dt>Channel</dt><dd><ChannelIcon channel={c.channel} /> {label(c.channel)}</dd></div>
            {c.username && <div><dt>Username</dt><dd>@{c.username}</dd></div>}
            <div><dt>External id</dt><dd>{c.external_id}</dd></div>
            {c.email && <div><dt>Email</dt><dd>{c.email}</dd></div>}
            <div><dt>First contact</dt><dd>{dateTime(c.first_contact_at)}</dd></div>
          </dl>
          <h4>Their tickets ({c.tickets.length}{c.more_tickets ? '+' : ''})</h4>
          <ul class="customer-tickets">
            {c.tickets.map((other) => (
              <li key={other.id} aria-current={other.id === t.id ? 'true' : undefined}>
                <a href={href({ page: 'tickets', projectId: props.projectId, ticketId: other.id })}>#{other.number} {other.subject}</a>
                {' '}<span class={`status status-${other.status}`}>{label(other.status)}</span>
              </li>
            ))}
          </ul>
          {props.canAct && <MergeInto ticket={t} profile={c} onMerged={props.onMerged} />}
          <Notes projectId={props.projectId} profile={c} canAct={props.canAct} onSaved={profile.setData} />
        </>
      )}
    </aside>
  );
}

function Notes(props: { projectId: string; profile: CustomerProfile; canAct: boolean; onSaved: (p: CustomerProfile) => void }) {
  const [notes, setNotes] = useState(props.profile.notes ?? '');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setNotes(props.profile.notes ?? ''), [props.profile.id, props.profile.notes]);
  if (!props.canAct) return <><h4>Notes</h4><p class="customer-notes">{props.profile.notes ?? <span class="muted">No notes.</span>}</p></>;
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      props.onSaved(await changeCustomerNotes(props.projectId, props.profile.id, notes));
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="customer-notes-form" onSubmit={save}>
      <label>Notes about this customer
        <textarea rows={4} maxLength={4096} value={notes} onInput={(e) => { setNotes(e.currentTarget.value); setSaved(false); }} />
      </label>
      <button type="submit" disabled={notes === (props.profile.notes ?? '')}>Save notes</button>
      {saved && <span class="muted" role="status"> Saved.</span>}
      <ErrorNote error={error} />
    </form>
  );
}

// "Merge into…": the customer's other open tickets; the merged one closes and points at the survivor.
function MergeInto(props: { ticket: Ticket; profile: CustomerProfile; onMerged: (survivorId: string) => void }) {
  const [into, setInto] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { ticket: t } = props;
  const targets = props.profile.tickets.filter((o) => o.id !== t.id && o.status !== 'closed' && !o.merged_into);
  if (t.merged_into || targets.length === 0) return null;
  const merge = async (e: Event) => {
    e.preventDefault();
    const target = targets.find((o) => o.id === into);
    if (!target || !confirm(`Merge #${t.number} into #${target.number}? Its messages move there and #${t.number} closes.`)) return;
    setBusy(true);
    setError(null);
    try {
      const survivor = await mergeTicket(t.id, target.id);
      props.onMerged(survivor.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="merge-form" onSubmit={merge}>
      <label>Merge into…
        <select value={into} onChange={(e) => setInto(e.currentTarget.value)}>
          <option value="">Pick a ticket</option>
          {targets.map((o) => <option key={o.id} value={o.id}>#{o.number} {o.subject}</option>)}
        </select>
      </label>
      <button type="submit" disabled={!into || busy}>Merge</button>
      <ErrorNote error={error} />
    </form>
  );
}
