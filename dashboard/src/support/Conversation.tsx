import { useRef, useState } from 'preact/hooks';
import type { Member } from '../api/team';
import { earlierMessages, type Message } from '../api/tickets';
import { LockIcon } from '../icons';
import { ErrorNote } from '../ui';
import { AttachmentFile } from './AttachmentFile';
import { dateTime } from './format';
import { personName } from './TicketFacts';

/**
 * The conversation, oldest first. The ticket brings its latest messages; older ones load on
 * request ("Show earlier messages"). Messages polled once stay shown when newer ones push them
 * out of the ticket's latest window. Text is always rendered as text, never as HTML.
 * Mount it with `key={ticketId}`: its state belongs to one ticket.
 */
export function Conversation(props: { ticketId: string; messages: Message[]; earlierCursor: string | null; members: Member[]; customerName: string }) {
  // Insertion order is arrival order: every poll lists messages oldest first and new ones come after.
  const seen = useRef(new Map<string, Message>());
  for (const m of props.messages) seen.current.set(m.id, m);
  const [earlier, setEarlier] = useState<Message[]>([]);
  const [cursor, setCursor] = useState(props.earlierCursor);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const showEarlier = async () => {
    if (!cursor) return;
    setLoading(true);
    setError(null);
    try {
      const page = await earlierMessages(props.ticketId, cursor);
      setEarlier((shown) => [...page.items, ...shown]);
      setCursor(page.next_before);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  const messages = [...earlier.filter((m) => !seen.current.has(m.id)), ...seen.current.values()];
  const author = (m: Message) =>
    m.author === 'customer' ? props.customerName : m.author === 'agent' ? (m.agent_id ? personName(props.members, m.agent_id) : 'API') : 'System';
  return (
    <>
      {cursor && (
        <p class="show-earlier">
          <button type="button" class="link" onClick={showEarlier} disabled={loading}>{loading ? 'Loading…' : 'Show earlier messages'}</button>
        </p>
      )}
      <ErrorNote error={error} />
      <ol class="conversation" aria-label="Conversation">
        {messages.map((m) => (
          <li key={m.id} class={`message message-${m.author}${m.internal ? ' message-note' : ''}`} data-message-id={m.id}>
            <div class="message-meta">
              {m.internal && <span class="note-badge" title="Only your team sees this"><LockIcon /> Internal note · </span>}
              <strong class="author">{author(m)}</strong>
              <span class="muted"> · <time dateTime={m.created_at}>{dateTime(m.created_at)}</time></span>
              {m.edited_at && <span class="muted edited" title={`Edited ${dateTime(m.edited_at)}`}> · edited</span>}
            </div>
            {m.text && <p class="message-text">{m.text}</p>}
            {m.attachments && m.attachments.length > 0 && (
              <ul class="attachments" aria-label="Attachments">
                {m.attachments.map((a, index) => (
                  <li key={`${index}:${a.file_id}`}><AttachmentFile ticketId={props.ticketId} messageId={m.id} index={index} attachment={a} /></li>
                ))}
              </ul>
            )}
            {m.author === 'agent' && !m.internal && <DeliveryState message={m} />}
          </li>
        ))}
      </ol>
    </>
  );
}

const deliveryText = { pending: 'Sending…', delivered: 'Delivered', webhook: 'Sent to your server by webhook', failed: 'Not delivered' };

function DeliveryState({ message: m }: { message: Message }) {
  return (
    <p class={`delivery delivery-${m.delivery}`} data-delivery={m.delivery}>
      {m.delivery === 'delivered' ? '✓ ' : m.delivery === 'failed' ? '⚠ ' : ''}{deliveryText[m.delivery]}
      {m.delivery === 'failed' && m.delivery_error && <>: {m.delivery_error}</>}
    </p>
  );
}
