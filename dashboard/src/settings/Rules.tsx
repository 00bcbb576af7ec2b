import { useState } from 'preact/hooks';
import { addRule, changeRule, listRules, removeRule, type Rule, type RuleAction, type RuleInput, type RuleTrigger } from '../api/rules';
import { listTags, type Tag } from '../api/tags';
import { listMembers, type Member } from '../api/team';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, Section, useAction, useSubmit } from './kit';
import type { SectionProps } from './Settings';

const triggers = [
  { id: 'sla_warning', label: 'An SLA target is about to be missed' },
  { id: 'sla_breached', label: 'An SLA target was missed' },
  { id: 'waiting_on_customer', label: 'The ticket waits on the customer' },
] as const;
const targets = [{ id: 'first_reply', label: 'first reply' }, { id: 'resolution', label: 'resolution' }] as const;
const actionTypes = [
  { id: 'notify', label: 'Notify' },
  { id: 'set_priority', label: 'Set priority' },
  { id: 'assign', label: 'Assign to' },
  { id: 'unassign', label: 'Unassign' },
  { id: 'add_tag', label: 'Add tag' },
  { id: 'message', label: 'Message the customer (1 credit)' },
  { id: 'close', label: 'Close (optional last message, 1 credit)' },
] as const;
const priorities = ['low', 'normal', 'high', 'urgent'] as const;
const roles = ['support', 'admin', 'owner'] as const;

type Draft = { name: string; enabled: boolean; type: string; target: string; minutes: string; priority: string; actions: RuleAction[] };

function draftOf(rule?: Rule): Draft {
  if (!rule) return { name: '', enabled: true, type: 'sla_warning', target: 'first_reply', minutes: '30', priority: '', actions: [] };
  const t = rule.trigger;
  const minutes = t.type === 'waiting_on_customer' ? t.after_minutes : t.minutes_before;
  return {
    name: rule.name, enabled: rule.enabled, type: t.type ?? 'sla_warning', target: t.target ?? 'first_reply',
    minutes: minutes == null ? '' : String(minutes), priority: rule.conditions.priority ?? '', actions: rule.actions.map((a) => ({ ...a })),
  };
}

function inputOf(d: Draft): RuleInput {
  const minutes = d.minutes.trim() === '' ? null : Number(d.minutes);
  const type = d.type as RuleTrigger['type'];
  const trigger: RuleTrigger = d.type === 'waiting_on_customer'
    ? { type, after_minutes: minutes }
    : { type, target: d.target as RuleTrigger['target'], minutes_before: d.type === 'sla_warning' ? minutes : null };
  return { name: d.name, enabled: d.enabled, trigger, conditions: { priority: d.priority ? (d.priority as (typeof priorities)[number]) : null }, actions: d.actions };
}

function describe(rule: Rule): string {
  const t = rule.trigger;
  if (t.type === 'sla_warning') return `${t.minutes_before} min before the ${t.target?.replace('_', ' ')} target`;
  if (t.type === 'sla_breached') return `when the ${t.target?.replace('_', ' ')} target is missed`;
  return `after ${t.after_minutes} min waiting on the customer`;
}

export function Rules({ projectId }: SectionProps) {
  const rules = useLoad(() => listRules(projectId), [projectId]);
  const members = useLoad(() => listMembers(projectId), [projectId]);
  const tags = useLoad(() => listTags(projectId), [projectId]);
  const [editing, setEditing] = useState<string | null>(null);
  const people = members.data?.items.filter((m) => m.user_id) ?? [];
  const liveTags = tags.data?.items.filter((t) => !t.archived) ?? [];
  return (
    <Section title="Rules" intro="Act before an SLA target is missed, when it is, or when a ticket waits on the customer: notify people, raise the priority, reassign, tag, message or close. Each rule acts once per ticket and cycle, in the ticket's history under its name.">
      <ErrorNote error={rules.error ?? members.error ?? tags.error} />
      {rules.data && (
        <ul class="plain-list card">
          {rules.data.items.length === 0 && <li class="muted">No rules yet.</li>}
          {rules.data.items.map((r) => editing === r.id
            ? <li key={r.id}><RuleForm projectId={projectId} rule={r} people={people} tags={liveTags} onDone={() => { setEditing(null); rules.reload(); }} /></li>
            : <RuleRow key={r.id} projectId={projectId} rule={r} onEdit={() => setEditing(r.id)} onChanged={rules.reload} />)}
        </ul>
      )}
      {rules.data && editing === null && <RuleForm projectId={projectId} people={people} tags={liveTags} onDone={rules.reload} />}
    </Section>
  );
}

