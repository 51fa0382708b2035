'use server';

import { backtestPolicy, clearShadowPolicy, OpsError, runUseCase, setShadowPolicy, type BacktestReport } from '@airlock/ops';
import { actionUser } from '../auth/guard.js';
import type { Notice } from '../forms/notice.js';
import { operatorAction } from '../forms/operator-action.js';
import { ApiError } from '../../api/errors.js';
import { apiContext } from '../../api/runtime-context.js';

// The same use cases the REST handlers and the CLI call (@airlock/ops).

export type BacktestState = { error?: string; report?: BacktestReport };

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

/** Backtests a candidate against the live policy over the recorded actions (any role: it records nothing). */
export async function runBacktest(_previous: BacktestState, form: FormData): Promise<BacktestState> {
  const guard = await actionUser('viewer');
  if ('refusal' in guard) return { error: guard.refusal };
  try {
    const ctx = apiContext();
    const { policy } = await ctx.policy.read();
    const report = await backtestPolicy(ctx.db, policy, { candidate: text(form, 'candidate'), source: text(form, 'source') || 'candidate.yaml', since: text(form, 'since') });
    return { report };
  } catch (error) {
    if (error instanceof OpsError || error instanceof ApiError) return { error: `Not backtested: ${error.message}` };
    throw error;
  }
}

export async function setShadowAction(_previous: Notice, form: FormData): Promise<Notice> {
  return operatorAction('Shadow', async (operator) => {
    const set = await runUseCase(apiContext(), operator, setShadowPolicy, { policy: text(form, 'policy'), source: text(form, 'source') || 'candidate.yaml' });
    return `Version ${set.version.slice(0, 12)} is in shadow: workers evaluate it beside the live policy and record only differences.`;
  });
}

export async function clearShadowAction(_previous: Notice): Promise<Notice> {
  return operatorAction('Clear', async (operator) => {
    const { cleared } = await runUseCase(apiContext(), operator, clearShadowPolicy, {});
    return cleared ? `Shadow policy ${cleared.slice(0, 12)} cleared; its differences stay below.` : 'No shadow policy was set.';
  });
}
