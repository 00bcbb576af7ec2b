import { useState } from 'preact/hooks';
import { listDeliveries, retryDelivery, type DeliveryAttempt as Attempt, type WebhookDelivery as Delivery, type WebhookRef } from '../api/webhooks';
import { ErrorNote } from '../ui';
import { FormError, useAction, when } from './kit';
import { MoreButton, usePaged } from './paged';

/** One endpoint's delivery log, newest first, with every attempt and a retry for finished deliveries. */
export function Deliveries({ hook }: { hook: WebhookRef }) {
  const { projectId, webhookId } = hook;
  const [status, setStatus] = useState('');
  const page = usePaged((cursor) => listDeliveries({ projectId, webhookId }, { status: status || undefined, limit: 20, cursor: cursor ?? undefined }), [projectId, webhookId, status]);
  const items = page.items;
  return (
    <div class="deliveries">
      <div class="inline-form">
        <label>
          <span class="field-label">Show</span>
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">all deliveries</option>
            <option value="pending">pending</option>
            <option value="delivered">delivered</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <button type="button" onClick={page.reload} disabled={page.loading}>Refresh</button>
      </div>
      <ErrorNote error={page.error} />
      {page.loaded && items.length === 0 && <p class="muted">No deliveries yet.</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="delivery-log">
            <thead><tr><th>Event</th><th>Status</th><th>Attempts</th><th>Last answer</th><th>Created</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>{items.map((d) => <DeliveryRow key={d.id} hook={hook} delivery={d} onRetried={page.reload} />)}</tbody>
          </table>
        </div>
      )}
      <MoreButton label="Older deliveries" more={page.more} />
    </div>
  );
}

function DeliveryRow(props: { hook: WebhookRef; delivery: Delivery; onRetried: () => void }) {
  const d = props.delivery;
  const retry = useAction();
  const [queued, setQueued] = useState(false);
  const log = d.attempt_log ?? [];
  const last = log[log.length - 1];
  async function send() {
    if (await retry.run(() => retryDelivery(props.hook, d.id))) {
      setQueued(true);
      props.onRetried();
    }
  }
  return (
    <tr>
      <td><code>{d.event_type}</code></td>
      <td>
        <span class={`badge ${d.status === 'delivered' ? 'ok' : d.status === 'failed' ? 'bad' : ''}`}>{d.status}</span>
        {d.status === 'pending' && d.next_attempt_at && <div class="muted small">next {when(d.next_attempt_at)}</div>}
      </td>
      <td>{d.attempts}</td>
      <td>
        {last ? <AttemptSummary attempt={last} /> : <span class="muted">not sent yet</span>}
        {log.length > 1 && (
          <details>
            <summary>All {log.length} attempts</summary>
            <ol class="attempts">{log.map((a, i) => <li key={i}><AttemptSummary attempt={a} /></li>)}</ol>
          </details>
        )}
      </td>
      <td class="muted">{when(d.created_at)}</td>
      <td>
        {d.status !== 'pending' && <button type="button" onClick={send} disabled={retry.busy} aria-label={`Retry ${d.event_type} delivery`}>Retry</button>}
        {queued && <span class="saved" role="status">Queued.</span>}
        <FormError error={retry.error} />
      </td>
    </tr>
  );
}

function AttemptSummary({ attempt }: { attempt: Attempt }) {
  return (
    <span class="attempt">
      <strong>{attempt.status_code ?? 'no answer'}</strong> <span class="muted">in {attempt.duration_ms} ms, {when(attempt.at)}</span>
      {attempt.error && <span class="block">{attempt.error}</span>}
      {attempt.response_body && <code class="block response">{attempt.response_body}</code>}
    </span>
  );
}
