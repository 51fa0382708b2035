import { getAction, postAction, schemas } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectJson, waitForActionStatus, useApiHarness } from './client.js';

// An agent picks its arguments' keys as freely as their values. PII in a key ({"dana@example.test": …}) is redacted
// before anything is stored, as in a value: the action row (arguments, reasons, guardrail flags), every audit row, and
// what an approver is shown; only the workflow's own input keeps the arguments as sent (the tool needs them).

const { h, ctx, keys } = useApiHarness();

const PII = /dana@example\.test|4111 1111 1111 1111/;

describe('PII in argument keys', () => {
  it('is stored, audited and shown redacted, the field named by its redacted key', async () => {
    const args = { 'dana@example.test': { amount: '5.00', note: 'pay to 4111 1111 1111 1111' }, 'eve@example.test': { amount: '1.00' } };
    // Within the agent's tools (payments.*) and registered by no worker: admitted, stored, then denied.
    const body = { tool: 'payments.chargeback', args, rationale: 'chargebacks for two customers', idempotencyKey: 'pii-keys-1' };
    const { actionId } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, actionId, ['denied']);

    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(row.args).toEqual({ '[REDACTED:email]': { amount: '5.00', note: 'pay to [REDACTED:card]' }, '[REDACTED:email] #2': { amount: '1.00' } });
    expect(row.guardrailFlags).toEqual(
      expect.arrayContaining([
        'sensitive data (email) in the field name at args["[REDACTED:email]"] redacted',
        'sensitive data (card) at args["[REDACTED:email]"].note redacted',
        'sensitive data (email) in the field name at args["[REDACTED:email] #2"] redacted',
      ]),
    );
    expect(JSON.stringify([row.args, row.riskReasons, row.guardrailFlags, row.outcome])).not.toMatch(PII);

    const audit = await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => e.type)).toContain('action.requested');
    expect(JSON.stringify(audit.map((e) => e.payload))).not.toMatch(PII);

    const view = await expectJson(getAction(apiRequest(`/api/v1/actions/${actionId}`, { key: keys.alice }), ctx, { id: actionId }), 200, schemas.ActionView);
    expect(Object.keys(view.args)).toEqual(['[REDACTED:email]', '[REDACTED:email] #2']);
    expect(JSON.stringify(view)).not.toMatch(PII);
  });
});
