// The project's members, their roles, and handing the project over to another owner.
import { answer, api, done } from './client';
import { page, type Answer, type Page } from './contract';
import type { Role } from './projects';

export type Member = NonNullable<Answer<'/v1/projects/{projectId}/members', 'get'>['items']>[number];
export type PendingTransfer = Answer<'/v1/projects/{projectId}/ownership-transfer', 'post'>;

export const listMembers = async (projectId: string): Promise<Page<Member>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/members', { params: { path: { projectId }, query: { limit: 200 } } })));

export const addMember = (projectId: string, email: string, role: Role) =>
  answer(api.POST('/v1/projects/{projectId}/members', { params: { path: { projectId } }, body: { email, role } }));

export const changeRole = (projectId: string, memberId: string, role: Role) =>
  answer(api.PATCH('/v1/projects/{projectId}/members/{memberId}', { params: { path: { projectId, memberId } }, body: { role } }));

export const removeMember = (projectId: string, memberId: string) =>
  done(api.DELETE('/v1/projects/{projectId}/members/{memberId}', { params: { path: { projectId, memberId } } }));

/** Emails the owner a code; `toMemberId` null lets the API say that a member must be chosen. */
export const requestOwnershipTransfer = (projectId: string, toMemberId: string | null) =>
  answer(api.POST('/v1/projects/{projectId}/ownership-transfer', { params: { path: { projectId } }, body: { to_member_id: toMemberId } }));

export const confirmOwnershipTransfer = (projectId: string, code: string) =>
  answer(api.POST('/v1/projects/{projectId}/ownership-transfer/confirm', { params: { path: { projectId } }, body: { code } }));
