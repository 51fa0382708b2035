import { readFile } from 'node:fs/promises';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';

// The candidate the backtest and shadow tests (and the console's) compare with the default policy.

/** The default policy with known differences, one of them a rule over a field the record redacts. */
export async function candidatePolicy(): Promise<string> {
  const text = await readFile(DEFAULT_POLICY_FILE, 'utf8');
  const replaced = text
    // small refunds: up to 10.00 instead of 50.00 (20.00 newly needs an approver)
    .replace('when: cents(args.amount) <= 5000', 'when: cents(args.amount) <= 1000')
    .replace('when: cents(args.amount) > 5000\n    tier: high', 'when: cents(args.amount) > 1000\n    tier: medium')
    // over 1000.00: denied instead of two approvers
    .replace(
      'tier: critical\n    outcome: require_approval\n    reason: refunds over 1000.00 need two approvers\n    approval:\n      quorum: 2\n      deadline: 4h',
      'tier: critical\n    outcome: deny\n    reason: refunds over 1000.00 are not for agents',
    )
    // echo: a person looks when the message holds an e-mail address (the stored message is redacted)
    .replace(
      '  - id: echo\n    tools: [demo.echo]\n    tier: low',
      '  - id: echo-contacts\n    tools: [demo.echo]\n    when: args.message.contains("@")\n    tier: medium\n    outcome: require_approval\n    reason: messages with addresses are reviewed\n  - id: echo\n    tools: [demo.echo]\n    tier: low',
    );
  if (replaced === text) throw new Error('the default policy changed: the candidate no longer differs');
  return replaced;
}
