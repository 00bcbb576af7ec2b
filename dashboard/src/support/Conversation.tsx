import { AttachmentFile } from './AttachmentFile';
import { dateTime } from './format';
import { personName } from './TicketFacts';
import type { Message, Member } from './wire';

// The whole conversation, oldest first. Text is always rendered as text, never as HTML.
export function Conversation(props: { ticketId: string; messages: Message[]; members: Member[]; customerName: string }) {
  const author = (m: Message) =>
    m.author === 'customer' ? props.customerName : m.author === 'agent' ? (m.agent_id ? personName(props.members, m.agent_id) : 'API') : 'System';
  return (
    <ol class="conversation" aria-label="Conversation">
      {props.messages.map((m) => (
        <li key={m.id} class={`message message-${m.author}`} data-message-id={m.id}>
          <div class="message-meta">
            <strong class="author">{author(m)}</strong>
            <span class="muted"> · <time dateTime={m.created_at}>{dateTime(m.created_at)}</time></span>
            {m.edited_at && <span class="muted edited" title={`Edited ${dateTime(m.edited_at)}`}> · edited</span>}
          </div>
          {m.text && <p class="message-text">{m.text}</p>}
          {m.attachments.length > 0 && (
            <ul class="attachments" aria-label="Attachments">
              {m.attachments.map((a, index) => (
                <li key={`${index}:${a.file_id}`}><AttachmentFile ticketId={props.ticketId} messageId={m.id} index={index} attachment={a} /></li>
              ))}
            </ul>
          )}
          {m.author === 'agent' && <DeliveryState message={m} />}
        </li>
      ))}
    </ol>
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
