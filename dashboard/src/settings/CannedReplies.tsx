import { useState } from 'preact/hooks';
import { api, segment } from '../api';
import type { Page } from '../types';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, Section, useAction, useSubmit } from './kit';
import type { SectionProps } from './Settings';

interface CannedReply { id: string; title: string; text: string; created_at: string; updated_at: string }

const variables = '{{customer.name}}, {{customer.first_name}}, {{ticket.number}}, {{ticket.subject}}, {{ticket.type}}, {{agent.name}}, {{project.name}}; a fallback after |, as in {{customer.first_name|there}}';

export function CannedReplies({ projectId }: SectionProps) {
  const base = `/projects/${segment(projectId)}/helpdesk/canned-replies`;
  const replies = useLoad(() => api<Page<CannedReply>>('GET', `${base}?limit=200`), [projectId]);
  return (
    <Section title="Canned replies" intro="Reply templates the whole team inserts with one click; variables are filled in for each ticket.">
      <ErrorNote error={replies.error} />
      <details class="card">
        <summary>Add a canned reply</summary>
        <ReplyForm submitLabel="Add reply" save={(body) => api('POST', base, body)} onSaved={replies.reload} />
      </details>
      {replies.data && replies.data.items.length === 0 && <p class="muted">No canned replies yet.</p>}
      {replies.data?.items.map((r) => <ReplyCard base={base} reply={r} onChanged={replies.reload} />)}
      {replies.data?.next_cursor && <p class="muted">Showing the first 200 replies by title.</p>}
    </Section>
  );
}

function ReplyForm(props: { initial?: CannedReply; submitLabel: string; save: (body: { title: string; text: string }) => Promise<unknown>; onSaved: () => void; onCancel?: () => void }) {
  const [title, setTitle] = useState(props.initial?.title ?? '');
  const [text, setText] = useState(props.initial?.text ?? '');
  const save = useSubmit(async () => {
    await props.save({ title, text });
    if (!props.initial) { setTitle(''); setText(''); }
    props.onSaved();
  });
  return (
    <form class="settings-form" onSubmit={save.submit} noValidate>
      <Field label="Title" name="title" error={save.error}>
        <input value={title} maxLength={100} onInput={(e) => setTitle(e.currentTarget.value)} />
      </Field>
      <Field label="Text" name="text" error={save.error} hint={`Variables: ${variables}.`}>
        <textarea rows={4} value={text} maxLength={4096} onInput={(e) => setText(e.currentTarget.value)} />
      </Field>
      <FormError error={save.error} fields={['title', 'text']} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>{props.submitLabel}</button>
        {props.onCancel && <button type="button" onClick={props.onCancel}>Cancel</button>}
      </div>
    </form>
  );
}

function ReplyCard(props: { base: string; reply: CannedReply; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const remove = useAction();
  const url = `${props.base}/${segment(props.reply.id)}`;
  if (editing) {
    return (
      <article class="card">
        <ReplyForm initial={props.reply} submitLabel="Save reply" save={(body) => api('PATCH', url, body)}
          onSaved={() => { setEditing(false); props.onChanged(); }} onCancel={() => setEditing(false)} />
      </article>
    );
  }
  return (
    <article class="card canned">
      <h3>{props.reply.title}</h3>
      <p class="pre">{props.reply.text}</p>
      <div class="actions">
        <button type="button" aria-label={`Edit ${props.reply.title}`} onClick={() => setEditing(true)}>Edit</button>
        <Confirm label="Delete" what={props.reply.title} question={`Delete "${props.reply.title}" for the whole team?`} confirm="Yes, delete" busy={remove.busy}
          onConfirm={() => remove.run(async () => { await api('DELETE', url); props.onChanged(); })} />
      </div>
      <FormError error={remove.error} />
    </article>
  );
}
