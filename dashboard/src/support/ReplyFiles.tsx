import { useEffect, useState } from 'preact/hooks';
import { FileIcon } from '../icons';

// What the server takes (Telegram's Bot API limits): checked here first, so a file that
// could never go is refused before anything is uploaded.
export const maxFiles = 10;
export const maxFileBytes = 50 * 1024 * 1024;
export const maxReplyBytes = 100 * 1024 * 1024;

/** Adds the files that fit to `current`; says why the others were left out. */
export function addFiles(current: File[], incoming: File[]): { files: File[]; refused: string[] } {
  const files = [...current];
  const refused: string[] = [];
  let total = files.reduce((sum, f) => sum + f.size, 0);
  for (const file of incoming) {
    if (file.size === 0) refused.push(`${file.name} is empty.`);
    else if (file.size > maxFileBytes) refused.push(`${file.name} is ${megabytes(file.size)} MB; a messenger bot sends files of up to 50 MB.`);
    else if (files.length >= maxFiles) refused.push(`${file.name}: a reply takes at most ${maxFiles} files.`);
    else if (total + file.size > maxReplyBytes) refused.push(`${file.name}: one reply takes at most 100 MB of files in all.`);
    else {
      files.push(file);
      total += file.size;
    }
  }
  return { files, refused };
}

/** A pasted screenshot has no useful name ("image.png"): give it one that says when it was taken. */
export function named(file: File): File {
  if (file.name && file.name !== 'image.png') return file;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new File([file], `screenshot-${stamp}.${file.type.split('/')[1] ?? 'png'}`, { type: file.type });
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** The files chosen for the reply: a thumbnail for an image, name and size, and a remove button. */
export function FileChips(props: { files: File[]; onRemove: (index: number) => void }) {
  return (
    <ul class="reply-files" aria-label="Files to send">
      {props.files.map((file, index) => (
        <li key={`${index}:${file.name}:${file.size}`} class="reply-file">
          <Thumbnail file={file} />
          <span class="reply-file-name">{file.name}</span>
          <span class="muted">{file.size < 1024 * 1024 ? `${Math.ceil(file.size / 1024)} KB` : `${megabytes(file.size)} MB`}</span>
          <button type="button" class="link" aria-label={`Remove ${file.name}`} onClick={() => props.onRemove(index)}>✕</button>
        </li>
      ))}
    </ul>
  );
}

function Thumbnail(props: { file: File }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!/^image\/(png|jpeg|gif|webp)$/.test(props.file.type)) return undefined;
    const made = URL.createObjectURL(props.file);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [props.file]);
  return url ? <img class="reply-file-thumb" src={url} alt="" /> : <span class="reply-file-thumb" aria-hidden="true"><FileIcon /></span>;
}
