import { readFileSync } from 'node:fs';
import type { PolicySource } from '@airlock/activities';
import { compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { HIGH_TOOL } from './high-tool.js';

const BENCH_RULE = `  - id: bench-high
    tools: [${HIGH_TOOL}]
    tier: high
    outcome: require_approval
    reason: benchmark tool that always needs one approver
`;

/** The shipped default policy, unchanged, plus one rule: the benchmark's tool is tier high, one approver. */
export function benchPolicy(): PolicySource {
  const text = readFileSync(DEFAULT_POLICY_FILE, 'utf8');
  if (!/^rules:\s*$/m.test(text)) throw new Error(`${DEFAULT_POLICY_FILE} has no top-level "rules:" list to add the benchmark rule to`);
  const policy: CompiledPolicy = compilePolicy(text.replace(/^rules:\s*$/m, `rules:\n${BENCH_RULE}`), `${DEFAULT_POLICY_FILE} + bench rule`);
  return { current: () => policy };
}
