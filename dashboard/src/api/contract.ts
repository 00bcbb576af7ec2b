// Names for the parts of the generated contract (schema.d.ts) that the screens use: what a
// route answers and what it takes, by its path, so an alias follows the route, not a schema id.
import type { paths } from './schema';

type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON body a route answers on success (200, 201 or 202). */
export type Answer<P extends keyof paths, M extends keyof paths[P]> =
  paths[P][M] extends { responses: infer R } ? Json<R[keyof R & (200 | 201 | 202)]> : never;

/** The JSON body a route takes. */
export type Body<P extends keyof paths, M extends keyof paths[P]> =
  paths[P][M] extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;

/** The query parameters a route takes. */
export type Query<P extends keyof paths, M extends keyof paths[P]> =
  paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** One page of a cursor-paginated list, as every list route answers it. */
export interface Page<T> { items: T[]; next_cursor: string | null }

/**
 * The page as the screens read it. The document marks `items` nullable (it does so for every
 * reference-typed property, not knowing C#'s nullability); the API always sends a list.
 */
export function page<T>(answer: { items: T[] | null; next_cursor: string | null }): Page<T> {
  return { items: answer.items ?? [], next_cursor: answer.next_cursor };
}
