import { useState } from 'preact/hooks';
import { changeBotTexts, getBotTexts, type BotTexts as Texts } from '../api/channels';
import { ErrorNote, useLoad } from '../ui';
import { Field, FormError, useSubmit } from './kit';

const labels: Record<string, string> = {
  greeting: 'Greeting (asks to describe the problem)',
  choose_type: 'Asking for the ticket type',
  ticket_created: 'Ticket created',
  invalid_link: 'Unknown link',
  status: 'Answer to /status',
  no_ticket: 'No open ticket',
  new_ticket: 'Answer to /new',
};

/** What both bots say; `{project}`, `{number}` and `{status}` are filled in, an emptied text returns to its default. */
export function BotTexts({ projectId }: { projectId: string }) {
  const texts = useLoad(() => getBotTexts(projectId), [projectId]);
  return (
    <details class="card">
      <summary>What the bots say</summary>
      <ErrorNote error={texts.error} />
      {texts.data && <TextsForm projectId={projectId} texts={texts.data} onSaved={texts.setData} />}
    </details>
  );
}

function TextsForm(props: { projectId: string; texts: Texts; onSaved: (t: Texts) => void }) {
  const [draft, setDraft] = useState(props.texts);
  const save = useSubmit(async () => {
    const changed = Object.fromEntries(Object.keys(draft).filter((k) => draft[k] !== props.texts[k]).map((k) => [k, draft[k].trim() || null]));
    if (Object.keys(changed).length === 0) return;
    const next = await changeBotTexts(props.projectId, changed);
    props.onSaved(next);
    setDraft(next);
  });
  return (
    <form class="settings-form" onSubmit={save.submit} noValidate>
      <p class="muted">{'{project}'}, {'{number}'} and {'{status}'} are filled in. Empty a text to return it to the default.</p>
      {Object.keys(draft).map((key) => (
        <Field key={key} label={labels[key] ?? key} name={key} error={save.error}>
          <textarea rows={2} value={draft[key]} onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })} />
        </Field>
      ))}
      <FormError error={save.error} fields={Object.keys(draft)} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>Save texts</button>
        {save.saved && <span class="saved" role="status">Saved.</span>}
      </div>
    </form>
  );
}
