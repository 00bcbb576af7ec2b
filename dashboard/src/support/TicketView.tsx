import { useEffect, useState } from 'preact/hooks';
import { me as getMe } from '../api/auth';
import { sendPresence, ticketIdOf, type LiveState, type Present, type ProjectEvents } from '../api/events';
import type { Role } from '../api/projects';
import type { Member } from '../api/team';
import { editTicket, getTicket, type TicketPatch } from '../api/tickets';
import type { TicketType } from '../api/ticketTypes';
import type { Tag } from '../api/tags';
import { href, navigate } from '../route';
import { atLeast } from '../roles';
import { ErrorNote, useInterval, useLoad } from '../ui';
import { Conversation } from './Conversation';
import { ChannelIcon } from './format';
import { Presence } from './Presence';
import { ReplyBox } from './ReplyBox';
import { pollMs } from './SupportTab';
import { TicketControls } from './TicketControls';
import { CustomerPanel } from './CustomerPanel';
import { TicketTags } from './TicketTags';
import { CsatPanel, History, SlaPanel } from './TicketFacts';
import { customerName, isOverdue } from './ticketWords';

// One ticket: what it is about, its controls, its SLA, the conversation, the reply box, the history.
export function TicketView(props: {
  projectId: string; ticketId: string; role: Role; members: Member[]; types: TicketType[]; tags?: Tag[]; onChanged: () => void;
  events: ProjectEvents | null; live: LiveState;
}) {
  const ticket = useLoad(() => getTicket(props.ticketId), [props.ticketId]);
  const [editError, setEditError] = useState<unknown>(null);
  const [pollError, setPollError] = useState<unknown>(null);
  const canAct = atLeast(props.role, 'support');

  const user = useLoad(getMe, []);
  const [present, setPresent] = useState<Present[]>([]);

  // Quietly, so replies turn delivered and customer messages appear without a flicker.
  const refetch = async () => {
    try {
      ticket.setData(await getTicket(props.ticketId));
      setPollError(null);
    } catch (e) {
      setPollError(e);
    }
  };
  // The ticket refetches when an event about it arrives (or after a reset); it polls only while the stream is not live.
  const { events, ticketId } = props;
  useEffect(() => events?.subscribe((event) => {
    if (event.name === 'reset') void refetch();
    else if (ticketIdOf(event) !== ticketId) return;
    else if (event.name === 'presence') setPresent((event.data.people as Present[]) ?? []);
    else if (event.name !== 'counts') void refetch();
    // refetch reads the latest props through the loader; the subscription lives as long as the stream.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [events, ticketId]);
  useInterval(() => { if (props.live !== 'live') void refetch(); }, pollMs);
  // Delivery marks are not events: a sent reply is looked at again shortly after.
  const afterSending = () => { for (const ms of [1000, 3000, 8000]) setTimeout(() => void refetch(), ms); };

  // Others see who is on this ticket: a heartbeat while it is open and shown.
  useEffect(() => { void sendPresence(ticketId, 'viewing').catch(() => undefined); }, [ticketId]);
  useInterval(() => void sendPresence(ticketId, 'viewing').catch(() => undefined), 5000);

  const edit = async (change: TicketPatch) => {
    setEditError(null);
    try {
      await editTicket(props.ticketId, change);
      await ticket.reload();
      props.onChanged();
    } catch (e) {
      setEditError(e);
    }
  };

  const t = ticket.data;
  return (
    <section class="ticket-pane-view" aria-label="Ticket">
      <a class="back" href={href({ page: 'tickets', projectId: props.projectId })}>← All tickets</a>
      {!t ? (ticket.error ? <ErrorNote error={ticket.error} /> : <p class="muted" role="status">Loading the ticket…</p>) : (
        <div class="ticket-with-customer">
        <article class={`ticket ${isOverdue(t) ? 'overdue' : ''}`}>
          <header class="ticket-head">
            <h2><span class="number">#{t.number}</span> {t.subject || '(no subject)'}</h2>
            <p class="muted customer-line">
              <ChannelIcon channel={t.channel} /> {customerName(t)}
              {t.customer.username && <> · @{t.customer.username}</>}
              {t.customer.email && <> · {t.customer.email}</>}
            </p>
            {t.customer.unreachable_reason && <p class="error">The customer cannot be messaged: {t.customer.unreachable_reason}</p>}
            {t.merged_into && <p class="merged-note">Merged into <a href={href({ page: 'tickets', projectId: props.projectId, ticketId: t.merged_into })}>another ticket</a>; its conversation continues there.</p>}
            <TicketTags ticket={t} tags={props.tags ?? []} canAct={canAct && !t.merged_into} onChanged={async () => { await ticket.reload(); props.onChanged(); }} />
          </header>
          <TicketControls ticket={t} canAct={canAct} members={props.members} types={props.types} onEdit={edit} />
          <ErrorNote error={editError ?? pollError ?? (ticket.error && ticket.data ? ticket.error : null)} />
          <SlaPanel ticket={t} />
          <CsatPanel ticket={t} />
          <Presence people={present.filter((p) => p.user_id !== user.data?.id)} members={props.members} />
          <Conversation key={t.id} ticketId={t.id} messages={t.messages} earlierCursor={t.earlier_messages_before} members={props.members}
            customerName={customerName(t)} />
          {canAct
            ? <ReplyBox projectId={props.projectId} ticket={t} lastMessageId={t.messages[t.messages.length - 1]?.id}
              onSent={async () => { await ticket.reload(); props.onChanged(); afterSending(); }} />
            : <p class="muted read-only-note">You are a viewer in this project: you can read tickets but not reply or change them.</p>}
          <History entries={t.history} members={props.members} types={props.types} />
        </article>
        <CustomerPanel projectId={props.projectId} ticket={t} canAct={canAct}
          onMerged={(survivorId) => { props.onChanged(); navigate({ page: 'tickets', projectId: props.projectId, ticketId: survivorId }); }} />
        </div>
      )}
    </section>
  );
}
