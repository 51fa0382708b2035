import { f1, f2, table } from '../table.js';
import type { PolicyBenchResults } from './index.js';

const k = (n: number) => `${(n / 1000).toFixed(1)}k`;

export function formatPolicyBench(r: PolicyBenchResults): string {
  const rows = r.perRequest.map((p) => [
    p.name,
    p.decision,
    String(p.conditionsRun),
    k(p.evalsPerSecond),
    f2(p.usPerEval),
    f2(p.celUsPerEval),
    `${f1((100 * p.celUsPerEval) / p.usPerEval)} %`,
  ]);
  return [
    `## Policy evaluations (${r.rules} rules of the default policy, compiled in ${f1(r.compileMs)} ms)`,
    '',
    `mixed (all requests in turn): ${k(r.mixed.evalsPerSecond)} evaluations/s, ${f2(r.mixed.usPerEval)} µs each (one thread)`,
    '',
    table(['request', 'decision', 'CEL conditions run', 'evals/s', 'µs/eval', 'µs in CEL', 'CEL share'], rows),
    '',
    `building an agent's allowed-tools matcher (once per distinct list; evaluations reuse it): ${f2(r.allowedToolsMatcherUs)} µs`,
  ].join('\n');
}
