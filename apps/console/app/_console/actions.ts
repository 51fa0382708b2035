'use server';

import { roleAtLeast } from '@airlock/core';
import { DecisionRejectedError } from '@airlock/core/gateway';
import { WorkflowNotFoundError } from '@temporalio/client';
import { refresh } from 'next/cache';
import { ConsoleDecisionForm } from '../../src/console/decision-form.js';
import { failed, ok, type Notice } from '../../src/console/notice.js';
import { endSession, signedInUser, startSession } from '../../src/console/session.js';
import { principalForKey } from '../../src/server/auth.js';
import { decideWithin } from '../../src/server/decide.js';
import { ApiError } from '../../src/server/errors.js';
import { apiContext } from '../../src/server/runtime-context.js';

// Server actions are public POST endpoints: each one authenticates and validates on its own.

export async function signIn(_previous: Notice, form: FormData): Promise<Notice> {
  const raw = form.get('apiKey');
  const key = typeof raw === 'string' ? raw.trim() : '';
  if (!key) return failed('Paste your API key to sign in.');
  const principal = await principalForKey(apiContext().db, key);
  if (!principal) return failed('That key is unknown or has been revoked.');
  if (principal.kind !== 'user') return failed('That is an agent’s key. Sign in with your own user key.');
  await startSession(key);
  return ok(`Signed in as ${principal.name}.`);
}

export async function signOut(): Promise<void> {
  await endSession();
}

export async function decide(_previous: Notice, form: FormData): Promise<Notice> {
  const user = await signedInUser();
  if (!user) return failed('Your session has ended. Sign in again.');
  if (!roleAtLeast(user.role, 'approver')) return failed(`Your role (${user.role}) may view approvals but not decide them.`);
  const parsed = ConsoleDecisionForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) return failed(`The form was incomplete: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { actionId, decision, argsHash, comment } = parsed.data;
  // Feedback is guidance for the model after a denial; with an approval it would go nowhere.
  const feedback = decision === 'deny' ? parsed.data.feedback : undefined;
  try {
    const result = await decideWithin(apiContext().temporal, actionId, { approverId: user.userId, channel: 'console', decision, argsHash, comment, feedback });
    refresh();
    if (decision === 'deny') return ok('Denied. The agent receives your reason and feedback.');
    return ok(
      result.approvalStatus === 'approved'
        ? `Approved (${result.approvalsSoFar} of ${result.requiredApprovals}). The action runs now.`
        : `Approval recorded (${result.approvalsSoFar} of ${result.requiredApprovals}); waiting for more approvers.`,
    );
  } catch (error) {
    if (error instanceof DecisionRejectedError) return failed(`Not recorded: ${error.message}.`);
    if (error instanceof WorkflowNotFoundError) return failed('Not recorded: that action no longer exists.');
    if (error instanceof ApiError) return failed(`Not confirmed: ${error.message}.`);
    console.error('[airlock/console] decision failed', error);
    return failed('Not recorded: something went wrong on the server. Try again; the details are in the server log.');
  }
}
