import { openApiDocument, schemas } from '@airlock/console';
import { denyWith, evaluatePolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { describe, expect, it } from 'vitest';

// Issue #11 item 11 (the Slack viewer refusal is in src/slack/slack.test.ts, through the real Bolt receiver).

describe('a denial added to an allowed classification', () => {
  const policy = loadPolicyFile(DEFAULT_POLICY_FILE);
  const agent = { id: 'billing-bot', team: 'billing', owner: 'owner', allowedTools: ['*'] };
  const allowed = evaluatePolicy(policy, { tool: 'payments.refund', toolKnown: true, args: { amount: '40.00' }, agent, rationale: '' });

  it('leads with the denial’s reason, not the allow rule’s text', () => {
    expect(allowed).toMatchObject({ decision: 'allow', reasons: [expect.stringMatching(/refunds up to 50\.00 run without approval/)] });
    const denied = denyWith(allowed, 'budget: budget agent/billing-bot (day) would exceed its limit');
    // The workflow's outcome reason is the reasons joined with "; ".
    expect(denied.reasons.join('; ')).toMatch(/^budget: budget agent\/billing-bot \(day\) would exceed its limit/);
    expect(denied.reasons.join('; ')).not.toMatch(/^small-refunds/);
  });

  it('keeps the first denial in front when a second one is added', () => {
    const twice = denyWith(denyWith(allowed, 'suspended by the kill switch'), 'budget: no estimate');
    expect(twice.reasons[0]).toBe('suspended by the kill switch');
  });
});

describe('GET /api/v1/approvals documentation', () => {
  it('names the real default status, open, and never "pending"', () => {
    const route = openApiDocument().paths?.['/api/v1/approvals']?.get;
    expect(route?.summary).toMatch(/`open`/);
    expect(JSON.stringify(route)).not.toMatch(/pending/i);
    const status = route?.parameters?.find((p) => 'name' in p && p.name === 'status');
    expect(status).toMatchObject({ schema: expect.objectContaining({ default: 'open' }) });
    expect(schemas.ApprovalListQuery.parse({}).status).toBe('open');
  });
});
