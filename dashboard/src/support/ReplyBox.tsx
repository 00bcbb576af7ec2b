import { useState } from 'preact/hooks';
import { getBalance } from '../api/billing';
import { listCannedReplies, renderCannedReply, type CannedReply } from '../api/cannedReplies';
import { ApiError } from '../api/errors';
import { replyToTicket, type Ticket } from '../api/tickets';
import { href } from '../route';
import { ErrorNote, useLoad } from '../ui';

// The agent's reply: canned replies one click away (filled in for this ticket, still editable),
// the credits left, and a 402 explained.
export function ReplyBox(props: { projectId: string; ticket: Ticket; onSent: () => Promise<void> }) {
  const { projectId, ticket } = props;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const canned = useLoad(() => listCannedReplies(projectId), [projectId]);
  const balance = useLoad(() => getBalance(projectId), [projectId]);

  const insert = async (reply: CannedReply) => {
    setError(null);
    try {
      const rendered = await renderCannedReply(ticket.id, reply.id);
      setText((current) => (current.trim() ? `${current.trimEnd()}\n\n${rendered.text ?? ''}` : rendered.text ?? ''));
      document.getElementById('reply-text')?.focus();
    } catch (e) {
      setError(e);
    }
  };

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await replyToTicket(ticket.id, text);
      setText('');
      await props.onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      void balance.reload();
    }
  };

  return (
    <form class="reply-box" onSubmit={send} aria-label="Reply">
      {canned.data && canned.data.items.length > 0 && (
        <div class="canned" role="group" aria-label="Canned replies">
          <span class="muted">Canned replies:</span>
          {canned.data.items.map((r) => <button type="button" key={r.id} class="chip" title={r.text ?? undefined} onClick={() => void insert(r)}>{r.title}</button>)}
        </div>
      )}
      <label for="reply-text">Reply to the customer</label>
      <textarea id="reply-text" rows={4} maxLength={4096} value={text} onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && text.trim()) void send(e); }}
        placeholder="Write a reply (Ctrl+Enter sends)" />
      <div class="reply-actions">
        <button class="primary" type="submit" disabled={busy || !text.trim()}>Send reply</button>
        <span class="credits muted" title="Each reply costs one credit">
          {balance.data ? `${balance.data.credits_left} credits left` : balance.error ? 'Credits unknown' : ''}
        </span>
      </div>
      {error instanceof ApiError && error.status === 402
        ? <p class="error" role="alert">{error.message} Each reply costs one credit: the project's owner can buy more in <a href={href({ page: 'settings', projectId, section: 'billing' })}>Settings → Billing</a>; the 100 free credits come back on the 1st of each month (UTC).</p>
        : <ErrorNote error={error ?? canned.error} />}
    </form>
  );
}
