import type { ActiveSuspension, KillSwitch } from '@airlock/db';

const specificity: Record<KillSwitch['scope'], number> = { agent: 0, team: 1, tenant: 2 };

/**
 * The switch stopping each agent, chosen as `activeSuspension` chooses it (the
 * most specific scope, then the newest), from one read of the active switches.
 */
export function suspensionFor(active: readonly KillSwitch[], agent: { id: string; team: string }): ActiveSuspension | null {
  const covering = active.filter((s) => (s.scope === 'agent' ? s.target === agent.id : s.scope === 'team' ? s.target === agent.team : true));
  const [chosen] = [...covering].sort((a, b) => specificity[a.scope] - specificity[b.scope] || b.createdAt.getTime() - a.createdAt.getTime());
  return chosen ?? null;
}
