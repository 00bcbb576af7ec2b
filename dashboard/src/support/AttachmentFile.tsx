import { useEffect, useState } from 'preact/hooks';
import { attachmentFile, type Attachment } from '../api/tickets';
import { PaperclipIcon } from '../icons';
import { ErrorNote } from '../ui';
import { label } from './ticketWords';
import './attachments.css';

// Shown inline only as these: an <img> never runs script, but SVG and anything unknown are offered as downloads anyway.
const previewable = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * A file the customer sent. It is fetched from the API with the session token (a plain link would
 * not carry it): a photo is shown in place, anything else is saved as a download. A file of an
 * agent's reply goes on its own, so one that did not reach the customer says so.
 */
export function AttachmentFile(props: { ticketId: string; messageId: string; index: number; attachment: Attachment }) {
  const a = props.attachment;
  const kind = a.kind ?? 'file';
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Object URLs hold the file in memory until revoked: when the preview goes, so does its file.
  useEffect(() => () => { if (preview) URL.revokeObjectURL(preview); }, [preview]);

  const open = async () => {
    if (preview) {
      setPreview(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const file = await attachmentFile(props.ticketId, props.messageId, props.index);
      if (kind === 'photo' && previewable.has(file.type)) setPreview(URL.createObjectURL(file));
      else save(file, a.file_name ?? label(kind));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const action = preview ? 'Hide' : kind === 'photo' ? 'Show' : 'Download';
  return (
    <div class="attachment-file">
      <button type="button" class="attachment" onClick={open} disabled={busy} aria-expanded={kind === 'photo' ? preview !== null : undefined}>
        <PaperclipIcon /> {label(kind)}: {a.file_name ?? label(kind)}{sizeText(a.size)} · {busy ? 'Fetching…' : action}
      </button>
      {a.delivery === 'failed' && (
        <span class="attachment-failed" data-file-delivery="failed">
          Not delivered{a.delivery_error ? `: ${a.delivery_error}` : ''}
        </span>
      )}
      {preview && <img class="attachment-preview" src={preview} alt={`${label(kind)} from the customer`} />}
      <ErrorNote error={error} />
    </div>
  );
}

function sizeText(size: number | null): string {
  if (!size) return '';
  return size < 1024 * 1024 ? ` (${Math.ceil(size / 1024)} KB)` : ` (${(size / 1024 / 1024).toFixed(1)} MB)`;
}

/** Saves through a temporary download link; the browser keeps its own copy, so ours is released soon after. */
function save(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
