// A project's API keys for servers and CRMs; only people create them.
import { answer, api, done } from './client';
import { page, type Answer, type Body, type Page } from './contract';

type Route = '/v1/projects/{projectId}/api-keys';

export type ApiKey = NonNullable<Answer<Route, 'get'>['items']>[number];
export type CreatedKey = Answer<Route, 'post'>;
export type NewKey = Body<Route, 'post'>;

export const listApiKeys = async (projectId: string, cursor: string | null): Promise<Page<ApiKey>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/api-keys', { params: { path: { projectId }, query: { cursor: cursor ?? undefined } } })));

export const createApiKey = (projectId: string, key: NewKey) =>
  answer(api.POST('/v1/projects/{projectId}/api-keys', { params: { path: { projectId } }, body: key }));

export const revokeApiKey = (projectId: string, keyId: string) =>
  done(api.DELETE('/v1/projects/{projectId}/api-keys/{keyId}', { params: { path: { projectId, keyId } } }));
