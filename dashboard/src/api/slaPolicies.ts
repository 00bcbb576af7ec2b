// SLA targets per priority (and ticket type): first reply, next reply, resolution.
import { answer, api } from './client';
import type { Answer } from './contract';

export type SlaPolicies = Answer<'/v1/projects/{projectId}/helpdesk/sla-policies', 'get'>;
export type SlaPolicy = NonNullable<SlaPolicies['policies']>[number];

export const getSlaPolicies = (projectId: string) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/sla-policies', { params: { path: { projectId } } }));

export const setSlaPolicies = (projectId: string, policies: SlaPolicy[]) =>
  answer(api.PUT('/v1/projects/{projectId}/helpdesk/sla-policies', { params: { path: { projectId } }, body: { policies } }));
