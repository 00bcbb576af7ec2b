// The project's service-level targets.
import { answer, api } from './client';
import type { Answer, Body } from './contract';

export type HelpdeskSettings = Answer<'/v1/projects/{projectId}/helpdesk/settings', 'get'>;
export type SettingsChange = Body<'/v1/projects/{projectId}/helpdesk/settings', 'patch'>;

export const getHelpdeskSettings = (projectId: string) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/settings', { params: { path: { projectId } } }));

export const changeHelpdeskSettings = (projectId: string, change: SettingsChange) =>
  answer(api.PATCH('/v1/projects/{projectId}/helpdesk/settings', { params: { path: { projectId } }, body: change }));
