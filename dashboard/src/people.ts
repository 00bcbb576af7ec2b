// How the dashboard names a person: their display name when they set one, else their email.

export interface Named { name?: string | null; email?: string | null }

export function displayName(person: Named | null | undefined, fallback = 'Someone'): string {
  return person?.name?.trim() || person?.email || fallback;
}
