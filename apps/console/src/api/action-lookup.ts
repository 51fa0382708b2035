import { actionHandle, getActionStatus } from '@airlock/core/gateway';
import type { Action, Db } from '@airlock/db';
import { canSeeAction, type Principal } from './auth.js';
import type { ApiContext } from './context.js';
import { notFound } from './errors.js';
import { ActionId, type ActionView } from './schemas.js';
import type { ActionRow } from './views.js';

// A query needs a worker to answer; with none polling it would hang, so live detail gets a short deadline.
const LIVE_QUERY_TIMEOUT_MS = 2_000;

const IN_FLIGHT: ReadonlySet<Action['status']> = new Set(['requested', 'awaiting_approval', 'running']);

/** A malformed id cannot name an action: 404 without asking the database or Temporal. */
export function actionIdFrom(raw: string): string {
  const parsed = ActionId.safeParse(raw);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

export function findActionRow(db: Db, actionId: string): Promise<ActionRow | null> {
  return db.prisma.action.findUnique({
    where: { id: actionId },
    include: { approvals: { orderBy: { round: 'desc' }, take: 1, include: { decisions: { orderBy: { decidedAt: 'asc' } } } } },
  });
}

/** The workflow's phase while the action is in flight; null when done or when no worker answered in time. */
export async function liveWorkflow(ctx: ApiContext, row: ActionRow): Promise<ActionView['workflow']> {
  if (!IN_FLIGHT.has(row.status)) return null;
  try {
    const status = await ctx.temporal.withDeadline(Date.now() + LIVE_QUERY_TIMEOUT_MS, () => getActionStatus(ctx.temporal, row.id));
    return { phase: status.phase };
  } catch {
    // The row is authoritative; a slow or absent worker only costs the live detail.
    return null;
  }
}

/**
 * 404 unless the caller may see the action. Before admission there is no row yet:
 * the workflow's memo (written at start) names the agent, so ownership holds then too
 * (`describe` is answered by the Temporal server itself, so with no worker running as well).
 */
export async function assertCanSee(ctx: ApiContext, principal: Principal, actionId: string): Promise<void> {
  const row = await ctx.db.prisma.action.findUnique({ where: { id: actionId }, select: { agentId: true } });
  if (row) {
    if (!canSeeAction(principal, row.agentId)) throw notFound();
    return;
  }
  const { memo } = await actionHandle(ctx.temporal, actionId).describe();
  const agentId = typeof memo?.agentId === 'string' ? memo.agentId : '';
  if (!canSeeAction(principal, agentId)) throw notFound();
}
