import { useState } from 'preact/hooks';
import { addTicketType, archiveTicketType, listTicketTypes, renameTicketType, type TicketType } from '../api/ticketTypes';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, Section, useAction, useSubmit } from './kit';
import type { SectionProps } from './Settings';

export function TicketTypes({ projectId }: SectionProps) {
  const types = useLoad(() => listTicketTypes(projectId, true), [projectId]);
  const active = types.data?.items.filter((t) => !t.archived) ?? [];
  const archived = types.data?.items.filter((t) => t.archived) ?? [];
  return (
    <Section title="Ticket types" intro="Categories customers pick when they open a ticket in the bot (for example Bug, Question, Billing); agents filter by them.">
      <ErrorNote error={types.error} />
      <AddType projectId={projectId} onAdded={types.reload} />
      {types.data && (
        <ul class="plain-list card">
          {active.length === 0 && <li class="muted">No ticket types yet: tickets open without one.</li>}
          {active.map((t) => <TypeRow key={t.id} projectId={projectId} type={t} onChanged={types.reload} />)}
        </ul>
      )}
      {archived.length > 0 && (
        <p class="muted">Archived (kept on the tickets that have them): {archived.map((t) => t.name).join(', ')}</p>
      )}
    </Section>
  );
}

function AddType(props: { projectId: string; onAdded: () => void }) {
  const [name, setName] = useState('');
  const add = useSubmit(async () => {
    await addTicketType(props.projectId, name);
    setName('');
    props.onAdded();
  });
  return (
    <form class="inline-form" onSubmit={add.submit} noValidate>
      <Field label="New ticket type" name="name" error={add.error}>
        <input value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <button class="primary" disabled={add.busy}>Add type</button>
      <FormError error={add.error} fields={['name']} />
    </form>
  );
}

function TypeRow(props: { projectId: string; type: TicketType; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(props.type.name ?? '');
  const action = useAction();
  async function rename(e: Event) {
    e.preventDefault();
    if (await action.run(() => renameTicketType(props.projectId, props.type.id, name))) {
      setEditing(false);
      props.onChanged();
    }
  }
  if (editing) {
    return (
      <li>
        <form class="inline-form" onSubmit={rename} noValidate>
          <Field label={`Rename ${props.type.name}`} name="name" error={action.error}>
            <input value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} ref={(i) => i?.focus()} />
          </Field>
          <button class="primary" disabled={action.busy}>Save</button>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
          <FormError error={action.error} fields={['name']} />
        </form>
      </li>
    );
  }
  return (
    <li class="list-row">
      <span class="grow">{props.type.name}</span>
      <button type="button" onClick={() => setEditing(true)} aria-label={`Rename ${props.type.name}`}>Rename</button>
      <Confirm label="Archive" what={props.type.name} question={`Archive ${props.type.name}?`} confirm="Yes, archive" busy={action.busy}
        onConfirm={() => action.run(async () => { await archiveTicketType(props.projectId, props.type.id); props.onChanged(); })} />
      <FormError error={action.error} />
    </li>
  );
}
