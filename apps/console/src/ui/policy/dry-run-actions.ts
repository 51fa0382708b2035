'use server';

import { formatZodError } from '@airlock/core';
import { actionUser } from '../auth/guard.js';
import { ApiError } from '../../api/errors.js';
import { dryRunPolicy } from '../../api/policy-dry-run.js';
import { apiContext } from '../../api/runtime-context.js';
import { PolicyDryRunBody, type PolicyDryRunResult } from '../../api/schemas.js';

export type DryRunState = { error?: string; result?: PolicyDryRunResult };

/** Classifies a sample request with the active policy (any role: it records nothing). */
export async function dryRun(_previous: DryRunState, form: FormData): Promise<DryRunState> {
  const guard = await actionUser('viewer');
  if ('refusal' in guard) return { error: guard.refusal };
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  let args: unknown;
  try {
    args = JSON.parse(field('args') ?? '{}');
  } catch {
    return { error: 'The arguments are not valid JSON.' };
  }
  const body = PolicyDryRunBody.safeParse({ tool: field('tool'), args, agentId: field('agentId'), rationale: field('rationale') ?? '', execution: field('execution') });
  if (!body.success) return { error: `Check the form: ${formatZodError(body.error)}` };
  try {
    return { result: await dryRunPolicy(apiContext(), body.data) };
  } catch (error) {
    if (error instanceof ApiError) return { error: error.message };
    throw error;
  }
}
