// Credits: the balance, the ledger, buying packs and the payment the provider sends the payer back for.
import type { Client } from 'openapi-fetch';
import { answer, api } from './client';
import { page, type Answer, type Page, type Query } from './contract';

type Base = '/v1/projects/{projectId}/billing';

export type Balance = Answer<Base, 'get'>;
export type LedgerEntry = NonNullable<Answer<'/v1/projects/{projectId}/billing/ledger', 'get'>['items']>[number];
export type Pack = NonNullable<Answer<'/v1/projects/{projectId}/billing/packs', 'get'>['items']>[number];
export type Payment = Answer<'/v1/projects/{projectId}/billing/payments/{paymentId}', 'get'>;

export const getBalance = (projectId: string) => answer(api.GET('/v1/projects/{projectId}/billing', { params: { path: { projectId } } }));

export const ledger = async (projectId: string, query: Query<'/v1/projects/{projectId}/billing/ledger', 'get'>): Promise<Page<LedgerEntry>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/billing/ledger', { params: { path: { projectId }, query } })));

export const packsOnSale = (projectId: string) =>
  // The document declares no {projectId} here (the handler does not read it), so it is passed untyped.
  answer(api.GET('/v1/projects/{projectId}/billing/packs', { params: { path: { projectId } as never } }));

/** Starts a payment; the answer's checkout_url is the provider's page. */
export const checkout = (projectId: string, packId: string, currency: string) =>
  answer(api.POST('/v1/projects/{projectId}/billing/checkout', { params: { path: { projectId } }, body: { pack_id: packId, currency } }));

export const getPayment = (projectId: string, paymentId: string) =>
  answer(api.GET('/v1/projects/{projectId}/billing/payments/{paymentId}', { params: { path: { projectId, paymentId } } }));

/**
 * Development only: this route exists when Zapnoty:Billing:DevelopmentGrants is on, so it is not
 * in the published document; its shape is declared here, and the call goes through the same client.
 */
interface DevelopmentRoutes {
  '/v1/projects/{projectId}/billing/credits': {
    parameters: { path: { projectId: string } };
    post: {
      parameters: { path: { projectId: string } };
      requestBody: { content: { 'application/json': { amount: number | string; reference: string } } };
      responses: { 200: { content: { 'application/json': unknown } } };
    };
  };
}

export const grantCredits = (projectId: string, amount: number | string, reference: string) =>
  answer((api as unknown as Client<DevelopmentRoutes>).POST('/v1/projects/{projectId}/billing/credits',
    { params: { path: { projectId } }, body: { amount, reference } }));
