// Auto-assignment: the project's mode and cap, and each agent's own available/away switch.
import { answer, api } from './client';
import type { Answer, Body } from './contract';

export type AssignmentSettings = Answer<'/v1/projects/{projectId}/helpdesk/assignment', 'get'>;
export type AssignmentChange = Body<'/v1/projects/{projectId}/helpdesk/assignment', 'put'>;
export type AssignmentMode = AssignmentSettings['mode'];
export type Availability = Answer<'/v1/projects/{projectId}/members/me/availability', 'put'>;

export const getAssignment = (projectId: string) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/assignment', { params: { path: { projectId } } }));

export const setAssignment = (projectId: string, settings: AssignmentChange) =>
  answer(api.PUT('/v1/projects/{projectId}/helpdesk/assignment', { params: { path: { projectId } }, body: settings }));

export const setAvailability = (projectId: string, available: boolean) =>
  answer(api.PUT('/v1/projects/{projectId}/members/me/availability', { params: { path: { projectId } }, body: { available } }));
