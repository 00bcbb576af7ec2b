import { useEffect, useState } from 'preact/hooks';
import { ApiError, sessionToken, segment } from '../api';
import { ErrorNote } from '../ui';
import { label, type Attachment } from './wire';
import './attachments.css';

// Shown inline only as these: an <img> never runs script, but SVG and anything unknown are offered as downloads anyway.
const previewable = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * A file the customer sent. It is fetched from the API with the session token (a plain link would
 * not carry it): a photo is shown in place, anything else is saved as a download.
 */
export function AttachmentFile(props: { ticketId: string; messageId: string; index: number; attachment: Attachment }) {
  const a = props.attachment;
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
      const file = await fetchFile(`/helpdesk/tickets/${segment(props.ticketId)}/messages/${segment(props.messageId)}/attachments/${segment(props.index)}`);
      if (a.kind === 'photo' && previewable.has(file.type)) setPreview(URL.createObjectURL(file));
      else save(file, a.file_name ?? label(a.kind));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const action = preview ? 'Hide' : a.kind === 'photo' ? 'Show' : 'Download';
  return (
    <div class="attachment-file">
      <button type="button" class="attachment" onClick={open} disabled={busy} aria-expanded={a.kind === 'photo' ? preview !== null : undefined}>
        📎 {label(a.kind)}: {a.file_name ?? label(a.kind)}{sizeText(a.size)} · {busy ? 'Fetching…' : action}
      </button>
      {preview && <img class="attachment-preview" src={preview} alt={`${label(a.kind)} from the customer`} />}
      <ErrorNote error={error} />
    </div>
  );
}

function sizeText(size: number | null): string {
  if (!size) return '';
  return size < 1024 * 1024 ? ` (${Math.ceil(size / 1024)} KB)` : ` (${(size / 1024 / 1024).toFixed(1)} MB)`;
}

/** The file as a Blob, or the API's problem as an ApiError (too large, bot disconnected, messenger down). */
async function fetchFile(path: string): Promise<Blob> {
  const headers: Record<string, string> = {};
  const token = sessionToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(`/v1${path}`, { headers });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.', undefined, undefined);
  }
  if (!response.ok) {
    let problem: { title?: string; detail?: string } = {};
    try {
      problem = await response.json();
    } catch {
      // Not a problem document: the status says enough.
    }
    throw new ApiError(response.status, problem.title ?? `${response.status} ${response.statusText}`, problem.detail, undefined);
  }
  return response.blob();
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
