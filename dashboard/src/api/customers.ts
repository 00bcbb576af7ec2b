// Customers: who wrote to the project, their tickets, and the team's notes about them.
import { answer, api } from './client';
import { type Answer } from './contract';

export type CustomerProfile = Answer<'/v1/projects/{projectId}/customers/{customerId}', 'get'>;

export const getCustomer = (projectId: string, customerId: string) =>
  answer(api.GET('/v1/projects/{projectId}/customers/{customerId}', { params: { path: { projectId, customerId } } }));

export const changeCustomerNotes = (projectId: string, customerId: string, notes: string) =>
  answer(api.PATCH('/v1/projects/{projectId}/customers/{customerId}', { params: { path: { projectId, customerId } }, body: { notes } }));
