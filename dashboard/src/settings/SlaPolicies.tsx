import { useState } from 'preact/hooks';
import { ApiError } from '../api/errors';
import { getSlaPolicies, setSlaPolicies, type SlaPolicies as Stored, type SlaPolicy } from '../api/slaPolicies';
import type { TicketPriority } from '../api/tickets';
import { listTicketTypes, type TicketType } from '../api/ticketTypes';
import { label, priorities } from '../support/ticketWords';
import { ErrorNote, useLoad } from '../ui';
import { FormError, Section, useSubmit } from './kit';
import type { SectionProps } from './Settings';

const targets = ['first_reply_minutes', 'next_reply_minutes', 'resolve_minutes'] as const;
type Target = (typeof targets)[number];
const targetNames: Record<Target, string> = { first_reply_minutes: 'First reply', next_reply_minutes: 'Next reply', resolve_minutes: 'Resolve' };

/** A policy as the form edits it: minutes as typed (empty: no target). */
interface Row { key: number; priority: TicketPriority; type_id: string; business_hours: boolean; pause_while_waiting: boolean; minutes: Record<Target, string> }

// Rows are keyed by a number of their own: a policy has no id, and removing a row must not move another's inputs.
let nextKey = 0;

const rowOf = (p: SlaPolicy): Row => ({
  key: nextKey++,
  priority: p.priority ?? 'normal',
  type_id: p.type_id ?? '',
  business_hours: p.business_hours,
  pause_while_waiting: p.pause_while_waiting,
  minutes: { first_reply_minutes: p.first_reply_minutes?.toString() ?? '', next_reply_minutes: p.next_reply_minutes?.toString() ?? '', resolve_minutes: p.resolve_minutes?.toString() ?? '' },
});

export function SlaPolicies({ projectId }: SectionProps) {
  const policies = useLoad(() => getSlaPolicies(projectId), [projectId]);
  const types = useLoad(() => listTicketTypes(projectId, true), [projectId]);
  return (
    <Section title="SLA policies" intro="Targets per priority, and per priority and ticket type (that one wins). Without any policy, the targets under General & SLA apply to every ticket.">
      <ErrorNote error={policies.error ?? types.error} />
      {policies.data && types.data && (
        <PolicyForm projectId={projectId} rows={(policies.data.policies ?? []).map(rowOf)} types={types.data.items}
          onSaved={(saved) => policies.setData(saved)} />
      )}
    </Section>
  );
}

function PolicyForm(props: { projectId: string; rows: Row[]; types: TicketType[]; onSaved: (saved: Stored) => void }) {
  const [rows, setRows] = useState(props.rows);
  const change = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = useSubmit(async () => {
    const errors: Record<string, string[]> = {};
    const policies = rows.map((r, i): SlaPolicy => {
      const minutes = {} as Record<Target, number | null>;
      for (const target of targets) {
        const text = r.minutes[target].trim();
        const value = text === '' ? null : Number(text);
        if (value !== null && !Number.isInteger(value)) errors[`policies[${i}].${target}`] = ['Whole minutes, or empty for no target.'];
        minutes[target] = value;
      }
      return { priority: r.priority, type_id: r.type_id || null, ...minutes, business_hours: r.business_hours, pause_while_waiting: r.pause_while_waiting };
    });
    if (Object.keys(errors).length) throw new ApiError(400, 'Some minutes are not whole numbers.', undefined, errors);
    const saved = await setSlaPolicies(props.projectId, policies);
    setRows((saved.policies ?? []).map(rowOf));
    props.onSaved(saved);
  });

  return (
    <form class="card settings-form sla-policies" onSubmit={save.submit} noValidate>
      <table>
        <thead>
          <tr>
            <th scope="col">Priority</th><th scope="col">Ticket type</th>
            {targets.map((t) => <th key={t} scope="col">{targetNames[t]} (min)</th>)}
            <th scope="col">Business hours</th><th scope="col">Pause while waiting</th><th scope="col"><span class="sr-only">Remove</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && <tr><td colSpan={8} class="muted">No policies: the project settings' targets apply.</td></tr>}
          {rows.map((r, i) => (
            <tr key={r.key}>
              <td>
                <select aria-label={`Priority of policy ${i + 1}`} value={r.priority} onChange={(e) => change(i, { priority: e.currentTarget.value as TicketPriority })}>
                  {priorities.map((p) => <option key={p} value={p}>{label(p)}</option>)}
                </select>
              </td>
              <td>
                <select aria-label={`Ticket type of policy ${i + 1}`} value={r.type_id} onChange={(e) => change(i, { type_id: e.currentTarget.value })}>
                  <option value="">Any type</option>
                  {props.types.filter((t) => !t.archived || t.id === r.type_id).map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
                </select>
              </td>
              {targets.map((t) => (
                <td key={t}>
                  <input inputMode="numeric" size={6} placeholder="off" aria-label={`${targetNames[t]} minutes of policy ${i + 1}`} value={r.minutes[t]}
                    onInput={(e) => change(i, { minutes: { ...r.minutes, [t]: e.currentTarget.value } })} />
                </td>
              ))}
              <td><input type="checkbox" aria-label={`Business hours for policy ${i + 1}`} checked={r.business_hours} onChange={(e) => change(i, { business_hours: e.currentTarget.checked })} /></td>
              <td><input type="checkbox" aria-label={`Pause while waiting for policy ${i + 1}`} checked={r.pause_while_waiting} onChange={(e) => change(i, { pause_while_waiting: e.currentTarget.checked })} /></td>
              <td><button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>Remove</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">Business hours count the project's calendar (around the clock while it has none). Next reply: each customer message an agent has not answered yet.</p>
      <FormError error={save.error} />
      <div class="actions">
        <button type="button" onClick={() => setRows([...rows, { key: nextKey++, priority: 'normal', type_id: '', business_hours: true, pause_while_waiting: true, minutes: { first_reply_minutes: '', next_reply_minutes: '', resolve_minutes: '' } }])}>
          Add policy
        </button>
        <button class="primary" disabled={save.busy}>Save policies</button>
        {save.saved && <span class="saved" role="status">Saved.</span>}
      </div>
    </form>
  );
}
