import type { Client } from '@temporalio/client';
import type { PolicySource } from '@airlock/activities';
import type { Db } from '@airlock/db';
import { sequentialInterleaved } from '../measure.js';
import { summarize, type Summary } from '../stats.js';
import type { Run } from '../workloads.js';
import { meanPhases, type Phases } from './history.js';
import type { QueryCounter, QueryStats } from './query-counter.js';
import { perCall, timeSteps, type StepCost } from './steps.js';

export type ProfileVariant = 'bare' | 'stub' | 'guarded';

export interface ProfileReport {
  runs: number;
  e2e: Record<ProfileVariant, Summary>;
  phases: Record<ProfileVariant, Phases>;
  /** Queries per guarded run, as counted on the worker's pool. */
  queriesPerRun: QueryStats;
  steps: StepCost[];
}

/**
 * Where a guarded run's time goes: bare vs the real workflow with stub
 * activities vs the full guarded path (sequential, interleaved), split by
 * history phase, plus queries per run and each step's cost called directly.
 */
export async function runProfile(client: Client, db: Db, policy: PolicySource, counter: QueryCounter, variants: Record<ProfileVariant, Run>, runs: number): Promise<ProfileReport> {
  await sequentialInterleaved(variants, 5, 0);
  counter.take();
  counter.enabled = true;
  const seq = await sequentialInterleaved(variants, runs, 0);
  counter.enabled = false;
  const queriesPerRun = perCall(counter.take(), runs);
  const keys = Object.keys(variants) as ProfileVariant[];
  const e2e = Object.fromEntries(keys.map((k) => [k, summarize(seq[k].map((t) => t.ms))])) as Record<ProfileVariant, Summary>;
  const phases = Object.fromEntries(
    await Promise.all(
      keys.map(
        async (k) =>
          [
            k,
            await meanPhases(
              client,
              seq[k].map((t) => t.workflowId),
            ),
          ] as const,
      ),
    ),
  ) as Record<ProfileVariant, Phases>;
  const steps = await timeSteps(db, policy, counter, runs);
  return { runs, e2e, phases, queriesPerRun, steps };
}
