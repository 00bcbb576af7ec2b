// The categories customers pick when they open a ticket.
import { answer, api, done } from './client';
import { page, type Answer, type Page } from './contract';

export type TicketType = NonNullable<Answer<'/v1/projects/{projectId}/helpdesk/ticket-types', 'get'>['items']>[number];

export const listTicketTypes = async (projectId: string, includeArchived = false): Promise<Page<TicketType>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/helpdesk/ticket-types',
    { params: { path: { projectId }, query: { include_archived: includeArchived || undefined } } })));

export const addTicketType = (projectId: string, name: string) =>
  answer(api.POST('/v1/projects/{projectId}/helpdesk/ticket-types', { params: { path: { projectId } }, body: { name } }));

export const renameTicketType = (projectId: string, typeId: string, name: string) =>
  answer(api.PATCH('/v1/projects/{projectId}/helpdesk/ticket-types/{typeId}', { params: { path: { projectId, typeId } }, body: { name } }));

export const archiveTicketType = (projectId: string, typeId: string) =>
  done(api.DELETE('/v1/projects/{projectId}/helpdesk/ticket-types/{typeId}', { params: { path: { projectId, typeId } } }));
