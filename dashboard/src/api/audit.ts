// Who changed what in a project, newest first.
import { answer, api } from './client';
import { page, type Answer, type Page, type Query } from './contract';

type Route = '/v1/projects/{projectId}/audit';

export type AuditEntry = NonNullable<Answer<Route, 'get'>['items']>[number];

export const auditLog = async (projectId: string, query: Query<Route, 'get'>): Promise<Page<AuditEntry>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/audit', { params: { path: { projectId }, query } })));