function RuleRow(props: { projectId: string; rule: Rule; onEdit: () => void; onChanged: () => void }) {
  const action = useAction();
  const r = props.rule;
  return (
    <li class="list-row">
      <span class="grow"><strong>{r.name}</strong> <span class="muted">— {describe(r)}; {r.actions.length ? r.actions.map((a) => a.type).join(', ') : 'webhook only'}</span></span>
      <label><input type="checkbox" checked={r.enabled} disabled={action.busy}
        onChange={(e) => { const enabled = e.currentTarget.checked; void action.run(async () => { await changeRule(props.projectId, r.id, { enabled }); props.onChanged(); }); }} /> Enabled</label>
      <button type="button" onClick={props.onEdit} aria-label={`Edit ${r.name}`}>Edit</button>
      <Confirm label="Delete" what={r.name} question={`Delete ${r.name}? Tickets keep the history of what it did.`} confirm="Yes, delete"
        busy={action.busy} onConfirm={() => action.run(async () => { await removeRule(props.projectId, r.id); props.onChanged(); })} />
      <FormError error={action.error} />
    </li>
  );
}

function RuleForm(props: { projectId: string; rule?: Rule; people: Member[]; tags: Tag[]; onDone: () => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(props.rule));
  const set = (change: Partial<Draft>) => setD({ ...d, ...change });
  const setAction = (i: number, a: RuleAction) => set({ actions: d.actions.map((x, j) => (j === i ? a : x)) });
  const save = useSubmit(async () => {
    if (props.rule) await changeRule(props.projectId, props.rule.id, inputOf(d));
    else await addRule(props.projectId, inputOf(d));
    if (!props.rule) setD(draftOf());
    props.onDone();
  });
  return (
    <form class="card rule-form" onSubmit={save.submit} noValidate>
      <h3>{props.rule ? `Edit ${props.rule.name}` : 'New rule'}</h3>
      <Field label="Name" name="name" error={save.error}>
        <input value={d.name} maxLength={100} onInput={(e) => set({ name: e.currentTarget.value })} />
      </Field>
      <Field label="When" name="trigger.type" error={save.error}>
        <select value={d.type} onChange={(e) => set({ type: e.currentTarget.value })}>
          {triggers.map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
        </select>
      </Field>
      {d.type !== 'waiting_on_customer' && (
        <Field label="Target" name="trigger.target" error={save.error}>
          <select value={d.target} onChange={(e) => set({ target: e.currentTarget.value })}>
            {targets.map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
          </select>
        </Field>
      )}
      {d.type !== 'sla_breached' && (
        <Field label={d.type === 'sla_warning' ? 'Minutes before the due time' : 'After minutes of waiting (a day is 1440)'}
          name={d.type === 'sla_warning' ? 'trigger.minutes_before' : 'trigger.after_minutes'} error={save.error}>
          <input type="number" min="0" step="any" value={d.minutes} onInput={(e) => set({ minutes: e.currentTarget.value })} />
        </Field>
      )}
      <Field label="Only tickets of priority" name="conditions.priority" error={save.error}>
        <select value={d.priority} onChange={(e) => set({ priority: e.currentTarget.value })}>
          <option value="">any</option>
          {priorities.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
      </Field>
      <fieldset>
        <legend>Actions</legend>
        {d.actions.map((a, i) => (
          <ActionRow key={i} index={i} action={a} people={props.people} tags={props.tags} error={save.error}
            onChange={(x) => setAction(i, x)} onRemove={() => set({ actions: d.actions.filter((_, j) => j !== i) })} />
        ))}
        {d.actions.length < 10 && <button type="button" onClick={() => set({ actions: [...d.actions, { type: 'notify', to: 'assignee' }] })}>Add action</button>}
      </fieldset>
      <label><input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} /> Enabled</label>
      <button class="primary" disabled={save.busy}>{props.rule ? 'Save rule' : 'Add rule'}</button>
      {props.rule && <button type="button" onClick={props.onDone}>Cancel</button>}
      <FormError error={save.error} fields={['name', 'trigger.type', 'trigger.target', 'trigger.minutes_before', 'trigger.after_minutes']} />
    </form>
  );
}

function ActionRow(props: { index: number; action: RuleAction; people: Member[]; tags: Tag[]; error: unknown; onChange: (a: RuleAction) => void; onRemove: () => void }) {
  const a = props.action;
  const field = `actions[${props.index}]`;
  const person = (label: string) => (
    <Field label={label} name={`${field}.user_id`} error={props.error}>
      <select value={a.user_id ?? ''} onChange={(e) => props.onChange({ ...a, user_id: e.currentTarget.value || null })}>
        <option value="">choose…</option>
        {props.people.map((m) => <option key={m.id} value={m.user_id ?? ''}>{m.name ?? m.email}</option>)}
      </select>
    </Field>
  );
  return (
    <div class="inline-form">
      <Field label={`Action ${props.index + 1}`} name={`${field}.type`} error={props.error}>
        <select value={a.type ?? ''} onChange={(e) => props.onChange({ type: e.currentTarget.value as RuleAction['type'] })}>
          {actionTypes.map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
        </select>
      </Field>
      {a.type === 'notify' && (
        <Field label="Whom" name={`${field}.to`} error={props.error}>
          <select value={a.to ?? 'assignee'} onChange={(e) => props.onChange({ ...a, to: e.currentTarget.value as RuleAction['to'], role: e.currentTarget.value === 'role' ? 'admin' : null })}>
            <option value="assignee">the assignee</option>
            <option value="role">everyone of a role and above</option>
            <option value="person">a person</option>
          </select>
        </Field>
      )}
      {a.type === 'notify' && a.to === 'role' && (
        <Field label="Role" name={`${field}.role`} error={props.error}>
          <select value={a.role ?? 'admin'} onChange={(e) => props.onChange({ ...a, role: e.currentTarget.value as (typeof roles)[number] })}>
            {roles.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </Field>
      )}
      {a.type === 'notify' && a.to === 'person' && person('Person')}
      {a.type === 'assign' && person('Assignee')}
      {a.type === 'set_priority' && (
        <Field label="Priority" name={`${field}.priority`} error={props.error}>
          <select value={a.priority ?? 'high'} onChange={(e) => props.onChange({ ...a, priority: e.currentTarget.value as (typeof priorities)[number] })}>
            {priorities.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </Field>
      )}
      {a.type === 'add_tag' && (
        <Field label="Tag" name={`${field}.tag_id`} error={props.error}>
          <select value={a.tag_id ?? ''} onChange={(e) => props.onChange({ ...a, tag_id: e.currentTarget.value || null })}>
            <option value="">choose…</option>
            {props.tags.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </select>
        </Field>
      )}
      {(a.type === 'message' || a.type === 'close') && (
        <Field label={a.type === 'close' ? 'Last message (optional)' : 'Message'} name={`${field}.text`} error={props.error}>
          <textarea value={a.text ?? ''} maxLength={4096} onInput={(e) => props.onChange({ ...a, text: e.currentTarget.value || null })} />
        </Field>
      )}
      <button type="button" class="danger" onClick={props.onRemove} aria-label={`Remove action ${props.index + 1}`}>Remove</button>
    </div>
  );
}
