import { useState } from 'preact/hooks';
import { ApiError } from '../api/errors';
import { changeHelpdeskSettings, getHelpdeskSettings, type HelpdeskSettings, type SettingsChange } from '../api/helpdeskSettings';
import { deleteProject, getProject, renameProject, type Project } from '../api/projects';
import { navigate } from '../route';
import { ErrorNote, useLoad } from '../ui';
import { Confirm, Field, FormError, Section, useAction, useSubmit } from './kit';
import type { SectionProps } from './Settings';

const slaFields = ['sla_first_reply_hours', 'sla_resolve_hours'] as const;

/** Hours as typed: empty switches the target off; anything else must be a number. */
function hoursOf(text: string): number | null | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return null;
  const hours = Number(trimmed);
  return Number.isFinite(hours) ? hours : undefined;
}

export function General({ projectId, role }: SectionProps) {
  const project = useLoad(() => getProject(projectId), [projectId]);
  const settings = useLoad(() => getHelpdeskSettings(projectId), [projectId]);
  return (
    <Section title="General & SLA" intro="The project's name and its service-level targets.">
      <ErrorNote error={project.error ?? settings.error} />
      {project.data && <ProjectName project={project.data} onSaved={project.setData} />}
      {settings.data && <SlaForm projectId={projectId} settings={settings.data} onSaved={settings.setData} />}
      {role === 'owner' && project.data && <DeleteProject project={project.data} />}
    </Section>
  );
}

function ProjectName(props: { project: Project; onSaved: (p: Project) => void }) {
  const [name, setName] = useState(props.project.name ?? '');
  const save = useSubmit(async () => props.onSaved(await renameProject(props.project.id, name)));
  return (
    <form class="card settings-form" onSubmit={save.submit} noValidate>
      <h3>Project</h3>
      <Field label="Name" name="name" error={save.error}>
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={100} />
      </Field>
      <p class="muted">Slug: <code>{props.project.slug}</code> (in the bots' deep links; it cannot change).</p>
      <FormError error={save.error} fields={['name']} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>Save name</button>
        {save.saved && <span class="saved" role="status">Saved.</span>}
      </div>
    </form>
  );
}

function SlaForm(props: { projectId: string; settings: HelpdeskSettings; onSaved: (s: HelpdeskSettings) => void }) {
  const [hours, setHours] = useState({
    sla_first_reply_hours: props.settings.sla_first_reply_hours?.toString() ?? '',
    sla_resolve_hours: props.settings.sla_resolve_hours?.toString() ?? '',
  });
  const save = useSubmit(async () => {
    const body: SettingsChange = {};
    const errors: Record<string, string[]> = {};
    for (const field of slaFields) {
      const value = hoursOf(hours[field]);
      if (value === undefined) errors[field] = ['Enter a number of hours (for example 4 or 1.5), or leave it empty to switch this target off.'];
      else body[field] = value;
    }
    if (Object.keys(errors).length) throw new ApiError(400, 'Some fields are invalid.', undefined, errors);
    props.onSaved(await changeHelpdeskSettings(props.projectId, body));
  });

  const input = (field: (typeof slaFields)[number]) => (
    <input inputMode="decimal" value={hours[field]} placeholder="off"
      onInput={(e) => setHours({ ...hours, [field]: e.currentTarget.value })} />
  );
  return (
    <form class="card settings-form" onSubmit={save.submit} noValidate>
      <h3>SLA targets</h3>
      <p class="muted">Tickets past a target are shown in red and fire a <code>ticket.sla_breached</code> webhook. Leave a field empty to switch that target off.</p>
      <div class="row">
        <Field label="First reply within (hours)" name="sla_first_reply_hours" error={save.error}>{input('sla_first_reply_hours')}</Field>
        <Field label="Resolve within (hours)" name="sla_resolve_hours" error={save.error}>{input('sla_resolve_hours')}</Field>
      </div>
      <FormError error={save.error} fields={[...slaFields]} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>Save SLA targets</button>
        {save.saved && <span class="saved" role="status">Saved.</span>}
      </div>
    </form>
  );
}

function DeleteProject({ project }: { project: Project }) {
  const remove = useAction();
  return (
    <div class="card danger-zone">
      <h3>Delete project</h3>
      <p class="muted">Its tickets, settings and team stop answering, its API keys are revoked and its bots stop. The slug stays reserved.</p>
      <FormError error={remove.error} />
      <Confirm label="Delete project" question={`Delete ${project.name} for everyone?`} confirm="Yes, delete it" busy={remove.busy}
        onConfirm={() => remove.run(async () => {
          await deleteProject(project.id);
          navigate({ page: 'projects' });
        })} />
    </div>
  );
}
