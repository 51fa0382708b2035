'use server';

import {
  changeBudget,
  changeRole,
  createAgent,
  createBudget,
  deleteBudget,
  disableAgent,
  disableUser,
  linkSlackUser,
  mintKey,
  revokeKey,
  rotateKey,
  runUseCase,
  unlinkSlackUser,
  updateAgent,
  type MintedKey,
} from '@airlock/ops';
import { createUser } from '@airlock/ops/accounts';
import type { Notice } from '../forms/notice.js';
import { formFields, operatorAction } from '../forms/operator-action.js';
import { apiContext } from '../../api/runtime-context.js';

// The admin pages' writes: each is one use case of @airlock/ops, which checks the
// role (auditing a refusal), validates, writes and audits in one transaction.
// Form field names are the use cases' input names, so a refusal names the field as the form labels it.

/** "payments.*, demo.echo" or one per line → ["payments.*", "demo.echo"]; empty = none. */
function toolList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter(Boolean);
}

/** A `datetime-local` value is read as UTC (the form says so); anything else is left for the use case to refuse. */
function utc(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value}Z` : value;
}

function shownOnce(minted: MintedKey, headline: string) {
  return { message: `${headline} Copy the key now: it is shown only once; only its hash is kept.`, secret: { label: `API key ${minted.key.prefix}…`, value: minted.secret } };
}

export async function createAgentAction(_previous: Notice, form: FormData): Promise<Notice> {
  const { allowedTools, ownerId, ...fields } = formFields(form);
  return operatorAction('Create agent', async (operator) => {
    const agent = await runUseCase(apiContext(), operator, createAgent, { ...fields, ...(ownerId && ownerId !== '-' ? { ownerId } : {}), allowedTools: toolList(allowedTools) });
    return `Created agent ${agent.id} (team ${agent.team}). Open it to mint its key.`;
  });
}

export async function updateAgentAction(_previous: Notice, form: FormData): Promise<Notice> {
  const { allowedTools, ownerId, ...fields } = formFields(form);
  return operatorAction('Save', async (operator) => {
    const agent = await runUseCase(apiContext(), operator, updateAgent, {
      ...fields,
      // The owner select's "none" clears the owner; the tools box always replaces the list.
      ownerId: ownerId === undefined || ownerId === '-' ? null : ownerId,
      allowedTools: toolList(allowedTools),
    });
    return `Saved ${agent.id}: team ${agent.team}, owner ${agent.ownerId ?? 'none'}, tools ${agent.allowedTools.join(', ') || 'none'}.`;
  });
}

export async function disableAgentAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Disable', async (operator) => {
    const result = await runUseCase(apiContext(), operator, disableAgent, fields);
    return result.changed ? `Disabled ${result.agentId}; revoked ${result.revokedKeys} key(s).` : `${result.agentId} was already disabled.`;
  });
}

export async function mintKeyAction(_previous: Notice, form: FormData): Promise<Notice> {
  const { expiresAt, ...fields } = formFields(form);
  return operatorAction('Mint key', async (operator) => {
    const minted = await runUseCase(apiContext(), operator, mintKey, { ...fields, ...(expiresAt ? { expiresAt: utc(expiresAt) } : {}) });
    return shownOnce(minted, `Minted key “${minted.key.name}” (${minted.key.prefix}…).`);
  });
}

export async function rotateKeyAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Rotate', async (operator) => {
    const minted = await runUseCase(apiContext(), operator, rotateKey, fields);
    return shownOnce(minted, `Rotated: the old key is revoked; its replacement is ${minted.key.prefix}….`);
  });
}

export async function revokeKeyAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Revoke', async (operator) => {
    const { key, changed } = await runUseCase(apiContext(), operator, revokeKey, fields);
    return changed ? `Revoked ${key.prefix}…: it is refused from the next request on.` : `${key.prefix}… was already revoked.`;
  });
}

export async function createUserAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Add user', async (operator) => {
    const issued = await createUser(apiContext(), operator, fields);
    return {
      message: `Added ${issued.user.email} as ${issued.user.role}. Give them this one-time password: it is shown only once, and they choose their own at the first sign-in.`,
      secret: { label: `One-time password for ${issued.user.email}`, value: issued.oneTimePassword },
    };
  });
}

export async function changeRoleAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Change role', async (operator) => {
    const user = await runUseCase(apiContext(), operator, changeRole, fields);
    return `${user.email} is now ${user.role}.`;
  });
}

export async function disableUserAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Disable', async (operator) => {
    const result = await runUseCase(apiContext(), operator, disableUser, fields);
    return result.changed ? `Disabled ${result.userId}; revoked ${result.revokedKeys} key(s); their sessions have ended.` : `${result.userId} was already disabled.`;
  });
}

export async function createBudgetAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Create budget', async (operator) => {
    const budget = await runUseCase(apiContext(), operator, createBudget, { ...fields, ...(fields.scope === 'tenant' ? { target: fields.target ?? '*' } : {}) });
    return `Created a ${budget.period} budget of ${budget.limit} ${budget.currency} for ${budget.scope} ${budget.target}.`;
  });
}

export async function changeBudgetAction(_previous: Notice, form: FormData): Promise<Notice> {
  const { clearThreshold, ...fields } = formFields(form);
  return operatorAction('Change budget', async (operator) => {
    const budget = await runUseCase(apiContext(), operator, changeBudget, { ...fields, ...(clearThreshold ? { approvalThreshold: null } : {}) });
    return `Budget ${budget.scope} ${budget.target}: limit ${budget.limit} ${budget.currency}, approval above ${budget.approvalThreshold ?? 'nothing (no threshold)'}.`;
  });
}

export async function deleteBudgetAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Delete budget', async (operator) => {
    await runUseCase(apiContext(), operator, deleteBudget, fields);
    return 'Deleted the budget; what it had counted is kept in the audit log.';
  });
}

export async function linkSlackAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Link', async (operator) => {
    const link = await runUseCase(apiContext(), operator, linkSlackUser, fields);
    return `Linked Slack user ${link.slackUserId} to ${link.userId}: their clicks in Slack decide as that user.`;
  });
}

export async function unlinkSlackAction(_previous: Notice, form: FormData): Promise<Notice> {
  const fields = formFields(form);
  return operatorAction('Unlink', async (operator) => {
    const { slackUserId, userId } = await runUseCase(apiContext(), operator, unlinkSlackUser, fields);
    return `Removed the link from ${slackUserId} to ${userId}.`;
  });
}
