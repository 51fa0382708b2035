import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compilePolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';

/** The refund reason that marks an action the soak's humans never decide. */
export const TIMEOUT_REASON = 'soak-timeout';

/**
 * The shipped default policy plus one rule: refunds marked to time out need an
 * approver within a short deadline (then deny), so timeouts happen during the
 * run rather than after the default hour. Critical tier, so it wins over the
 * default `refunds` rule (same outcome; the most restrictive tier wins).
 */
export async function writeSoakPolicy(dir: string, timeoutDeadlineMs: number): Promise<string> {
  const text = readFileSync(DEFAULT_POLICY_FILE, 'utf8');
  if (!/^rules:\s*$/m.test(text)) throw new Error(`${DEFAULT_POLICY_FILE} has no top-level "rules:" list to add the soak rule to`);
  const rule = [
    '  - id: soak-timeout',
    '    tools: [payments.refund]',
    `    when: args.reason == "${TIMEOUT_REASON}"`,
    '    tier: critical',
    '    outcome: require_approval',
    '    reason: the soak leaves these refunds to time out',
    `    approval: { quorum: 1, deadline: ${Math.max(1, Math.round(timeoutDeadlineMs / 1000))}s, timeout: deny }`,
    '',
  ].join('\n');
  const policy = text.replace(/^rules:\s*$/m, `rules:\n${rule}`);
  const file = path.join(dir, 'soak-policy.yaml');
  // Compiled here first: a broken policy must fail the soak at once, not every worker.
  compilePolicy(policy, file);
  await writeFile(file, policy);
  return file;
}
