import { useState } from 'preact/hooks';
import { getBotLanguages, getLanguageTexts, putLanguageTexts, setDefaultBotLanguage, type LanguageTexts } from '../api/channels';
import { ErrorNote, useLoad } from '../ui';
import { Field, FormError, useAction, useSubmit } from './kit';

const labels: Record<string, string> = {
  greeting: 'Greeting (asks to describe the problem)',
  choose_type: 'Asking for the ticket type',
  ticket_created: 'Ticket created',
  invalid_link: 'Unknown link',
  status: 'Answer to /status',
  no_ticket: 'No open ticket',
  new_ticket: 'Answer to /new',
  draft_full: 'Description too long',
  daily_limit: 'Too many messages today',
  refused: 'Message refused',
  csat_question: 'Survey question',
  csat_thanks: 'Survey thanks',
  csat_comment_prompt: 'Survey: asking for a comment',
  csat_already_rated: 'Survey: already rated (button notice)',
  csat_closed: 'Survey: closed (button notice)',
  csat_comment_taken: 'Survey: comment received',
  status_new: 'Status name: new',
  status_in_progress: 'Status name: in progress',
  status_waiting: 'Status name: waiting',
  status_closed: 'Status name: closed',
};

const names: Record<string, string> = { en: 'English', ru: 'Русский' };
const languageName = (code: string) => (names[code] ? `${names[code]} (${code})` : code);

/**
 * What both bots say, per language: customers get their messenger's language when the bots speak
 * it, else the default. Each text shows the default it falls back to; an emptied text returns to it.
 */
export function BotTexts({ projectId }: { projectId: string }) {
  const languages = useLoad(() => getBotLanguages(projectId), [projectId]);
  const [language, setLanguage] = useState<string | null>(null);
  const [other, setOther] = useState('');
  const makeDefault = useAction();
  const shown = language ?? languages.data?.default_language;
  return (
    <details class="card">
      <summary>What the bots say</summary>
      <ErrorNote error={languages.error ?? makeDefault.error} />
      {languages.data && shown && (
        <>
          <div class="settings-form">
            <Field label="Language" name="language" error={null} hint={`Default: ${languageName(languages.data.default_language)}. Customers whose language has no texts get the default.`}>
              <select value={shown} onChange={(e) => setLanguage(e.currentTarget.value)}>
                {[...new Set([...languages.data.languages, shown])].map((l) => <option key={l} value={l}>{languageName(l)}</option>)}
              </select>
            </Field>
            <div class="actions">
              <input aria-label="Another language (ISO code)" placeholder="de" size={4} value={other} onInput={(e) => setOther(e.currentTarget.value)} />
              <button type="button" disabled={!/^[a-zA-Z]{2,3}$/.test(other.trim())} onClick={() => { setLanguage(other.trim().toLowerCase()); setOther(''); }}>
                Write texts in it
              </button>
              {shown !== languages.data.default_language && (
                <button type="button" disabled={makeDefault.busy}
                  onClick={() => void makeDefault.run(async () => languages.setData(await setDefaultBotLanguage(projectId, shown)))}>
                  Make {languageName(shown)} the default
                </button>
              )}
            </div>
          </div>
          <LanguageForm key={shown} projectId={projectId} language={shown} onSaved={() => void languages.reload()} />
        </>
      )}
    </details>
  );
}

function LanguageForm(props: { projectId: string; language: string; onSaved: () => void }) {
  const texts = useLoad(() => getLanguageTexts(props.projectId, props.language), [props.projectId, props.language]);
  return (
    <>
      <ErrorNote error={texts.error} />
      {texts.data && <TextsForm {...props} texts={texts.data} onSaved={(t) => { texts.setData(t); props.onSaved(); }} />}
    </>
  );
}

function TextsForm(props: { projectId: string; language: string; texts: LanguageTexts; onSaved: (t: LanguageTexts) => void }) {
  const { texts } = props;
  const [own, setOwn] = useState<Record<string, string>>({ ...texts.own });
  const [typeNames, setTypeNames] = useState<Record<string, string>>(
    Object.fromEntries(texts.ticket_types.filter((t) => t.translation).map((t) => [t.id, t.translation!])));
  const save = useSubmit(async () => {
    const filled = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v.trim() !== ''));
    const next = await putLanguageTexts(props.projectId, props.language, filled(own), filled(typeNames));
    props.onSaved(next);
  });
  const keys = Object.keys(texts.defaults);
  return (
    <form class="settings-form" onSubmit={save.submit} noValidate aria-label={`Texts in ${languageName(props.language)}`}>
      <p class="muted">
        Leave a text empty to use the default shown in it. Placeholders such as {'{project}'}, {'{number}'} and {'{status}'} are filled in.
      </p>
      {keys.map((key) => (
        <Field key={key} label={labels[key] ?? key} name={`texts.${key}`} error={save.error}
          hint={`Default: ${texts.defaults[key]}${texts.placeholders[key].length > 1 ? ` · may use ${texts.placeholders[key].map((p) => `{${p}}`).join(' ')}` : ''}`}>
          <textarea rows={2} placeholder={texts.defaults[key]} value={own[key] ?? ''} onInput={(e) => setOwn({ ...own, [key]: e.currentTarget.value })} />
        </Field>
      ))}
      {texts.ticket_types.length > 0 && <h4>Ticket types in {languageName(props.language)}</h4>}
      {texts.ticket_types.map((t) => (
        <Field key={t.id} label={`Ticket type “${t.name}”`} name={`ticket_type_names.${t.id}`} error={save.error}>
          <input placeholder={t.name} value={typeNames[t.id] ?? ''} onInput={(e) => setTypeNames({ ...typeNames, [t.id]: e.currentTarget.value })} />
        </Field>
      ))}
      <FormError error={save.error} fields={[...keys.map((k) => `texts.${k}`), ...texts.ticket_types.map((t) => `ticket_type_names.${t.id}`)]} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>Save texts</button>
        {save.saved && <span class="saved" role="status">Saved.</span>}
      </div>
    </form>
  );
}
