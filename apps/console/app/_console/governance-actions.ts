'use server';

import { suspendAndCancel, resumeScope } from '@airlock/ops';
import { refresh } from 'next/cache';
import { z } from 'zod';
import { actionUser } from '../../src/console/guard.js';
import { failed, ok, type Notice } from '../../src/console/notice.js';
import { ApiError } from '../../src/server/errors.js';
import { apiContext } from '../../src/server/runtime-context.js';
import { revokeGrant } from '../../src/server/standing-approval-revocation.js';

// The same server functions the REST handlers call; each action checks origin, session and role itself.

const StopForm = z.object({ agentId: z.string().min(1).max(200), reason: z.string().trim().min(3, 'say why, in a few words').max(500), confirm: z.string() });

export async function stopAgent(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await actionUser('admin');
  if ('refusal' in guard) return failed(guard.refusal);
  const parsed = StopForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) return failed(`Not stopped: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { agentId, reason, confirm } = parsed.data;
  // Typing the id is the confirmation: a kill switch cancels everything the agent has in flight.
  if (confirm.trim() !== agentId) return failed(`Not stopped: type the agent id “${agentId}” to confirm.`);
  const ctx = apiContext();
  if (!(await ctx.db.prisma.agent.findUnique({ where: { id: agentId }, select: { id: true } }))) return failed(`Not stopped: no agent “${agentId}”.`);
  const result = await suspendAndCancel({ db: ctx.db, temporal: ctx.temporal }, { scope: 'agent', target: agentId, reason, by: guard.user.userId });
  refresh();
  return ok(`Stopped ${agentId}: new requests are refused; ${result.cancelledActions.length} action(s) in flight were asked to cancel.`);
}

export async function resumeAgent(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await actionUser('admin');
  if ('refusal' in guard) return failed(guard.refusal);
  const agentId = form.get('agentId');
  if (typeof agentId !== 'string' || !agentId) return failed('Not resumed: the form named no agent.');
  const result = await resumeScope({ db: apiContext().db }, { scope: 'agent', target: agentId, by: guard.user.userId });
  refresh();
  return ok(result.wasActive ? `Resumed ${agentId}.` : `${agentId} had no agent kill switch in force (a team or tenant switch may still stop it).`);
}

export async function revokeStandingGrant(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await actionUser('approver');
  if ('refusal' in guard) return failed(guard.refusal);
  const grantId = form.get('grantId');
  if (typeof grantId !== 'string' || !grantId) return failed('Not revoked: the form named no grant.');
  try {
    const { wasActive } = await revokeGrant(apiContext().db, grantId, guard.user.userId);
    refresh();
    return ok(wasActive ? 'Revoked: the grant no longer approves anything.' : 'That grant was already inactive.');
  } catch (error) {
    if (error instanceof ApiError) return failed(`Not revoked: ${error.message}.`);
    throw error;
  }
}
