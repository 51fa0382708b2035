import { listPolicyRuntimes, type PolicyRuntime } from '@airlock/db';
import type { ApiContext } from '../../api/context.js';
import type { ActivePolicy } from '../../api/policy.js';

export interface WorkerPolicy extends Omit<PolicyRuntime, 'text'> {
  /** Seen within the last minute. */
  live: boolean;
  /** Runs the version this console shows and dry-runs. */
  sameAsConsole: boolean;
}

export interface PolicyRuntimesOverview {
  /** What this console shows and dry-runs. */
  console: ActivePolicy;
  workers: WorkerPolicy[];
  /** Live workers disagree with the console or each other: a reload under way, or different files. */
  mixed: boolean;
}

/** Which policy version each process runs: this console, and every worker that reports to policy_runtimes. */
export async function policyRuntimesOverview(ctx: Pick<ApiContext, 'db' | 'policy'>): Promise<PolicyRuntimesOverview> {
  const [active, runtimes] = await Promise.all([ctx.policy.read(), listPolicyRuntimes(ctx.db)]);
  const workers = runtimes.map(({ text: _text, ...r }) => ({ ...r, sameAsConsole: r.version === active.policy.version }));
  return { console: active, workers, mixed: workers.some((w) => w.live && !w.sameAsConsole) };
}
