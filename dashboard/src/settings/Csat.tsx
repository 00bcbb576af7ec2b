import { useState } from 'preact/hooks';
import { getCsatSettings, setCsatSettings, type CsatSettings } from '../api/csat';
import { ErrorNote, useLoad } from '../ui';
import { Field, FormError, Section, useSubmit } from './kit';
import type { SectionProps } from './Settings';

const textFields = ['question_text', 'thanks_text', 'comment_prompt_text'] as const;

export function Csat({ projectId }: SectionProps) {
  const settings = useLoad(() => getCsatSettings(projectId), [projectId]);
  return (
    <Section title="CSAT survey" intro="When a ticket closes, its customer is asked to rate the help from 1 to 5: with buttons in Telegram and Max, through the ticket.csat_requested webhook for website tickets.">
      <ErrorNote error={settings.error} />
      {settings.data && <CsatForm projectId={projectId} settings={settings.data} onSaved={settings.setData} />}
    </Section>
  );
}

function CsatForm(props: { projectId: string; settings: CsatSettings; onSaved: (s: CsatSettings) => void }) {
  const [enabled, setEnabled] = useState(props.settings.enabled ?? false);
  const [texts, setTexts] = useState({
    question_text: props.settings.question_text ?? '',
    thanks_text: props.settings.thanks_text ?? '',
    comment_prompt_text: props.settings.comment_prompt_text ?? '',
  });
  const save = useSubmit(async () => props.onSaved(await setCsatSettings(props.projectId, {
    enabled,
    question_text: texts.question_text,
    thanks_text: texts.thanks_text,
    // Empty: no comment is asked for.
    comment_prompt_text: texts.comment_prompt_text.trim() === '' ? null : texts.comment_prompt_text,
  })));
  const text = (field: (typeof textFields)[number]) => (
    <textarea rows={2} maxLength={1000} value={texts[field]} onInput={(e) => setTexts({ ...texts, [field]: e.currentTarget.value })} />
  );
  return (
    <form class="card settings-form" onSubmit={save.submit} noValidate>
      <label class="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Ask customers to rate closed tickets
      </label>
      <Field label="Question" name="question_text" error={save.error}>{text('question_text')}</Field>
      <Field label="Thanks after a rating" name="thanks_text" error={save.error}>{text('thanks_text')}</Field>
      <Field label="Ask for a comment (empty: don't ask)" name="comment_prompt_text" error={save.error}
        hint="Sent after the thanks; the customer's next message within an hour is kept as the comment.">{text('comment_prompt_text')}</Field>
      <FormError error={save.error} fields={['enabled', ...textFields]} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>Save survey</button>
        {save.saved && <span class="saved" role="status">Saved.</span>}
      </div>
    </form>
  );
}
