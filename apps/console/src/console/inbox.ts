import type { Db } from '@airlock/db';
import { z } from 'zod';
import type { ApprovalSummary } from '../server/schemas.js';
import { toApprovalSummary } from '../server/views.js';

const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().max(200).optional());

/** The inbox's URL search params: shareable, bookmarkable views of what is waiting. */
export const InboxFilters = z.object({
  sort: z.enum(['newest', 'deadline']).catch('deadline'),
  agent: optional.catch(undefined),
  tool: optional.catch(undefined),
  tier: z.enum(['low', 'medium', 'high', 'critical']).optional().catch(undefined),
  team: optional.catch(undefined),
});
export type InboxFilters = z.infer<typeof InboxFilters>;

export const INBOX_LIMIT = 200;

/** Open approvals matching the filters, in the chosen order; uses the (status, deadline) index. */
export async function inboxApprovals(db: Db, filters: InboxFilters): Promise<ApprovalSummary[]> {
  const rows = await db.prisma.approval.findMany({
    where: {
      status: 'open',
      action: {
        ...(filters.agent ? { agentId: filters.agent } : {}),
        ...(filters.tool ? { tool: filters.tool } : {}),
        ...(filters.tier ? { riskTier: filters.tier } : {}),
        ...(filters.team ? { agent: { team: filters.team } } : {}),
      },
    },
    orderBy: filters.sort === 'newest' ? [{ createdAt: 'desc' }, { id: 'asc' }] : [{ deadline: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
    take: INBOX_LIMIT,
    include: { action: true, decisions: { orderBy: { decidedAt: 'asc' } } },
  });
  return rows.map(toApprovalSummary);
}

/** Choices for the filter menus: agents, their teams, and the tools waiting now. */
export async function inboxFacets(db: Db): Promise<{ agents: string[]; teams: string[]; tools: string[] }> {
  const [agents, tools] = await Promise.all([
    db.prisma.agent.findMany({ select: { id: true, team: true }, orderBy: { id: 'asc' } }),
    db.prisma.action.findMany({ where: { status: 'awaiting_approval' }, distinct: ['tool'], select: { tool: true }, orderBy: { tool: 'asc' } }),
  ]);
  return { agents: agents.map((a) => a.id), teams: [...new Set(agents.map((a) => a.team))].sort(), tools: tools.map((t) => t.tool) };
}
