import { useState } from 'preact/hooks';
import { getBalance } from '../api/billing';
import { listCannedReplies, renderCannedReply, type CannedReply } from '../api/cannedReplies';
import { ApiError } from '../api/errors';
import { addNote, replyToTicket, type Ticket } from '../api/tickets';
import { LockIcon } from '../icons';
import { href } from '../route';
import { ErrorNote, useLoad } from '../ui';

type Mode = 'reply' | 'note';

// The agent's reply: canned replies one click away (filled in for this ticket, still editable),
// the credits left, and a 402 explained. The Note tab writes an internal note instead: another
// colour, another label and button, so nobody sends the team's words to the customer by mistake.
export function ReplyBox(props: { projectId: string; ticket: Ticket; onSent: () => Promise<void> }) {
  const { projectId, ticket } = props;
  const [mode, setMode] = useState<Mode>('reply');
  const [drafts, setDrafts] = useState<Record<Mode, string>>({ reply: '', note: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const canned = useLoad(() => listCannedReplies(projectId), [projectId]);
  const balance = useLoad(() => getBalance(projectId), [projectId]);
  const text = drafts[mode];
  const note = mode === 'note';
  const setText = (update: (current: string) => string) => setDrafts((d) => ({ ...d, [mode]: update(d[mode]) }));

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

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const sending = mode;
    try {
      await (sending === 'note' ? addNote(ticket.id, text) : replyToTicket(ticket.id, text));
      setDrafts((d) => ({ ...d, [sending]: '' }));
      await props.onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      if (sending === 'reply') void balance.reload();
    }
  };

  const tab = (value: Mode, label: string) => (
    <button type="button" role="tab" id={`reply-tab-${value}`} aria-selected={mode === value} aria-controls="reply-panel"
      class={`reply-tab reply-tab-${value}`} onClick={() => { setMode(value); setError(null); }}>{label}</button>
  );

  return (
    <form class={`reply-box ${note ? 'reply-box-note' : ''}`} onSubmit={send} aria-label={note ? 'Internal note' : 'Reply'}>
      <div class="reply-tabs" role="tablist" aria-label="Write">
        {tab('reply', 'Reply')}
        {tab('note', 'Note')}
      </div>
      <div id="reply-panel" role="tabpanel" aria-labelledby={`reply-tab-${mode}`} class="reply-panel">
        {!note && canned.data && canned.data.items.length > 0 && (
          <div class="canned" role="group" aria-label="Canned replies">
            <span class="muted">Canned replies:</span>
            {canned.data.items.map((r) => <button type="button" key={r.id} class="chip" title={r.text ?? undefined} onClick={() => void insert(r)}>{r.title}</button>)}
          </div>
        )}
        {note
          ? <label for="reply-text" class="note-label"><LockIcon /> Internal note · Only your team sees this</label>
          : <label for="reply-text">Reply to the customer</label>}
        <textarea id="reply-text" rows={4} maxLength={4096} value={text} onInput={(e) => { const value = e.currentTarget.value; setText(() => value); }}
          onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && text.trim()) void send(e); }}
          placeholder={note ? 'A note for the team; @name or @email notifies a teammate (Ctrl+Enter adds it)' : 'Write a reply (Ctrl+Enter sends)'} />
        <div class="reply-actions">
          <button class="primary" type="submit" disabled={busy || !text.trim()}>{note ? 'Add note' : 'Send reply'}</button>
          {note
            ? <span class="muted">Never sent to the customer; costs no credit. Names with spaces: @"Anna K".</span>
            : (
              <span class="credits muted" title="Each reply costs one credit">
                {balance.data ? `${balance.data.credits_left} credits left` : balance.error ? 'Credits unknown' : ''}
              </span>
            )}
        </div>
      </div>
      {error instanceof ApiError && error.status === 402
        ? <p class="error" role="alert">{error.message} Each reply costs one credit: the project's owner can buy more in <a href={href({ page: 'settings', projectId, section: 'billing' })}>Settings → Billing</a>; the 100 free credits come back on the 1st of each month (UTC).</p>
        : <ErrorNote error={error ?? canned.error} />}
    </form>
  );
}
