// The CSAT survey: on/off and its texts.
import { answer, api } from './client';
import type { Answer, Body } from './contract';

export type CsatSettings = Answer<'/v1/projects/{projectId}/helpdesk/csat', 'get'>;
export type CsatChange = Body<'/v1/projects/{projectId}/helpdesk/csat', 'put'>;

export const getCsatSettings = (projectId: string) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/csat', { params: { path: { projectId } } }));

export const setCsatSettings = (projectId: string, settings: CsatChange) =>
  answer(api.PUT('/v1/projects/{projectId}/helpdesk/csat', { params: { path: { projectId } }, body: settings }));
