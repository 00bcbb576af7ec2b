import { useState } from 'preact/hooks';
import { ApiError } from '../api/errors';
import { getAssignment, setAssignment, type AssignmentMode, type AssignmentSettings } from '../api/assignment';
import { ErrorNote, useLoad } from '../ui';
import { Field, FormError, Section, useSubmit } from './kit';
import type { SectionProps } from './Settings';

const modes: Record<AssignmentMode, string> = {
  off: 'Off: tickets wait for someone to take them',
  round_robin: 'Round-robin: the available agent assigned longest ago',
  least_open: 'Least open: the available agent with the fewest open tickets',
};

/** A whole number as typed: empty is null (no limit); anything else must be a whole number. */
function wholeOf(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

export function Assignment({ projectId }: SectionProps) {
  const settings = useLoad(() => getAssignment(projectId), [projectId]);
  return (
    <Section title="Auto-assignment"
      intro="New and waiting tickets go to agents (support, admins, the owner) who are available. Each agent switches available/away in the header.">
      <ErrorNote error={settings.error} />
      {settings.data && <AssignmentForm projectId={projectId} settings={settings.data} onSaved={settings.setData} />}
    </Section>
  );
}

function AssignmentForm(props: { projectId: string; settings: AssignmentSettings; onSaved: (s: AssignmentSettings) => void }) {
  const [mode, setMode] = useState<AssignmentMode>(props.settings.mode);
  const [cap, setCap] = useState(props.settings.max_open_per_agent?.toString() ?? '');
  const [away, setAway] = useState(props.settings.away_after_minutes?.toString() ?? '');
  const save = useSubmit(async () => {
    const maxOpen = wholeOf(cap);
    const awayAfter = wholeOf(away);
    const errors: Record<string, string[]> = {};
    if (maxOpen === undefined) errors.max_open_per_agent = ['Enter a whole number of tickets, or leave it empty for no cap.'];
    if (awayAfter === undefined) errors.away_after_minutes = ['Enter a whole number of minutes, or leave it empty.'];
    if (maxOpen === undefined || awayAfter === undefined) throw new ApiError(400, 'Some fields are invalid.', undefined, errors);
    props.onSaved(await setAssignment(props.projectId, { mode, max_open_per_agent: maxOpen, away_after_minutes: awayAfter }));
  });
  return (
    <form class="card settings-form" onSubmit={save.submit} noValidate>
      <Field label="Mode" name="mode" error={save.error}>
        <select value={mode} onChange={(e) => setMode(e.currentTarget.value as AssignmentMode)}>
          {(Object.keys(modes) as AssignmentMode[]).map((m) => <option key={m} value={m}>{modes[m]}</option>)}
        </select>
      </Field>
      <div class="row">
        <Field label="Open tickets per agent at most" name="max_open_per_agent" error={save.error}
          hint="Empty: no cap. Past it an agent gets no more tickets automatically; tickets wait and go out, oldest first, as agents close theirs. Assigning by hand is never capped.">
          <input inputMode="numeric" value={cap} placeholder="no cap" onInput={(e) => setCap(e.currentTarget.value)} />
        </Field>
        <Field label="Away after minutes without activity" name="away_after_minutes" error={save.error}
          hint="Empty: only an agent's own switch makes them away.">
          <input inputMode="numeric" value={away} placeholder="never" onInput={(e) => setAway(e.currentTarget.value)} />
        </Field>
      </div>
      <FormError error={save.error} fields={['mode', 'max_open_per_agent', 'away_after_minutes']} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>Save auto-assignment</button>
        {save.saved && <span class="saved" role="status">Saved.</span>}
      </div>
    </form>
  );
}
