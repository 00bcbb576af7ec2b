// The dashboard's only door to the product: the public /v1 REST API, typed from its OpenAPI
// document (docs/openapi.json → schema.d.ts, generated at build time). Every resource module
// calls through this one client; its middleware does what every call needs.
import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, problemOf, unreachable } from './errors';
import type { paths } from './schema';
import { endSession, sessionToken } from './session';

/**
 * Ids in a path are checked before the request is sent: every `{name}` of the route must have
 * a value, and no value may be empty, "." or "..", which the browser would resolve to another
 * route (a crafted link must not make the dashboard call a different endpoint). openapi-fetch
 * then encodes each value as one segment (encodeURIComponent), so none can add segments, a
 * query or a fragment.
 */
const pathSafety: Middleware = {
  onRequest({ schemaPath, params }) {
    const values: Record<string, unknown> = params.path ?? {};
    for (const [, name] of schemaPath.matchAll(/\{([^{}]+)\}/g)) segment(values[name]);
  },
};

/** The session's bearer token on every call; JSON asked for unless the call reads a file. */
const bearer: Middleware = {
  onRequest({ request, options }) {
    const token = sessionToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    if (options.parseAs === 'json' && !request.headers.has('Accept')) request.headers.set('Accept', 'application/json');
    return request;
  },
};

/**
 * A failed answer becomes an ApiError from its problem document (title, detail, field errors,
 * Retry-After on 429); a 401 to a call that carried a token ends the session (login screen).
 * A network failure is "the server cannot be reached".
 */
const problems: Middleware = {
  async onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization')) endSession();
    if (!response.ok) throw await problemOf(response);
    return undefined;
  },
  onError({ error }) {
    return error instanceof ApiError ? error : unreachable();
  },
};

export const api = createClient<paths>({ querySerializer: setValuesOnly });
api.use(pathSafety, bearer, problems);

/** One path segment's value, refused when it could name another route. */
function segment(value: unknown): string {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  if (text === '' || text === '.' || text === '..') throw new ApiError(0, 'This link is broken: it names an invalid id.', undefined, undefined);
  return text;
}

/** The query string from the set values only: an empty filter is no filter. */
function setValuesOnly(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  return search.toString();
}

/** The answer's body: failures never get here (the middleware threw them as ApiError). */
export async function answer<T>(call: Promise<{ data?: T }>): Promise<T> {
  const { data } = await call;
  return data as T;
}

/** For calls whose answer has no body the dashboard reads (204, 202). */
export async function done(call: Promise<unknown>): Promise<void> {
  await call;
}
