// Tags: the project's labels for tickets, and the set a ticket carries.
import { answer, api, done } from './client';
import { type Answer } from './contract';

export type TagList = Answer<'/v1/projects/{projectId}/tags', 'get'>;
export type Tag = NonNullable<TagList['items']>[number];

export const listTags = (projectId: string, includeArchived = false) =>
  answer(api.GET('/v1/projects/{projectId}/tags', { params: { path: { projectId }, query: { include_archived: includeArchived || undefined } } }));

export const addTag = (projectId: string, name: string, color: string) =>
  answer(api.POST('/v1/projects/{projectId}/tags', { params: { path: { projectId } }, body: { name, color } }));

export const changeTag = (projectId: string, tagId: string, change: { name?: string; color?: string }) =>
  answer(api.PATCH('/v1/projects/{projectId}/tags/{tagId}', { params: { path: { projectId, tagId } }, body: { name: change.name ?? null, color: change.color ?? null } }));

export const removeTag = (projectId: string, tagId: string) =>
  done(api.DELETE('/v1/projects/{projectId}/tags/{tagId}', { params: { path: { projectId, tagId } } }));

/** The ticket's tags become exactly these. */
export const setTicketTags = (ticketId: string, tagIds: string[]) =>
  answer(api.PUT('/v1/helpdesk/tickets/{ticketId}/tags', { params: { path: { ticketId } }, body: { tag_ids: tagIds } }));
