import { randomUUID } from 'node:crypto';
import { ToolArgs } from '@airlock/core';
import { appendAudit } from '@airlock/db';
import { z } from 'zod';
import type { ApiContext } from './context.js';
import { notFound } from './errors.js';
import type { RawArgsView } from './schemas.js';
import { readStartInput } from './workflow-input.js';

// The part of GuardedActionInput a reveal needs; anything else in the input is not shown.
const StartedWith = z.object({ request: z.object({ args: ToolArgs }) });

/**
 * An admin's look at the arguments exactly as the agent sent them (the database
 * holds them redacted; only the workflow's start input has them). The audit row
 * is written first: if it cannot be written, nothing is revealed. Callers check the role.
 */
export async function revealRawArgs(ctx: ApiContext, actionId: string, by: { userId: string; channel: 'console' | 'api' }): Promise<RawArgsView> {
  const row = await ctx.db.prisma.action.findUnique({ where: { id: actionId }, select: { workflowId: true } });
  if (!row) throw notFound();
  const [event] = await appendAudit(ctx.db, {
    eventKey: `${actionId}:args_revealed:${randomUUID()}`,
    actionId,
    type: 'action.args_revealed',
    actor: `user:${by.userId}`,
    payload: { channel: by.channel },
  });
  if (!event) throw new Error('the audit log returned no row for the reveal');
  const [input] = await readStartInput(ctx.temporal, row.workflowId);
  const started = StartedWith.safeParse(input);
  if (!started.success) throw new Error(`action ${actionId}: the workflow's start input has no request arguments`);
  return { actionId, args: started.data.request.args, revealedAt: event.createdAt.toISOString(), auditSeq: event.seq.toString() };
}
