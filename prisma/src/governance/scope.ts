import { z } from 'zod';

/** Who a budget or kill switch covers: one agent, one team, or the whole tenant. */
export const GovernanceScope = z.enum(['agent', 'team', 'tenant']);
export type GovernanceScope = z.infer<typeof GovernanceScope>;

/** The tenant is a single target, spelled "*": one spelling means one row to find. */
export const TENANT_TARGET = '*';

/** An agent id, a team name, or "*". */
export const Target = z.string().trim().min(1).max(200);

/** "tenant" always means "*" and nothing else does. */
export function targetMatchesScope(s: { scope: GovernanceScope; target: string }): boolean {
  return (s.scope === 'tenant') === (s.target === TENANT_TARGET);
}
export const targetScopeIssue = { message: `the tenant scope takes the target "${TENANT_TARGET}", and only it does`, path: ['target'] };

export const ScopedTarget = z.object({ scope: GovernanceScope, target: Target }).refine(targetMatchesScope, targetScopeIssue);
export type ScopedTarget = z.infer<typeof ScopedTarget>;

/** Non-empty trimmed text for reasons and actor ids. */
export const Text = z.string().trim().min(1);
