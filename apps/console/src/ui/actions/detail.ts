import type { ActionStatusView } from '@airlock/core';
import { getActionStatus } from '@airlock/core/gateway';
import { approverStandingNow, type AuditEvent } from '@airlock/db';
import { personLabel } from '@airlock/ops';
import { findActionRow } from '../../api/action-lookup.js';
import type { ApiContext } from '../../api/context.js';
import type { ActionRow, ApprovalRow } from '../../api/views.js';
import { deciderNow, eligibleApprovers, type DeciderNow } from './decider-standing.js';

// The workflow answers queries only through a worker; the page must not hang when none runs.
const LIVE_QUERY_TIMEOUT_MS = 2_000;
const TIMELINE_LIMIT = 500;

export interface ActionDetail {
  row: ActionRow;
  /** The workflow's live view (plan steps, budget impacts); null when finished or no worker answered. */
  live: ActionStatusView | null;
  timeline: AuditEvent[];
  /** The rounds before the latest (`row.approvals[0]`), newest first: an edit or a re-classification opened a later one. */
  earlierRounds: ApprovalRow[];
  /** Who decided, in any round, as people know them ("Dana Lee (dana@example.com)"), by user id. */
  deciders: ReadonlyMap<string, string>;
  /** The latest round's eligible approvers as the workflow fixed them; null when no record of them was found. */
  eligible: string[] | null;
  /** The requesting agent's owner: never an approver of its requests. */
  ownerId: string | null;
  /** The viewer's standing in the latest round now, when it is open and a viewer was named: a right lost since it opened is refused. */
  standingNow: DeciderNow | null;
  /** The action's last audit row as of before anything else was read: every row up to it has its effect in `row`. */
  shownSeq: string | null;
}

export async function actionDetail(ctx: ApiContext, actionId: string, viewerId?: string): Promise<ActionDetail | null> {
  // Read before the row: a transition commits its state and its audit row together, so the row read
  // after this includes the effect of every row up to it. The timeline's own last row would not do:
  // a commit between the row read and the timeline read would name a row whose effect the page does
  // not show, and the live refresh would then ignore the signal for it.
  const shown = await ctx.db.prisma.auditEvent.findFirst({ where: { actionId }, orderBy: { seq: 'desc' }, select: { seq: true } });
  const row = await findActionRow(ctx.db, actionId);
  if (!row) return null;
  const latest = row.approvals[0];
  const latestRound = latest?.round ?? 1;
  const [live, timeline, { earlierRounds, deciders }, eligible, agent, standing] = await Promise.all([
    liveStatus(ctx, row),
    // The (action_id, seq) index serves this directly.
    ctx.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' }, take: TIMELINE_LIMIT }),
    earlierRoundsAndDeciders(ctx, row, latestRound),
    eligibleApprovers(ctx.db, [actionId]),
    ctx.db.prisma.agent.findUnique({ where: { id: row.agentId }, select: { ownerId: true } }),
    viewerId && latest?.status === 'open' ? approverStandingNow(ctx.db, actionId, [viewerId], latest.id) : undefined,
  ]);
  return {
    row,
    live,
    timeline,
    earlierRounds,
    deciders,
    eligible: (latest && eligible.get(latest.id)) ?? null,
    ownerId: agent?.ownerId ?? null,
    standingNow: deciderNow(standing?.people[0]),
    shownSeq: shown?.seq.toString() ?? null,
  };
}

/** The rounds before `latestRound`, and everyone who decided in any round by the name people know them by. */
async function earlierRoundsAndDeciders(ctx: ApiContext, row: ActionRow, latestRound: number) {
  const earlierRounds =
    latestRound > 1
      ? await ctx.db.prisma.approval.findMany({
          where: { actionId: row.id, round: { lt: latestRound } },
          orderBy: { round: 'desc' },
          include: { decisions: { orderBy: { decidedAt: 'asc' } } },
        })
      : [];
  const deciderIds = [...new Set([...row.approvals, ...earlierRounds].flatMap((a) => a.decisions.map((d) => d.userId)))];
  const users = await ctx.db.prisma.user.findMany({ where: { id: { in: deciderIds } }, select: { id: true, name: true, email: true } });
  const byId = new Map(users.map((u) => [u.id, u]));
  return { earlierRounds, deciders: new Map(deciderIds.map((id) => [id, personLabel(id, byId.get(id))])) };
}

async function liveStatus(ctx: ApiContext, row: ActionRow): Promise<ActionStatusView | null> {
  try {
    return await ctx.temporal.withDeadline(Date.now() + LIVE_QUERY_TIMEOUT_MS, () => getActionStatus(ctx.temporal, row.id));
  } catch {
    // Closed workflows may be gone from Temporal's retention; the row and the audit log still tell the story.
    return null;
  }
}
