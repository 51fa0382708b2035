import { ActionRequest } from '@airlock/core';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { describe, expect, it } from 'vitest';
import { forecastApproval } from './approval-forecast.js';

const policy = loadPolicyFile(DEFAULT_POLICY_FILE);
const billing = { id: 'billing-bot', team: 'billing', owner: null, allowedTools: ['payments.*', 'demo.*'] };
const request = (tool: string, args: Record<string, unknown>) => ActionRequest.parse({ agentId: 'billing-bot', tool, args, rationale: 'duplicate charge', idempotencyKey: 'k' });
const refund = (amount: string) => request('payments.refund', { paymentId: 'pay_1', amount, currency: 'USD', reason: 'duplicate' });

describe('forecastApproval', () => {
  it('says people decide where the default policy asks for approval, and not where it allows or denies', () => {
    expect(forecastApproval(policy, billing, refund('125.00'))).toBe(true);
    expect(forecastApproval(policy, billing, refund('10.00'))).toBe(false);
    expect(forecastApproval(policy, billing, request('demo.echo', { message: 'hi' }))).toBe(false);
    // A tool outside the agent's list is denied: nothing to wait for.
    expect(forecastApproval(policy, { ...billing, allowedTools: ['demo.*'] }, refund('125.00'))).toBe(false);
  });

  it('forecasts a tool the console does not know by the rules: workers may register it', () => {
    // The default policy's unmatched requests wait for people; a tool no worker has is denied by admission.
    expect(forecastApproval(policy, { ...billing, allowedTools: ['*'] }, request('crm.update', { id: 1 }))).toBe(true);
  });

  it('has no forecast, and no error, when the policy fails to evaluate the request', () => {
    // A compiled policy whose every rule read throws, as a broken expression would.
    const broken = new Proxy(policy, {
      get: (target, key) => {
        if (key === 'version') return target.version;
        throw new Error(`cannot read ${String(key)}`);
      },
    });
    expect(forecastApproval(broken, billing, refund('125.00'))).toBe(false);
  });
});
