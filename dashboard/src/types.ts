// Wire shapes of the /v1 API the whole app shares (snake_case, as the API answers).
// Screens keep the shapes only they use next to themselves.

export type Role = 'viewer' | 'support' | 'admin' | 'owner';

export interface User { id: string; email: string; name: string | null }
export interface Session { token: string; user: User; expires_at: string }
export interface Project { id: string; name: string; slug: string; created_at: string; role: Role }
export interface Page<T> { items: T[]; next_cursor: string | null }

const rank: Record<Role, number> = { viewer: 0, support: 1, admin: 2, owner: 3 };
export function atLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}
