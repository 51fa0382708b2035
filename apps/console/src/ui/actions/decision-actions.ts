'use server';

import { refresh } from 'next/cache';
import { actionUser } from '../auth/guard.js';
import { deciderUser } from './decider-guard.js';
import { failed, type Notice } from '../forms/notice.js';
import { consoleDecision } from './decision.js';
import { editCheck } from './edit-check.js';
import { consoleApproveAndRemember } from './remember.js';

// Server actions are public POST endpoints: each one checks origin and session on its own, and the role (the
// decisions: their use case, which audits a refusal; the live edit check, which writes nothing: here).

export async function decide(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await deciderUser();
  if ('refusal' in guard) return failed(guard.refusal);
  const notice = await consoleDecision(guard.user, Object.fromEntries(form));
  // A refusal too: it mostly means the page was stale (another approver, the deadline, a cancellation, an edit's new round).
  refresh();
  return notice;
}

/** Approves and grants a standing approval scoped from this action, through the one use case. */
export async function approveAndRemember(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await deciderUser();
  if ('refusal' in guard) return failed(guard.refusal);
  const notice = await consoleApproveAndRemember(guard.user, Object.fromEntries(form));
  // As for a decision: a refusal shows the page as it is now.
  refresh();
  return notice;
}

/** Live check of an approver's edit against the tool's schema, before they submit it. */
export async function checkEditedArgs(actionId: string, text: string): Promise<Notice> {
  const guard = await actionUser('approver');
  if ('refusal' in guard) return failed(guard.refusal);
  return editCheck(actionId, text);
}
