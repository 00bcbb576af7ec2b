// Escalation and automation rules of a project: SLA warnings and breaches, tickets waiting on the customer.
import { answer, api, done } from './client';
import { type Answer, type Body } from './contract';

export type RuleList = Answer<'/v1/projects/{projectId}/helpdesk/rules', 'get'>;
export type Rule = NonNullable<RuleList['items']>[number];
export type RuleInput = Body<'/v1/projects/{projectId}/helpdesk/rules', 'post'>;
export type RuleTrigger = NonNullable<RuleInput['trigger']>;
export type RuleAction = NonNullable<RuleInput['actions']>[number];

export const listRules = (projectId: string) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/rules', { params: { path: { projectId } } }));

export const addRule = (projectId: string, rule: RuleInput) =>
  answer(api.POST('/v1/projects/{projectId}/helpdesk/rules', { params: { path: { projectId } }, body: rule }));

export const changeRule = (projectId: string, ruleId: string, rule: RuleInput) =>
  answer(api.PATCH('/v1/projects/{projectId}/helpdesk/rules/{ruleId}', { params: { path: { projectId, ruleId } }, body: rule }));

export const removeRule = (projectId: string, ruleId: string) =>
  done(api.DELETE('/v1/projects/{projectId}/helpdesk/rules/{ruleId}', { params: { path: { projectId, ruleId } } }));
