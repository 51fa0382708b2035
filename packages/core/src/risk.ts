import { z } from 'zod';

export const RiskTier = z.enum(['low', 'medium', 'high', 'critical']);
export type RiskTier = z.infer<typeof RiskTier>;

const rank: Record<RiskTier, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The more restrictive of two tiers. */
export function maxTier(a: RiskTier, b: RiskTier): RiskTier {
  return rank[a] >= rank[b] ? a : b;
}

export const Role = z.enum(['viewer', 'approver', 'admin']);
export type Role = z.infer<typeof Role>;

const roleRank: Record<Role, number> = { viewer: 0, approver: 1, admin: 2 };

/** Whether `role` carries at least the rights of `required`. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return roleRank[role] >= roleRank[required];
}
