// Tickets: the project's list with its counts, one ticket, its changes, replies, notes, older messages
// and the customers' files.
import { answer, api, done } from './client';
import { ApiError } from './errors';
import { page, type Answer, type Body, type Page, type Query } from './contract';

type ListRoute = '/v1/projects/{projectId}/helpdesk/tickets';
type TicketRoute = '/v1/helpdesk/tickets/{ticketId}';

export type TicketDetails = Answer<TicketRoute, 'get'>;
type ListItem = NonNullable<Answer<ListRoute, 'get'>['items']>[number];
// A ticket as every route answers it; only the list adds `match` (where a search found it), so it is optional here.
export type Ticket = Omit<ListItem, 'match'> & { match?: ListItem['match'] };
export type Message = NonNullable<TicketDetails['messages']>[number];
export type Attachment = NonNullable<Message['attachments']>[number];
export type HistoryEntry = NonNullable<TicketDetails['history']>[number];
export type StatusCounts = Answer<'/v1/projects/{projectId}/helpdesk/tickets/counts', 'get'>;
export type TicketStatus = Ticket['status'];
export type TicketPriority = Ticket['priority'];
export type Channel = Ticket['channel'];
export type TicketQuery = Query<ListRoute, 'get'>;
export type TicketPatch = Body<TicketRoute, 'patch'>;

export const listTickets = async (projectId: string, query: TicketQuery): Promise<Page<Ticket>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/helpdesk/tickets', { params: { path: { projectId }, query } })));

export const countTickets = (projectId: string, query: Query<'/v1/projects/{projectId}/helpdesk/tickets/counts', 'get'>) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/tickets/counts', { params: { path: { projectId }, query } }));

export const getTicket = (ticketId: string) => answer(api.GET('/v1/helpdesk/tickets/{ticketId}', { params: { path: { ticketId } } }));

export const editTicket = (ticketId: string, change: TicketPatch) =>
  answer(api.PATCH('/v1/helpdesk/tickets/{ticketId}', { params: { path: { ticketId } }, body: change }));

/** With `expectedLastMessageId`, refused (409, `newer_messages`: see {@link newerMessagesOf}) when newer messages exist. */
export const replyToTicket = (ticketId: string, text: string, expectedLastMessageId?: string) =>
  done(api.POST('/v1/helpdesk/tickets/{ticketId}/replies', { params: { path: { ticketId } }, body: { text, expected_last_message_id: expectedLastMessageId } }));

/** The messages a stale reply did not account for (its 409), or null for any other failure. */
export function newerMessagesOf(error: unknown): Message[] | null {
  return error instanceof ApiError && error.status === 409 && Array.isArray(error.problem?.newer_messages)
    ? (error.problem.newer_messages as Message[]) : null;
}

/** An internal note: the team sees it, the customer never does. */
export const addNote = (ticketId: string, text: string, expectedLastMessageId?: string) =>
  done(api.POST('/v1/helpdesk/tickets/{ticketId}/notes', { params: { path: { ticketId } }, body: { text, expected_last_message_id: expectedLastMessageId } }));

/**
 * A reply with files, as multipart/form-data: `text` (may be empty) and each file as `files`.
 * The typed body only names the fields; the form itself is built from the File objects.
 * With `expectedLastMessageId`, refused like {@link replyToTicket} (409, `newer_messages`) when newer messages exist.
 */
export const replyWithFiles = (ticketId: string, text: string, files: File[], expectedLastMessageId?: string) =>
  done(api.POST('/v1/helpdesk/tickets/{ticketId}/replies', {
    params: { path: { ticketId } },
    body: { text, files: files.map((f) => f.name), expected_last_message_id: expectedLastMessageId },
    bodySerializer: () => {
      const form = new FormData();
      if (text.trim()) form.append('text', text);
      if (expectedLastMessageId) form.append('expected_last_message_id', expectedLastMessageId);
      for (const file of files) form.append('files', file, file.name);
      return form;
    },
  }));

/** Messages older than the ticket's latest window, page by page. */
export const earlierMessages = (ticketId: string, before: string) =>
  answer(api.GET('/v1/helpdesk/tickets/{ticketId}/messages', { params: { path: { ticketId }, query: { before } } }));

/** A file the customer sent, as a Blob (too large, bot disconnected, messenger down: an ApiError). */
export const attachmentFile = async (ticketId: string, messageId: string, index: number): Promise<Blob> =>
  (await api.GET('/v1/helpdesk/tickets/{ticketId}/messages/{messageId}/attachments/{index}',
    { params: { path: { ticketId, messageId, index } }, parseAs: 'blob' })).data as Blob;

/** Merges the ticket into another open one of the same customer; answers the survivor. */
export const mergeTicket = (ticketId: string, intoTicketId: string) =>
  answer(api.POST('/v1/helpdesk/tickets/{ticketId}/merge', { params: { path: { ticketId } }, body: { into_ticket_id: intoTicketId } }));
