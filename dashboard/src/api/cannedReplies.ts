// The team's reply templates, and one filled in for a ticket.
import { answer, api, done } from './client';
import { page, type Answer, type Body, type Page } from './contract';

type Route = '/v1/projects/{projectId}/helpdesk/canned-replies';
type OneRoute = '/v1/projects/{projectId}/helpdesk/canned-replies/{cannedReplyId}';

export type CannedReply = NonNullable<Answer<Route, 'get'>['items']>[number];
export type CannedReplyText = Body<Route, 'post'>;

export const listCannedReplies = async (projectId: string): Promise<Page<CannedReply>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/helpdesk/canned-replies', { params: { path: { projectId }, query: { limit: 200 } } })));

export const addCannedReply = (projectId: string, body: CannedReplyText) =>
  answer(api.POST('/v1/projects/{projectId}/helpdesk/canned-replies', { params: { path: { projectId } }, body }));

export const changeCannedReply = (projectId: string, cannedReplyId: string, body: Body<OneRoute, 'patch'>) =>
  answer(api.PATCH('/v1/projects/{projectId}/helpdesk/canned-replies/{cannedReplyId}', { params: { path: { projectId, cannedReplyId } }, body }));

export const deleteCannedReply = (projectId: string, cannedReplyId: string) =>
  done(api.DELETE('/v1/projects/{projectId}/helpdesk/canned-replies/{cannedReplyId}', { params: { path: { projectId, cannedReplyId } } }));

/** The reply with its variables filled in for this ticket and agent. */
export const renderCannedReply = (ticketId: string, cannedReplyId: string) =>
  answer(api.POST('/v1/helpdesk/tickets/{ticketId}/canned-replies/{cannedReplyId}/render', {
    // The document declares only {cannedReplyId} here (the handler takes the ticket from the route's access check), so {ticketId} is passed untyped.
    params: { path: { ticketId, cannedReplyId } as { cannedReplyId: string } },
  }));
