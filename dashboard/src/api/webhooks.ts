// Webhook endpoints, their signing secrets, and each endpoint's delivery log.
import { answer, api, done } from './client';
import { page, type Answer, type Page, type Query } from './contract';

type Route = '/v1/projects/{projectId}/webhooks';
type DeliveriesRoute = '/v1/projects/{projectId}/webhooks/{webhookId}/deliveries';

export type Webhook = NonNullable<Answer<Route, 'get'>['items']>[number];
export type WebhookSecret = Answer<Route, 'post'>;
export type WebhookDelivery = NonNullable<Answer<DeliveriesRoute, 'get'>['items']>[number];
export type DeliveryAttempt = NonNullable<WebhookDelivery['attempt_log']>[number];

/** One endpoint of one project: the ids every call on it needs. */
export interface WebhookRef { projectId: string; webhookId: string }

export const listWebhooks = async (projectId: string): Promise<Page<Webhook>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/webhooks', { params: { path: { projectId } } })));

export const addWebhook = (projectId: string, url: string, events: string[]) =>
  answer(api.POST('/v1/projects/{projectId}/webhooks', { params: { path: { projectId } }, body: { url, events } }));

export const changeWebhook = (hook: WebhookRef, change: { url?: string; events?: string[]; enabled?: boolean }) =>
  answer(api.PATCH('/v1/projects/{projectId}/webhooks/{webhookId}', { params: { path: hook }, body: change }));

export const deleteWebhook = (hook: WebhookRef) =>
  done(api.DELETE('/v1/projects/{projectId}/webhooks/{webhookId}', { params: { path: hook } }));

/** A new signing secret; the previous one keeps signing for 24 hours. */
export const rotateSecret = (hook: WebhookRef) =>
  answer(api.POST('/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret', { params: { path: hook } }));

export const listDeliveries = async (hook: WebhookRef, query: Query<DeliveriesRoute, 'get'>): Promise<Page<WebhookDelivery>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/webhooks/{webhookId}/deliveries', { params: { path: hook, query } })));

export const retryDelivery = (hook: WebhookRef, deliveryId: string) =>
  done(api.POST('/v1/projects/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}/retry',
    { params: { path: { ...hook, deliveryId } } }));

