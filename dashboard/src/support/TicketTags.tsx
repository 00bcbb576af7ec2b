import { useState } from 'preact/hooks';
import { setTicketTags, type Tag } from '../api/tags';
import type { Ticket } from '../api/tickets';
import { ErrorNote } from '../ui';
import './customer.css';

type TicketTag = Ticket['tags'][number];

/** A tag as a coloured chip; archived ones are struck through. */
export function TagChip(props: { tag: TicketTag | Tag; onRemove?: () => void }) {
  const { tag } = props;
  return (
    <span class={`tag-chip ${tag.archived ? 'archived' : ''}`} style={{ '--tag-color': tag.color }} data-tag={tag.name}>
      {tag.name}
      {props.onRemove && <button type="button" class="tag-remove" aria-label={`Remove tag ${tag.name}`} onClick={props.onRemove}>×</button>}
    </span>
  );
}

// The ticket's tags; an agent adds one from the project's live tags or removes one (the set is replaced).
export function TicketTags(props: { ticket: Ticket; tags: Tag[]; canAct: boolean; onChanged: () => void }) {
  const { ticket: t } = props;
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ids = t.tags.map((tag) => tag.id);
  const addable = props.tags.filter((tag) => !tag.archived && !ids.includes(tag.id));

  const save = async (next: string[]) => {
    setError(null);
    setBusy(true);
    try {
      await setTicketTags(t.id, next);
      props.onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="ticket-tags" aria-label="Tags" role="group">
      {t.tags.length === 0 && !props.canAct && <span class="muted">No tags</span>}
      {t.tags.map((tag) => (
        <TagChip key={tag.id} tag={tag} onRemove={props.canAct && !busy ? () => save(ids.filter((id) => id !== tag.id)) : undefined} />
      ))}
      {props.canAct && addable.length > 0 && (
        <label class="tag-add">
          <span class="sr-only">Add tag</span>
          <select value="" disabled={busy} onChange={(e) => e.currentTarget.value && save([...ids, e.currentTarget.value])}>
            <option value="">+ Tag…</option>
            {addable.map((tag) => <option key={tag.id} value={tag.id}>{tag.name}</option>)}
          </select>
        </label>
      )}
      {props.canAct && props.tags.length === 0 && <span class="muted">No tags in this project yet (Settings → Tags).</span>}
      <ErrorNote error={error} />
    </div>
  );
}
