import { useRef, useState } from 'preact/hooks';
import { getBalance } from '../api/billing';
import { listCannedReplies, renderCannedReply, type CannedReply } from '../api/cannedReplies';
import { ApiError } from '../api/errors';
import { sendPresence } from '../api/events';
import { newerMessagesOf, replyToTicket, type Message, type Ticket } from '../api/tickets';
import { href } from '../route';
import { ErrorNote, useLoad } from '../ui';

// The agent's reply: canned replies one click away (filled in for this ticket, still editable),
// the credits left, and a 402 explained.
/** While keys are pressed, a "typing" heartbeat at most this often (the server holds it 6 s). */
const typingBeatMs = 3000;

export function ReplyBox(props: { projectId: string; ticket: Ticket; lastMessageId?: string; onSent: () => Promise<void> }) {
  const { projectId, ticket } = props;
  const [text, setText] = useState('');
  // The latest message when the agent started writing: a reply is sent against it (the stale reply guard).
  const [seenLastId, setSeenLastId] = useState<string | undefined>(undefined);
  const [newer, setNewer] = useState<Message[] | null>(null);
  const typedAt = useRef(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const canned = useLoad(() => listCannedReplies(projectId), [projectId]);
  const balance = useLoad(() => getBalance(projectId), [projectId]);

  const insert = async (reply: CannedReply) => {
    setError(null);
    try {
      const rendered = await renderCannedReply(ticket.id, reply.id);
      setText((current) => (current.trim() ? `${current.trimEnd()}\n\n${rendered.text}` : rendered.text));
      document.getElementById('reply-text')?.focus();
    } catch (e) {
      setError(e);
    }
  };

  const write = (value: string) => {
    if (!text.trim() && value.trim()) setSeenLastId(props.lastMessageId);
    setText(value);
    const now = Date.now();
    if (value.trim() && now - typedAt.current > typingBeatMs) {
      typedAt.current = now;
      void sendPresence(ticket.id, 'typing').catch(() => undefined);
    } else if (!value.trim() && typedAt.current) {
      typedAt.current = 0;
      void sendPresence(ticket.id, 'viewing').catch(() => undefined);
    }
  };

  /** Sends against what the agent saw; `anyway` sends against the newer messages just shown. */
  const submit = async (anyway = false) => {
    setBusy(true);
    setError(null);
    try {
      const expected = anyway && newer ? newer[newer.length - 1]?.id : seenLastId ?? props.lastMessageId;
      await replyToTicket(ticket.id, text, expected);
      setText('');
      setNewer(null);
      setSeenLastId(undefined);
      typedAt.current = 0;
      void sendPresence(ticket.id, 'viewing').catch(() => undefined);
      await props.onSent();
    } catch (err) {
      const missed = newerMessagesOf(err);
      if (missed) setNewer(missed);
      else setError(err);
    } finally {
      setBusy(false);
      void balance.reload();
    }
  };

  const send = (e: Event) => {
    e.preventDefault();
    void submit();
  };

  // Reviewed: the newer messages are in the conversation now; the next send is against them.
  const review = () => {
    setSeenLastId(newer?.[newer.length - 1]?.id ?? props.lastMessageId);
    setNewer(null);
    document.getElementById('reply-text')?.focus();
  };

  return (
    <form class="reply-box" onSubmit={send} aria-label="Reply">
      {newer && (
        <div class="stale-reply" role="alert">
          <p><strong>{newer.length === 1 ? 'A new message arrived' : `${newer.length} new messages arrived`} while you were writing.</strong> Review before sending:</p>
          <ul>
            {newer.map((m) => <li key={m.id} class={`newer newer-${m.author}`}><span class="muted">{m.author === 'customer' ? 'Customer' : 'Agent'}:</span> {m.text}</li>)}
          </ul>
          <button type="button" onClick={review}>Review first</button>
          <button type="button" class="primary" disabled={busy} onClick={() => void submit(true)}>Send anyway</button>
        </div>
      )}
      {canned.data && canned.data.items.length > 0 && (
        <div class="canned" role="group" aria-label="Canned replies">
          <span class="muted">Canned replies:</span>
          {canned.data.items.map((r) => <button type="button" key={r.id} class="chip" title={r.text ?? undefined} onClick={() => void insert(r)}>{r.title}</button>)}
        </div>
      )}
      <label for="reply-text">Reply to the customer</label>
      <textarea id="reply-text" rows={4} maxLength={4096} value={text} onInput={(e) => write(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && text.trim()) send(e); }}
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
