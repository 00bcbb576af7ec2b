// Roles rise: viewer < support < admin < owner. Every role of the contract has its rank here.
import type { Role } from './api/projects';

const rank: Record<Role, number> = { viewer: 0, support: 1, admin: 2, owner: 3 };

export function atLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}
