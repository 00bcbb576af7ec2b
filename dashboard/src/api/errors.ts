/** An RFC 9457 problem answered by the API, readable as one sentence. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: Record<string, string[]> | undefined,
    /** Seconds from a Retry-After header (429), when the API sent one. */
    readonly retryAfterSeconds?: number,
    /** The whole problem document, for the members a route adds (a stale reply's newer_messages). */
    readonly problem?: Record<string, unknown>,
  ) {
    super(ApiError.describe(title, detail, errors));
  }

  private static describe(title: string, detail?: string, errors?: Record<string, string[]>): string {
    const fieldErrors = errors ? Object.values(errors).flat() : [];
    return [detail ?? title, ...fieldErrors].join(' ');
  }
}

export const unreachable = () => new ApiError(0, 'The server cannot be reached. Check your connection and try again.', undefined, undefined);

/** The problem document of a failed answer as an ApiError (any answer without one: its status line). */
export async function problemOf(response: Response): Promise<ApiError> {
  try {
    const problem = (await response.json()) as { title?: string | null; detail?: string | null; errors?: Record<string, string[]> };
    return new ApiError(response.status, problem.title ?? response.statusText, problem.detail ?? undefined, problem.errors, retryAfterOf(response),
      problem as Record<string, unknown>);
  } catch {
    return new ApiError(response.status, `${response.status} ${response.statusText}`, undefined, undefined, retryAfterOf(response));
  }
}

function retryAfterOf(response: Response): number | undefined {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
