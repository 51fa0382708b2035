import { compilePolicy, type CompiledPolicy } from '@airlock/policy';

/**
 * Refunds that need a person quickly: high tier, escalated to admins (`role:admin`,
 * level 1) after 1 s, expired after 4 s with no decision. `source` names the
 * policy in errors and audit rows.
 */
export function escalatingDeadlinePolicy(source: string): CompiledPolicy {
  return compilePolicy(
    `apiVersion: airlock/v1
rules:
  - id: quick-refunds
    tools: [payments.refund]
    tier: high
    outcome: require_approval
    reason: refunds need a person, quickly
    approval: { deadline: 4s, escalation: [{ after: 1s, to: "role:admin" }] }
`,
    source,
  );
}
