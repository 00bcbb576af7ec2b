import { useRef, useState } from 'preact/hooks';
import { getBalance } from '../api/billing';
import { listCannedReplies, renderCannedReply, type CannedReply } from '../api/cannedReplies';
import { ApiError } from '../api/errors';
import { sendPresence } from '../api/events';
import { addNote, newerMessagesOf, replyToTicket, replyWithFiles, type Message, type Ticket } from '../api/tickets';
import { LockIcon } from '../icons';
import { href } from '../route';
import { ErrorNote, useLoad } from '../ui';
import { addFiles, FileChips, named } from './ReplyFiles';
import './attachments.css';

type Mode = 'reply' | 'note';

/** While keys are pressed, a "typing" heartbeat at most this often (the server holds it 6 s). */
const typingBeatMs = 3000;

// The agent's reply: canned replies one click away (filled in for this ticket, still editable),
// files (picked, pasted or dropped; checked against the limits before upload), the credits
// left, and a 402 explained. The Note tab writes an internal note instead: another colour,
// another label and button, no files and no "typing…" to the customer, so nobody sends the
// team's words to the customer by mistake. Both are sent against the last message the agent saw
// (the stale reply guard): a newer one is shown for review first.
export function ReplyBox(props: { projectId: string; ticket: Ticket; lastMessageId?: string; onSent: () => Promise<void> }) {
  const { projectId, ticket } = props;
  const [mode, setMode] = useState<Mode>('reply');
  const [drafts, setDrafts] = useState<Record<Mode, string>>({ reply: '', note: '' });
  const [seenLastId, setSeenLastId] = useState<string | undefined>(undefined);
  const [newer, setNewer] = useState<Message[] | null>(null);
  const typedAt = useRef(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [refused, setRefused] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const canned = useLoad(() => listCannedReplies(projectId), [projectId]);
  const balance = useLoad(() => getBalance(projectId), [projectId]);
  const text = drafts[mode];
  const note = mode === 'note';
  const setText = (update: (current: string) => string) => setDrafts((d) => ({ ...d, [mode]: update(d[mode]) }));
  const ready = text.trim().length > 0 || (!note && files.length > 0);

  // The latest list, also between renders: a paste and a drop in one moment must both count.
  const latest = useRef<File[]>([]);
  const choose = (next: File[]) => {
    latest.current = next;
    setFiles(next);
  };
  const attach = (incoming: File[]) => {
    if (incoming.length === 0 || note) return;
    const added = addFiles(latest.current, incoming.map(named));
    choose(added.files);
    setRefused(added.refused);
  };

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
    setText(() => value);
    if (note) return;
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
    const sending = mode;
    try {
      const expected = anyway && newer ? newer[newer.length - 1]?.id : seenLastId ?? props.lastMessageId;
      if (sending === 'note') await addNote(ticket.id, text, expected);
      else if (files.length > 0) await replyWithFiles(ticket.id, text, files, expected);
      else await replyToTicket(ticket.id, text, expected);
      setDrafts((d) => ({ ...d, [sending]: '' }));
      if (sending === 'reply') {
        choose([]);
        setRefused([]);
      }
      setNewer(null);
      setSeenLastId(undefined);
      if (typedAt.current) void sendPresence(ticket.id, 'viewing').catch(() => undefined);
      typedAt.current = 0;
      await props.onSent();
    } catch (err) {
      const missed = newerMessagesOf(err);
      if (missed) setNewer(missed);
      else setError(err);
    } finally {
      setBusy(false);
      if (sending === 'reply') void balance.reload();
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

  const tab = (value: Mode, label: string) => (
    <button type="button" role="tab" id={`reply-tab-${value}`} aria-selected={mode === value} aria-controls="reply-panel"
      class={`reply-tab reply-tab-${value}`} onClick={() => { setMode(value); setError(null); }}>{label}</button>
  );

  const classes = ['reply-box', note ? 'reply-box-note' : '', dragging ? 'dragging' : ''].filter(Boolean).join(' ');
  return (
    <form class={classes} onSubmit={send} aria-label={note ? 'Internal note' : 'Reply'}
      onDragOver={(e) => { if (!note && e.dataTransfer?.types.includes('Files')) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => { if (!note && e.dataTransfer?.files.length) { e.preventDefault(); attach([...e.dataTransfer.files]); } setDragging(false); }}>
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
        <textarea id="reply-text" rows={4} maxLength={4096} value={text} onInput={(e) => write(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && ready) send(e); }}
          onPaste={(e) => { const pasted = [...(e.clipboardData?.files ?? [])]; if (!note && pasted.length > 0) { e.preventDefault(); attach(pasted); } }}
          placeholder={note ? 'A note for the team; @name or @email notifies a teammate (Ctrl+Enter adds it)' : 'Write a reply (Ctrl+Enter sends); paste or drop files to attach them'} />
        {!note && files.length > 0 && <FileChips files={files} onRemove={(index) => choose(files.filter((_, i) => i !== index))} />}
        {!note && refused.length > 0 && <ul class="error" role="alert" aria-label="Files not attached">{refused.map((r) => <li key={r}>{r}</li>)}</ul>}
        <div class="reply-actions">
          <button class="primary" type="submit" disabled={busy || !ready}>{note ? 'Add note' : busy && files.length > 0 ? 'Uploading…' : 'Send reply'}</button>
          {note
            ? <span class="muted">Never sent to the customer; costs no credit. Names with spaces: @"Anna K".</span>
            : (
              <>
                <label class="button attach-files">
                  Attach files
                  <input type="file" multiple class="visually-hidden" aria-label="Attach files"
                    onChange={(e) => { attach([...(e.currentTarget.files ?? [])]); e.currentTarget.value = ''; }} />
                </label>
                <span class="credits muted" title="Each reply costs one credit">
                  {balance.data ? `${balance.data.credits_left} credits left` : balance.error ? 'Credits unknown' : ''}
                </span>
              </>
            )}
        </div>
      </div>
      {error instanceof ApiError && error.status === 402
        ? <p class="error" role="alert">{error.message} Each reply costs one credit: the project's owner can buy more in <a href={href({ page: 'settings', projectId, section: 'billing' })}>Settings → Billing</a>; the 100 free credits come back on the 1st of each month (UTC).</p>
        : <ErrorNote error={error ?? canned.error} />}
    </form>
  );
}
