import { useRef, useState } from 'preact/hooks';
import { getBalance } from '../api/billing';
import { listCannedReplies, renderCannedReply, type CannedReply } from '../api/cannedReplies';
import { ApiError } from '../api/errors';
import { replyToTicket, replyWithFiles, type Ticket } from '../api/tickets';
import { href } from '../route';
import { ErrorNote, useLoad } from '../ui';
import { addFiles, FileChips, named } from './ReplyFiles';
import './attachments.css';

// The agent's reply: canned replies one click away (filled in for this ticket, still editable),
// files (picked, pasted or dropped; checked against the limits before upload), the credits
// left, and a 402 explained.
export function ReplyBox(props: { projectId: string; ticket: Ticket; onSent: () => Promise<void> }) {
  const { projectId, ticket } = props;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [refused, setRefused] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const ready = text.trim().length > 0 || files.length > 0;

  // The latest list, also between renders: a paste and a drop in one moment must both count.
  const latest = useRef<File[]>([]);
  const choose = (next: File[]) => {
    latest.current = next;
    setFiles(next);
  };
  const attach = (incoming: File[]) => {
    if (incoming.length === 0) return;
    const added = addFiles(latest.current, incoming.map(named));
    choose(added.files);
    setRefused(added.refused);
  };
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

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (files.length > 0) await replyWithFiles(ticket.id, text, files);
      else await replyToTicket(ticket.id, text);
      setText('');
      choose([]);
      setRefused([]);
      await props.onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      void balance.reload();
    }
  };

  return (
    <form class={dragging ? 'reply-box dragging' : 'reply-box'} onSubmit={send} aria-label="Reply"
      onDragOver={(e) => { if (e.dataTransfer?.types.includes('Files')) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => { if (e.dataTransfer?.files.length) { e.preventDefault(); attach([...e.dataTransfer.files]); } setDragging(false); }}>
      {canned.data && canned.data.items.length > 0 && (
        <div class="canned" role="group" aria-label="Canned replies">
          <span class="muted">Canned replies:</span>
          {canned.data.items.map((r) => <button type="button" key={r.id} class="chip" title={r.text ?? undefined} onClick={() => void insert(r)}>{r.title}</button>)}
        </div>
      )}
      <label for="reply-text">Reply to the customer</label>
      <textarea id="reply-text" rows={4} maxLength={4096} value={text} onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && ready) void send(e); }}
        onPaste={(e) => { const pasted = [...(e.clipboardData?.files ?? [])]; if (pasted.length > 0) { e.preventDefault(); attach(pasted); } }}
        placeholder="Write a reply (Ctrl+Enter sends); paste or drop files to attach them" />
      {files.length > 0 && <FileChips files={files} onRemove={(index) => choose(files.filter((_, i) => i !== index))} />}
      {refused.length > 0 && <ul class="error" role="alert" aria-label="Files not attached">{refused.map((r) => <li key={r}>{r}</li>)}</ul>}
      <div class="reply-actions">
        <button class="primary" type="submit" disabled={busy || !ready}>{busy && files.length > 0 ? 'Uploading…' : 'Send reply'}</button>
        <label class="button attach-files">
          Attach files
          <input type="file" multiple class="visually-hidden" aria-label="Attach files"
            onChange={(e) => { attach([...(e.currentTarget.files ?? [])]); e.currentTarget.value = ''; }} />
        </label>
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
