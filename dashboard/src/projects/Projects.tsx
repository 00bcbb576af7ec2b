import { useState } from 'preact/hooks';
import { createProject, myProjects } from '../api/projects';
import { href, navigate } from '../route';
import { ErrorNote, useLoad } from '../ui';

// The project switcher: every project the person is a member of, and a form to start one.
export function Projects() {
  const projects = useLoad(myProjects, []);
  return (
    <main class="page projects">
      <h1>Your projects</h1>
      <ErrorNote error={projects.error} />
      {projects.data && projects.data.items.length === 0 && <p class="muted">You are not in any project yet. Create one, or ask a project admin to add your email.</p>}
      <ul class="project-list">
        {projects.data?.items.map((p) => (
          <li key={p.id}>
            <a class="card project-link" href={href({ page: 'tickets', projectId: p.id })}>
              <strong>{p.name}</strong> <span class="muted">{p.slug}</span> <span class={`role role-${p.role}`}>{p.role}</span>
            </a>
          </li>
        ))}
      </ul>
      <CreateProject />
    </main>
  );
}

function CreateProject() {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const project = await createProject(name, slug || slugOf(name));
      navigate({ page: 'tickets', projectId: project.id });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card create-project" onSubmit={create}>
      <h2>Create a project</h2>
      <label for="project-name">Name</label>
      <input id="project-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="project-slug">Slug <span class="muted">(in the bot's deep link)</span></label>
      <input id="project-slug" value={slug} placeholder={slugOf(name)} onInput={(e) => setSlug(e.currentTarget.value)} />
      <button class="primary" type="submit" disabled={busy}>Create project</button>
      <ErrorNote error={error} />
    </form>
  );
}

function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
}
