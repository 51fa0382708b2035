import { RiskTier } from '@airlock/core';
import { z } from 'zod';

const ChannelId = z.string().regex(/^[CGD][A-Z0-9_]{1,40}$/, 'a Slack channel id such as C0123456789');

/**
 * Where approval messages go. The tier's channel wins (a critical request goes
 * where critical requests are watched), then the agent's team, then the default.
 * Escalations also post to `escalations[to]` (an escalation target such as
 * "finance-leads" or "role:admin"), or else to the next tier's channel.
 */
export const SlackRoutes = z
  .object({
    default: ChannelId,
    tiers: z.partialRecord(RiskTier, ChannelId).default({}),
    teams: z.record(z.string().min(1), ChannelId).default({}),
    escalations: z.record(z.string().min(1), ChannelId).default({}),
  })
  .strict();
export type SlackRoutes = z.infer<typeof SlackRoutes>;

const TIER_ORDER: readonly RiskTier[] = ['low', 'medium', 'high', 'critical'];

export function approvalChannel(routes: SlackRoutes, input: { tier: RiskTier | null; team: string | null }): string {
  return (input.tier && routes.tiers[input.tier]) ?? (input.team && routes.teams[input.team]) ?? routes.default;
}

/** The channel an escalation also posts to; undefined when none is configured. */
export function escalationChannel(routes: SlackRoutes, input: { to: string; tier: RiskTier | null }): string | undefined {
  const named = routes.escalations[input.to];
  if (named) return named;
  const index = input.tier ? TIER_ORDER.indexOf(input.tier) : -1;
  for (const tier of TIER_ORDER.slice(index + 1)) {
    const channel = routes.tiers[tier];
    if (channel) return channel;
  }
  return undefined;
}
