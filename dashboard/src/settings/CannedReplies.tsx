import { useState } from 'preact/hooks';
import { addCannedReply, changeCannedReply, deleteCannedReply, listCannedReplies, type CannedReply, type CannedReplyText } from '../api/cannedReplies';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, Section, useAction, useSubmit } from './kit';
import type { SectionProps } from './Settings';

const variables = '{{customer.name}}, {{customer.first_name}}, {{ticket.number}}, {{ticket.subject}}, {{ticket.type}}, {{agent.name}}, {{project.name}}; a fallback after |, as in {{customer.first_name|there}}';

export function CannedReplies({ projectId }: SectionProps) {
  const replies = useLoad(() => listCannedReplies(projectId), [projectId]);
  return (
    <Section title="Canned replies" intro="Reply templates the whole team inserts with one click; variables are filled in for each ticket.">
      <ErrorNote error={replies.error} />
      <details class="card">
        <summary>Add a canned reply</summary>
        <ReplyForm submitLabel="Add reply" save={(body) => addCannedReply(projectId, body)} onSaved={replies.reload} />
      </details>
      {replies.data && replies.data.items.length === 0 && <p class="muted">No canned replies yet.</p>}
      {replies.data?.items.map((r) => <ReplyCard key={r.id} projectId={projectId} reply={r} onChanged={replies.reload} />)}
      {replies.data?.next_cursor && <p class="muted">Showing the first 200 replies by title.</p>}
    </Section>
  );
}

function ReplyForm(props: { initial?: CannedReply; submitLabel: string; save: (body: CannedReplyText) => Promise<unknown>; onSaved: () => void; onCancel?: () => void }) {
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

function ReplyCard(props: { projectId: string; reply: CannedReply; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const remove = useAction();
  const { projectId, reply } = props;
  if (editing) {
    return (
      <article class="card">
        <ReplyForm initial={props.reply} submitLabel="Save reply" save={(body) => changeCannedReply(projectId, reply.id, body)}
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
          onConfirm={() => remove.run(async () => { await deleteCannedReply(projectId, reply.id); props.onChanged(); })} />
      </div>
      <FormError error={remove.error} />
    </article>
  );
}
