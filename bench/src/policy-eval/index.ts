import { performance } from 'node:perf_hooks';
import { evaluatePolicy, toolMatcher, type CompiledPolicy, type PolicyContext } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { median } from '../stats.js';
import { REPRESENTATIVE_REQUESTS, type NamedRequest } from './requests.js';

export interface PolicyRequestFigures {
  name: string;
  decision: string;
  /** Rules whose tool globs match, so whose CEL condition runs. */
  conditionsRun: number;
  evalsPerSecond: number;
  usPerEval: number;
  /** Of that, the CEL conditions alone. */
  celUsPerEval: number;
}

export interface PolicyBenchResults {
  policyFile: string;
  rules: number;
  compileMs: number;
  /** All representative requests in turn. */
  mixed: { evalsPerSecond: number; usPerEval: number };
  perRequest: PolicyRequestFigures[];
  /** Building an agent's allowed-tools matcher: evaluatePolicy does it once per distinct list and keeps it. */
  allowedToolsMatcherUs: number;
}

const BLOCK = 1_000;

/** Median rate over blocks of `fn` calls, after a warm-up that lets V8 optimise. */
function rate(total: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(BLOCK, total); i++) fn(i);
  const rates: number[] = [];
  for (let done = 0; done < total; done += BLOCK) {
    const start = performance.now();
    for (let i = 0; i < BLOCK; i++) fn(done + i);
    rates.push(BLOCK / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

function context(input: NamedRequest['input']): PolicyContext {
  return {
    tool: input.tool,
    args: input.args,
    agent: { id: input.agent.id, team: input.agent.team, owner: input.agent.owner },
    rationale: input.rationale,
    result: input.signals ?? {},
  };
}

/** Policy evaluations per second on the shipped default policy: mixed, per request, and the CEL share. */
export function runPolicyBench(evals: number, log: (line: string) => void): PolicyBenchResults {
  const compileStart = performance.now();
  const policy: CompiledPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
  const compileMs = performance.now() - compileStart;
  const requests = REPRESENTATIVE_REQUESTS;
  let sink = 0;

  log(`policy: ${evals} evaluations mixed, then ${Math.round(evals / requests.length)} per request`);
  const mixedRate = rate(evals, (i) => {
    sink += evaluatePolicy(policy, requests[i % requests.length]!.input).reasons.length;
  });
  const perRequest = requests.map(({ name, input }): PolicyRequestFigures => {
    const n = Math.max(20 * BLOCK, Math.round(evals / requests.length));
    const evalsPerSecond = rate(n, () => {
      sink += evaluatePolicy(policy, input).reasons.length;
    });
    const rules = input.toolKnown ? policy.rules.filter((r) => r.matchesTool(input.tool)) : [];
    const ctx = context(input);
    const celPerSecond =
      rules.length === 0
        ? Number.POSITIVE_INFINITY
        : rate(n, () => {
            for (const rule of rules) {
              try {
                sink += rule.condition(ctx) ? 1 : 0;
              } catch {
                sink += 2;
              }
            }
          });
    return {
      name,
      decision: evaluatePolicy(policy, input).decision,
      conditionsRun: rules.length,
      evalsPerSecond,
      usPerEval: 1e6 / evalsPerSecond,
      celUsPerEval: 1e6 / celPerSecond,
    };
  });
  const allowed = requests[0]!.input.agent.allowedTools;
  const matcherRate = rate(evals, () => {
    sink += toolMatcher(allowed)('payments.refund') ? 1 : 0;
  });
  if (sink === 0) log('(nothing evaluated)');
  return {
    policyFile: DEFAULT_POLICY_FILE,
    rules: policy.rules.length,
    compileMs,
    mixed: { evalsPerSecond: mixedRate, usPerEval: 1e6 / mixedRate },
    perRequest,
    allowedToolsMatcherUs: 1e6 / matcherRate,
  };
}
