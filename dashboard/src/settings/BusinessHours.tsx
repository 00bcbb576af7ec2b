import { useMemo, useState } from 'preact/hooks';
import { getCalendar, importIcs, setCalendar, type Calendar } from '../api/calendar';
import { ErrorNote, useLoad } from '../ui';
import { Field, FormError, Section, fieldErrors, useAction, useSubmit, when } from './kit';
import type { SectionProps } from './Settings';
import './businessHours.css';

const days = [
  ['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
  ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday'],
] as const;
type Day = (typeof days)[number][0];
type Period = [string, string];
type Week = Record<Day, Period[]>;

interface Draft { timeZone: string; week: Week; holidays: string[]; workingDays: string[]; icalUrl: string }

/** The form's copy of a calendar; a project without one starts from Monday–Friday 09:00–18:00 in the browser's zone. */
function draftOf(c: Calendar): Draft {
  const stored = c.time_zone != null;
  const week = Object.fromEntries(days.map(([d]) => {
    const periods = (c.week[d] ?? []).map((p) => [p[0] ?? '', p[1] ?? ''] as Period);
    return [d, stored ? periods : d === 'sat' || d === 'sun' ? [] : [['09:00', '18:00'] as Period]];
  })) as Week;
  return {
    timeZone: c.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    week,
    holidays: [...(c.holidays ?? [])],
    workingDays: [...(c.working_days ?? [])],
    icalUrl: c.ical_url ?? '',
  };
}

export function BusinessHours({ projectId }: SectionProps) {
  const calendar = useLoad(() => getCalendar(projectId), [projectId]);
  return (
    <Section title="Business hours"
      intro="When the team works: SLA targets that count business hours run only inside these periods, skip holidays and count extra working days.">
      <ErrorNote error={calendar.error} />
      {calendar.data && <CalendarForm projectId={projectId} calendar={calendar.data} onSaved={calendar.setData} />}
    </Section>
  );
}

function CalendarForm(props: { projectId: string; calendar: Calendar; onSaved: (c: Calendar) => void }) {
  const [draft, setDraft] = useState(() => draftOf(props.calendar));
  const zones = useZones(draft.timeZone);
  const save = useSubmit(async () => {
    const saved = await setCalendar(props.projectId, {
      time_zone: draft.timeZone,
      week: draft.week,
      holidays: draft.holidays,
      working_days: draft.workingDays,
      ical_url: draft.icalUrl.trim() || null,
    });
    props.onSaved(saved);
    setDraft(draftOf(saved));
  });
  const error = save.error;
  return (
    <>
      <form class="card settings-form" onSubmit={save.submit} noValidate>
        <h3>Time zone and week</h3>
        <Field label="Time zone" name="time_zone" error={error}>
          <select value={draft.timeZone} onChange={(e) => setDraft({ ...draft, timeZone: e.currentTarget.value })}>
            {zones.map((z) => <option key={z} value={z}>{z.replaceAll('_', ' ')}</option>)}
          </select>
        </Field>
        <WeekEditor week={draft.week} error={error} onChange={(week) => setDraft({ ...draft, week })} />
        <div class="row">
          <DateList kind="holiday" title="Holidays" dates={draft.holidays} error={fieldErrors(error, 'holidays')}
            onChange={(holidays) => setDraft({ ...draft, holidays })} />
          <DateList kind="working day" title="Extra working days" dates={draft.workingDays} error={fieldErrors(error, 'working_days')}
            onChange={(workingDays) => setDraft({ ...draft, workingDays })} />
        </div>
        <Field label="Published calendar (iCal URL)" name="ical_url" error={error}
          hint="An https address of a country's official or the team's own calendar; fetched when saved and daily after. Its dates count with yours; yours win where they differ.">
          <input type="url" value={draft.icalUrl} maxLength={2048} placeholder="https://…/holidays.ics"
            onInput={(e) => setDraft({ ...draft, icalUrl: e.currentTarget.value })} />
        </Field>
        <IcalState calendar={props.calendar} />
        <FormError error={error} fields={['time_zone', 'holidays', 'working_days', 'ical_url', ...days.map(([d]) => `week.${d}`)]} />
        <div class="actions">
          <button class="primary" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save business hours'}</button>
          {save.saved && <span class="saved" role="status">Saved.</span>}
        </div>
      </form>
      <IcsUpload projectId={props.projectId} onImported={(c) => {
        props.onSaved(c);
        setDraft({ ...draft, holidays: [...c.holidays], workingDays: [...c.working_days] });
      }} />
    </>
  );
}

/** The IANA zones the browser knows, with the stored one kept even if this browser does not list it. */
function useZones(current: string): string[] {
  return useMemo(() => {
    const known = Intl.supportedValuesOf('timeZone');
    return known.includes(current) ? known : [current, ...known];
  }, [current]);
}

function WeekEditor(props: { week: Week; error: unknown; onChange: (week: Week) => void }) {
  const change = (day: Day, periods: Period[]) => props.onChange({ ...props.week, [day]: periods });
  return (
    <div class="week">
      {days.map(([day, name]) => {
        const periods = props.week[day];
        const errors = fieldErrors(props.error, `week.${day}`);
        return (
          <fieldset key={day} class={errors.length ? 'week-day invalid' : 'week-day'}>
            <legend>{name}</legend>
            {periods.length === 0 && <span class="muted">Closed</span>}
            {periods.map(([from, to], i) => {
              const label = `${name} period ${i + 1}`;
              const set = (p: Period) => change(day, periods.map((q, j) => (j === i ? p : q)));
              return (
                <span key={i} class="period">
                  <input aria-label={`${label} from`} value={from} maxLength={5} placeholder="09:00" inputMode="numeric"
                    aria-invalid={errors.length ? true : undefined} onInput={(e) => set([e.currentTarget.value, to])} />
                  <span aria-hidden="true">–</span>
                  <input aria-label={`${label} to`} value={to} maxLength={5} placeholder="18:00" inputMode="numeric"
                    aria-invalid={errors.length ? true : undefined} onInput={(e) => set([from, e.currentTarget.value])} />
                  <button type="button" aria-label={`Remove ${label}`} onClick={() => change(day, periods.filter((_, j) => j !== i))}>×</button>
                </span>
              );
            })}
            <button type="button" aria-label={`Add a period on ${name}`} onClick={() => change(day, [...periods, ['', '']])}>+ Period</button>
            {errors.map((m) => <p key={m} class="field-error" role="alert">{m}</p>)}
          </fieldset>
        );
      })}
      <p class="muted small">Times as HH:mm in the calendar's zone; a period may end at 24:00. Several periods a day make a lunch break.</p>
    </div>
  );
}

function DateList(props: { kind: string; title: string; dates: string[]; error: string[]; onChange: (dates: string[]) => void }) {
  const [adding, setAdding] = useState('');
  function add() {
    if (adding && !props.dates.includes(adding)) props.onChange([...props.dates, adding].sort());
    setAdding('');
  }
  return (
    <fieldset class="date-list">
      <legend>{props.title}</legend>
      <ul class="plain-list">
        {props.dates.length === 0 && <li class="muted">None.</li>}
        {props.dates.map((d) => (
          <li key={d} class="list-row">
            <span class="grow">{d}</span>
            <button type="button" aria-label={`Remove ${props.kind} ${d}`} onClick={() => props.onChange(props.dates.filter((x) => x !== d))}>×</button>
          </li>
        ))}
      </ul>
      <span class="inline">
        <input type="date" aria-label={`New ${props.kind}`} value={adding} onInput={(e) => setAdding(e.currentTarget.value)} />
        <button type="button" onClick={add}>Add {props.kind}</button>
      </span>
      {props.error.map((m) => <p key={m} class="field-error" role="alert">{m}</p>)}
    </fieldset>
  );
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** What the published calendar gave at its last fetch, and its last failure if the latest refresh failed. */
function IcalState({ calendar }: { calendar: Calendar }) {
  if (!calendar.ical_url) return null;
  return (
    <div class="ical-state">
      {calendar.ical_last_fetched_at && (
        <p class="muted">
          Last fetched {when(calendar.ical_last_fetched_at)}: {count(calendar.imported_holidays.length, 'holiday')} and {count(calendar.imported_working_days.length, 'working day')} imported.
        </p>
      )}
      {calendar.ical_error && (
        <p class="error">
          The last refresh failed ({when(calendar.ical_failed_at)}): {calendar.ical_error} The dates of the last successful fetch still count.
        </p>
      )}
      {calendar.imported_holidays.length + calendar.imported_working_days.length > 0 && (
        <details>
          <summary>Imported dates</summary>
          <p class="small">Holidays: {calendar.imported_holidays.join(', ') || 'none'}</p>
          <p class="small">Working days: {calendar.imported_working_days.join(', ') || 'none'}</p>
        </details>
      )}
    </div>
  );
}

function IcsUpload(props: { projectId: string; onImported: (c: Calendar) => void }) {
  const upload = useAction();
  const [done, setDone] = useState<string | null>(null);
  async function picked(input: HTMLInputElement) {
    const file = input.files?.[0];
    if (!file) return;
    setDone(null);
    const ok = await upload.run(async () => {
      const calendar = await importIcs(props.projectId, await file.text());
      props.onImported(calendar);
      setDone(`Imported ${file.name}: the team's own lists now have ${count(calendar.holidays.length, 'holiday')} and ${count(calendar.working_days.length, 'extra working day')}.`);
    });
    if (!ok) input.value = '';
  }
  return (
    <div class="card settings-form">
      <h3>Import an .ics file</h3>
      <p class="muted">Its all-day events become holidays (or working days, when marked so) in the lists above, where you can still edit them.</p>
      <Field label="Calendar file (.ics)" name="ics" error={upload.error}>
        <input type="file" accept=".ics,text/calendar" disabled={upload.busy} onChange={(e) => void picked(e.currentTarget)} />
      </Field>
      <FormError error={upload.error} fields={['ics']} />
      {done && <p class="saved" role="status">{done}</p>}
    </div>
  );
}
