import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { addWebhook, changeWebhook, deleteWebhook, listWebhooks, rotateSecret, type Webhook, type WebhookRef, type WebhookSecret } from '../api/webhooks';
import { ErrorNote, useLoad } from '../ui';
import { Deliveries } from './Deliveries';
import { Confirm, Field, FormError, SecretOnce, Section, useAction, when } from './kit';
import type { SectionProps } from './Settings';

const ticketEvents = ['ticket.created', 'ticket.replied', 'ticket.customer_replied', 'ticket.status_changed', 'ticket.assigned', 'ticket.priority_changed', 'ticket.sla_breached'];
const billingEvents = ['billing.low_credits', 'billing.credits_exhausted'];

export function Webhooks({ projectId }: SectionProps) {
  const hooks = useLoad(() => listWebhooks(projectId), [projectId]);
  const [secret, setSecret] = useState<WebhookSecret | null>(null);
  const shown = (s: WebhookSecret) => { setSecret(s); hooks.reload(); };
  return (
    <Section title="Webhooks" intro="Ticket events are POSTed to your server, signed (Standard Webhooks), retried for about a day and a half, and every attempt is logged.">
      <ErrorNote error={hooks.error} />
      {secret && <SecretOnce title={`Signing secret of ${secret.url}`} value={secret.secret ?? ''} onDone={() => setSecret(null)} />}
      <details class="card" open={hooks.data?.items.length === 0}>
        <summary>Add an endpoint</summary>
        <CreateWebhook projectId={projectId} onCreated={shown} />
      </details>
      {hooks.data?.items.map((w) => <WebhookCard key={w.id} projectId={projectId} hook={w} onChanged={hooks.reload} onSecret={shown} />)}
    </Section>
  );
}

/** The event choice of an endpoint: all ticket events (`ticket.*`) or some, plus any billing events. */
function useEvents(initial: string[] = ['ticket.*']) {
  const [all, setAll] = useState(initial.includes('ticket.*'));
  const [events, setEvents] = useState(initial.filter((e) => e !== 'ticket.*'));
  const toggle = (event: string) => setEvents(events.includes(event) ? events.filter((e) => e !== event) : [...events, event]);
  const chosen = () => (all ? ['ticket.*', ...events.filter((e) => e.startsWith('billing.'))] : events);
  const check = (event: string) => (
    <label key={event} class="check"><input type="checkbox" checked={events.includes(event)} onChange={() => toggle(event)} /> <code>{event}</code></label>
  );
  const picker = (
    <fieldset>
      <legend>Events</legend>
      <label class="check"><input type="checkbox" checked={all} onChange={() => setAll(!all)} /> All ticket events (<code>ticket.*</code>)</label>
      {!all && ticketEvents.map(check)}
      {billingEvents.map(check)}
    </fieldset>
  );
  return { chosen, picker };
}

/** The form of an endpoint (new or edited): its URL, with the API's message under it, and its events. */
function WebhookForm(props: { url: string; events?: string[]; submitLabel: string; save: (url: string, events: string[]) => Promise<unknown>; children?: ComponentChildren }) {
  const [url, setUrl] = useState(props.url);
  const events = useEvents(props.events);
  const save = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    await save.run(() => props.save(url.trim(), events.chosen()));
  }
  return (
    <form class="settings-form" onSubmit={submit} noValidate>
      <Field label="Endpoint URL" name="url" error={save.error}>
        <input type="url" placeholder="https://example.com/zapnoty" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </Field>
      {events.picker}
      <FormError error={save.error} fields={['url']} />
      <div class="actions">
        <button class="primary" disabled={save.busy}>{props.submitLabel}</button>
        {props.children}
      </div>
    </form>
  );
}

function CreateWebhook(props: { projectId: string; onCreated: (s: WebhookSecret) => void }) {
  // A new key after each endpoint added empties the form.
  const [added, setAdded] = useState(0);
  return (
    <WebhookForm key={added} url="" submitLabel="Add endpoint" save={async (url, events) => {
      props.onCreated(await addWebhook(props.projectId, url, events));
      setAdded(added + 1);
    }} />
  );
}

function WebhookCard(props: { projectId: string; hook: Webhook; onChanged: () => void; onSecret: (s: WebhookSecret) => void }) {
  const { hook } = props;
  const [log, setLog] = useState(false);
  const [editing, setEditing] = useState(false);
  const action = useAction();
  const ref: WebhookRef = { projectId: props.projectId, webhookId: hook.id };
  const act = (run: () => Promise<unknown>) => action.run(async () => { await run(); props.onChanged(); });
  return (
    <article class="card webhook">
      <div class="list-row">
        <code class="grow break">{hook.url}</code>
        <span class={hook.enabled ? 'badge ok' : 'badge bad'}>{hook.enabled ? 'enabled' : 'disabled'}</span>
      </div>
      <p class="muted">
        Events: {hook.events?.join(', ')} · added {when(hook.created_at)}
        {hook.previous_secret_valid_until && <> · the previous secret still signs until {when(hook.previous_secret_valid_until)}</>}
      </p>
      {!hook.enabled && hook.disabled_reason && <p class="muted">Disabled: {hook.disabled_reason}</p>}
      {editing && (
        <WebhookForm url={hook.url ?? ''} events={hook.events ?? undefined} submitLabel="Save endpoint"
          save={async (newUrl, events) => { await changeWebhook(ref, { url: newUrl, events }); setEditing(false); props.onChanged(); }}>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        </WebhookForm>
      )}
      <div class="actions">
        {!editing && <button type="button" aria-label={`Edit ${hook.url}`} onClick={() => setEditing(true)}>Edit</button>}
        <button type="button" aria-expanded={log} onClick={() => setLog(!log)}>{log ? 'Hide deliveries' : 'Deliveries'}</button>
        <button type="button" disabled={action.busy} onClick={() => act(() => changeWebhook(ref, { enabled: !hook.enabled }))}>{hook.enabled ? 'Disable' : 'Enable'}</button>
        <Confirm label="Rotate secret" what={hook.url} question="Make a new secret? The old one keeps signing for 24 hours." confirm="Yes, rotate" busy={action.busy}
          onConfirm={() => act(async () => props.onSecret(await rotateSecret(ref)))} />
        <Confirm label="Delete" what={hook.url} question="Delete this endpoint? Its pending deliveries fail." confirm="Yes, delete" busy={action.busy}
          onConfirm={() => act(() => deleteWebhook(ref))} />
      </div>
      <FormError error={action.error} />
      {log && <Deliveries hook={ref} />}
    </article>
  );
}
