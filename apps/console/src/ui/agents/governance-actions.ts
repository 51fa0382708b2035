'use server';

import { resumeScope, revokeStandingApproval, runUseCase, suspendAndCancel } from '@airlock/ops';
import { z } from 'zod';
import { failed, type Notice } from '../forms/notice.js';
import { operatorAction } from '../forms/operator-action.js';
import { apiContext } from '../../api/runtime-context.js';

// The same use cases the REST handlers and the CLI call; each checks the role and audits.

const StopForm = z.object({ agentId: z.string().min(1).max(200), reason: z.string().trim().min(3, 'say why, in a few words').max(500), confirm: z.string() });

export async function stopAgent(_previous: Notice, form: FormData): Promise<Notice> {
  const parsed = StopForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) return failed(`Not stopped: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { agentId, reason, confirm } = parsed.data;
  // Typing the id is the confirmation: a kill switch cancels everything the agent has in flight.
  if (confirm.trim() !== agentId) return failed(`Not stopped: type the agent id “${agentId}” to confirm.`);
  return operatorAction('Stop', async (operator) => {
    const result = await suspendAndCancel(apiContext(), operator, { scope: 'agent', target: agentId, reason });
    return `Stopped ${agentId}: new requests are refused; ${result.cancelledActions.length} action(s) in flight were asked to cancel.`;
  });
}

export async function resumeAgent(_previous: Notice, form: FormData): Promise<Notice> {
  const agentId = form.get('agentId');
  if (typeof agentId !== 'string' || !agentId) return failed('Not resumed: the form named no agent.');
  return operatorAction('Resume', async (operator) => {
    const result = await runUseCase(apiContext(), operator, resumeScope, { scope: 'agent', target: agentId });
    return result.wasActive ? `Resumed ${agentId}.` : `${agentId} had no agent kill switch in force (a team or tenant switch may still stop it).`;
  });
}

export async function revokeStandingGrant(_previous: Notice, form: FormData): Promise<Notice> {
  const grantId = form.get('grantId');
  if (typeof grantId !== 'string' || !grantId) return failed('Not revoked: the form named no grant.');
  return operatorAction('Revoke', async (operator) => {
    const { wasActive } = await runUseCase(apiContext(), operator, revokeStandingApproval, { id: grantId });
    return wasActive ? 'Revoked: the grant no longer approves anything.' : 'That grant was already inactive.';
  });
}
