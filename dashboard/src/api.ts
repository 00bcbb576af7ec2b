// The dashboard's only door to the product: the public /v1 REST API with the session token.

const tokenKey = 'zapnoty.session';

export function sessionToken(): string | null {
  return localStorage.getItem(tokenKey);
}

export function rememberSession(token: string | null): void {
  if (token === null) localStorage.removeItem(tokenKey);
  else localStorage.setItem(tokenKey, token);
}

/** An RFC 9457 problem answered by the API, readable as one sentence. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: Record<string, string[]> | undefined,
    /** Seconds from a Retry-After header (429), when the API sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(ApiError.describe(title, detail, errors));
  }

  private static describe(title: string, detail?: string, errors?: Record<string, string[]>): string {
    const fieldErrors = errors ? Object.values(errors).flat() : [];
    return [detail ?? title, ...fieldErrors].join(' ');
  }
}

/** Listeners told when the session ended (401), so the app shows the login screen. */
const sessionEnded = new Set<() => void>();
export function onSessionEnded(listener: () => void): () => void {
  sessionEnded.add(listener);
  return () => sessionEnded.delete(listener);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = sessionToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(`/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.', undefined, undefined);
  }
  if (response.status === 401 && token) {
    rememberSession(null);
    sessionEnded.forEach((listener) => listener());
  }
  if (!response.ok) throw await problemOf(response);
  // 202 and 204 may come without a body.
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function problemOf(response: Response): Promise<ApiError> {
  try {
    const problem = await response.json();
    return new ApiError(response.status, problem.title ?? response.statusText, problem.detail, problem.errors, retryAfterOf(response));
  } catch {
    return new ApiError(response.status, `${response.status} ${response.statusText}`, undefined, undefined);
  }
}

function retryAfterOf(response: Response): number | undefined {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/**
 * One path segment of an API path: encoded, so an id can never add segments, a query or a
 * fragment, and never "." or "..", which the browser would resolve to another route
 * (a crafted link must not make the dashboard call a different endpoint).
 */
export function segment(value: string | number): string {
  const text = String(value);
  if (text === '' || text === '.' || text === '..') throw new ApiError(0, 'This link is broken: it names an invalid id.', undefined, undefined);
  return encodeURIComponent(text);
}

/** Query string from the set values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
