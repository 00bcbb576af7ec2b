import { useState } from 'preact/hooks';
import { addTag, changeTag, listTags, removeTag, type Tag } from '../api/tags';
import { TagChip } from '../support/TicketTags';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, Section, useAction, useSubmit } from './kit';
import type { SectionProps } from './Settings';

export function Tags({ projectId }: SectionProps) {
  const tags = useLoad(() => listTags(projectId, true), [projectId]);
  const palette = tags.data?.palette ?? [];
  const active = tags.data?.items.filter((t) => !t.archived) ?? [];
  const archived = tags.data?.items.filter((t) => t.archived) ?? [];
  return (
    <Section title="Tags" intro="Labels agents put on tickets (for example Refund, VIP, Bug); the ticket list filters by them and webhooks carry them.">
      <ErrorNote error={tags.error} />
      {tags.data && <AddTag projectId={projectId} palette={palette} onAdded={tags.reload} />}
      {tags.data && (
        <ul class="plain-list card">
          {active.length === 0 && <li class="muted">No tags yet.</li>}
          {active.map((t) => <TagRow key={t.id} projectId={projectId} tag={t} palette={palette} onChanged={tags.reload} />)}
        </ul>
      )}
      {archived.length > 0 && <p class="muted">Archived (kept on the tickets that have them): {archived.map((t) => t.name).join(', ')}</p>}
    </Section>
  );
}

function ColorPicker(props: { palette: string[]; value: string; onChange: (color: string) => void }) {
  return (
    <label>Colour
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} style={{ borderLeft: `1rem solid ${props.value}` }}>
        {props.palette.includes(props.value) ? null : <option value={props.value}>{props.value}</option>}
        {props.palette.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    </label>
  );
}

function AddTag(props: { projectId: string; palette: string[]; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [color, setColor] = useState(props.palette[0] ?? '#64748b');
  const add = useSubmit(async () => {
    await addTag(props.projectId, name, color);
    setName('');
    props.onAdded();
  });
  return (
    <form class="inline-form" onSubmit={add.submit} noValidate>
      <Field label="New tag" name="name" error={add.error}>
        <input value={name} maxLength={50} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <ColorPicker palette={props.palette} value={color} onChange={setColor} />
      <button class="primary" disabled={add.busy}>Add tag</button>
      <FormError error={add.error} fields={['name', 'color']} />
    </form>
  );
}

function TagRow(props: { projectId: string; tag: Tag; palette: string[]; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(props.tag.name);
  const [color, setColor] = useState(props.tag.color);
  const action = useAction();
  async function save(e: Event) {
    e.preventDefault();
    if (await action.run(() => changeTag(props.projectId, props.tag.id, { name, color }))) {
      setEditing(false);
      props.onChanged();
    }
  }
  if (editing) {
    return (
      <li>
        <form class="inline-form" onSubmit={save} noValidate>
          <Field label={`Rename ${props.tag.name}`} name="name" error={action.error}>
            <input value={name} maxLength={50} onInput={(e) => setName(e.currentTarget.value)} ref={(i) => i?.focus()} />
          </Field>
          <ColorPicker palette={props.palette} value={color} onChange={setColor} />
          <button class="primary" disabled={action.busy}>Save</button>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
          <FormError error={action.error} fields={['name', 'color']} />
        </form>
      </li>
    );
  }
  return (
    <li class="list-row">
      <span class="grow"><TagChip tag={props.tag} /></span>
      <button type="button" onClick={() => setEditing(true)} aria-label={`Edit ${props.tag.name}`}>Edit</button>
      <Confirm label="Remove" what={props.tag.name} question={`Remove ${props.tag.name}? Tickets that have it keep it, archived.`} confirm="Yes, remove"
        busy={action.busy} onConfirm={() => action.run(async () => { await removeTag(props.projectId, props.tag.id); props.onChanged(); })} />
      <FormError error={action.error} />
    </li>
  );
}
