import { compilePolicy } from '@airlock/policy';

/** A policy that lets small refunds (up to 50.00) run at once and asks for a Slack notice (allow_and_notify). */
export const noticePolicy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - id: noted-refunds
    tools: [payments.refund]
    when: cents(args.amount) <= 5000
    tier: medium
    outcome: allow_and_notify
    reason: small refunds run at once, and finance hears about them
`,
  'slack-notice.yaml',
);
