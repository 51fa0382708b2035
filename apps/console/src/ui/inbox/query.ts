import { approverStandingNowByAction, type Db, type RoundStandingNow } from '@airlock/db';
import { z } from 'zod';
import type { ApprovalSummary } from '../../api/schemas.js';
import { toApprovalSummary } from '../../api/views.js';
import { argsPreview, type ArgsPreview } from './args-preview.js';
import { deciderNow, eligibleApprovers, type DeciderNow } from '../actions/decider-standing.js';

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

/**
 * What an inbox row shows and decides with. The page hands these to a client
 * component, so every field is serialized into the page for each of up to 200
 * rows: the arguments travel as a bounded preview (what an approve click lets
 * run), while budget impact and decision records (shown on the action page)
 * stay out, which also keeps a large argument from bloating the inbox.
 */
export type InboxItem = Pick<
  ApprovalSummary,
  'approvalId' | 'actionId' | 'argsHash' | 'agentId' | 'tool' | 'tier' | 'reasons' | 'rationale' | 'requestedBy' | 'deadline' | 'quorum' | 'escalationLevel'
> & {
  args: ArgsPreview;
  /** Who has decided in this round so far: a person sees that they already did. */
  decidedBy: string[];
  /** What the round asks of its approvers, and who they are as the workflow fixed them (null: no record found). */
  approverRole: ApprovalSummary['approverRole'];
  approverGroup: string | null;
  eligible: string[] | null;
  /** The requesting agent's owner, who never decides its requests. */
  ownerId: string | null;
  /** The viewer's standing in this round now (a right lost since it opened is refused); null when not read. */
  standingNow: DeciderNow | null;
};

function toInboxItem(
  a: ApprovalSummary,
  eligible: ReadonlyMap<string, string[]>,
  owners: ReadonlyMap<string, string | null>,
  standings: ReadonlyMap<string, RoundStandingNow>,
): InboxItem {
  const round = standings.get(a.actionId);
  const person = round?.approvalId === a.approvalId ? round.people[0] : undefined;
  return {
    approvalId: a.approvalId,
    actionId: a.actionId,
    argsHash: a.argsHash,
    args: argsPreview(a.args),
    agentId: a.agentId,
    tool: a.tool,
    tier: a.tier,
    reasons: a.reasons,
    rationale: a.rationale,
    requestedBy: a.requestedBy,
    deadline: a.deadline,
    quorum: a.quorum,
    escalationLevel: a.escalationLevel,
    decidedBy: a.decisions.map((d) => d.approverId),
    approverRole: a.approverRole,
    approverGroup: a.approverGroup ?? null,
    eligible: eligible.get(a.approvalId) ?? null,
    ownerId: owners.get(a.agentId) ?? null,
    standingNow: deciderNow(person),
  };
}

/**
 * Open approvals matching the filters, in the chosen order. The action of an
 * open round is awaiting approval (admission, or openApproval for a later round, sets both); saying so lets
 * PostgreSQL start a filtered inbox from the actions waiting now, through the
 * actions (status, …) indexes, instead of scanning every action ever made
 * (bench/CONSOLE.md). Unfiltered, the (status, deadline) index serves the order.
 * With `viewerId`, each row also carries that person's standing now, read for the whole page at once.
 */
export async function inboxApprovals(db: Db, filters: InboxFilters, viewerId?: string): Promise<InboxItem[]> {
  const rows = await db.prisma.approval.findMany({
    where: {
      status: 'open',
      action: {
        status: 'awaiting_approval',
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
  const actionIds = rows.map((r) => r.actionId);
  const [eligible, agents, standings] = await Promise.all([
    eligibleApprovers(db, actionIds),
    db.prisma.agent.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.action.agentId))] } }, select: { id: true, ownerId: true } }),
    viewerId ? approverStandingNowByAction(db, actionIds, [viewerId]) : new Map<string, RoundStandingNow>(),
  ]);
  const owners = new Map(agents.map((a) => [a.id, a.ownerId]));
  return rows.map((row) => toInboxItem(toApprovalSummary(row), eligible, owners, standings));
}

/**
 * Choices for the filter menus: agents, their teams, and the tools waiting now.
 * The tools are grouped in SQL (the (status, tool) index answers it); Prisma's
 * `distinct` would fetch every waiting action, 10,000 rows at scale, to dedupe in JS.
 */
export async function inboxFacets(db: Db): Promise<{ agents: string[]; teams: string[]; tools: string[] }> {
  const [agents, tools] = await Promise.all([
    db.prisma.agent.findMany({ select: { id: true, team: true }, orderBy: { id: 'asc' } }),
    db.prisma.action.groupBy({ by: ['tool'], where: { status: 'awaiting_approval' }, orderBy: { tool: 'asc' } }),
  ]);
  return { agents: agents.map((a) => a.id), teams: [...new Set(agents.map((a) => a.team))].sort(), tools: tools.map((t) => t.tool) };
}
