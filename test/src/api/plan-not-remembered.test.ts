import { postAction, postApproveAndRemember, postDecision, postStandingApproval, schemas } from '@airlock/console';
import { grantStandingApproval, runUseCase, OpsError } from '@airlock/ops';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

// A plan's one argument, `steps`, is nested: no bound can scope it, so a standing approval on airlock.plan
// was `{ tool: 'airlock.plan', condition: 'true' }` and let every later plan of the agent run unasked
// (three refunds of 999.00 after an echo and a refund of 60.00 were remembered). A plan is never remembered.

const { h, ctx, keys } = useApiHarness();

let n = 0;
const plan = (steps: unknown) => ({ tool: 'airlock.plan', args: { steps }, rationale: 'Ticket 9.', idempotencyKey: `plan-remember-${(n += 1)}` });
const refundStep = (paymentId: string, amount: string) => ({ tool: 'payments.refund', args: { paymentId, amount, currency: 'EUR', reason: 'damaged item' } });
const grants = () => h.db.prisma.standingApproval.count();

describe('a plan cannot be remembered', () => {
  it('approve-and-remember on a plan is a 400 naming tool: nothing decided, nothing granted; a plain approval still runs it', async () => {
    const body = plan([{ tool: 'demo.echo', args: { message: 'hi' } }, refundStep('pay_1', '60.00')]);
    const first = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, first.actionId, ['awaiting_approval']);

    const refused = await expectError(
      postApproveAndRemember(
        apiRequest(`/api/v1/actions/${first.actionId}/approve-and-remember`, { key: keys.alice, body: { argsHash: first.argsHash, bounds: [], maxUses: 5, validForHours: 1 } }),
        ctx,
        { id: first.actionId },
      ),
      400,
      'invalid_request',
    );
    expect(refused.issues?.[0]?.path).toBe('tool');
    expect(refused.message).toMatch(/steps cannot be bound.*approve it without remembering/);
    expect(await grants()).toBe(0);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId: first.actionId } } })).toBe(0);

    // What the refusal says to do instead.
    await expectJson(
      postDecision(apiRequest(`/api/v1/actions/${first.actionId}/decisions`, { key: keys.alice, body: { decision: 'approve', argsHash: first.argsHash } }), ctx, {
        id: first.actionId,
      }),
      200,
      schemas.DecideResultView,
    );
    await waitForActionStatus(ctx, keys.agent, first.actionId, ['executed']);

    // The plan the grant would have let through asks a person.
    const later = plan([refundStep('pay_2', '999.00'), refundStep('pay_3', '999.00'), refundStep('pay_4', '999.00')]);
    const second = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body: later }), ctx), 202, schemas.SubmittedActionView);
    expect((await waitForActionStatus(ctx, keys.agent, second.actionId, ['awaiting_approval', 'executed'])).status).toBe('awaiting_approval');
    expect(await grants()).toBe(0);
  });

  it('a standing approval granted for airlock.plan directly (REST, and the use case the CLI runs) is refused naming tool', async () => {
    const grant = { agentId: 'billing-bot', tool: 'airlock.plan', condition: 'true', reason: 'plans this week', validForHours: 1, maxUses: 5 };
    const rest = await expectError(postStandingApproval(apiRequest('/api/v1/standing-approvals', { key: keys.alice, body: grant }), ctx), 400, 'invalid_request');
    expect(rest.issues?.map((i) => i.path)).toEqual(['tool']);
    expect(rest.message).toMatch(/cannot take a standing approval: its steps cannot be bound/);

    // `airlock standing-approval grant --by bob ...`
    const cli = runUseCase({ db: h.db }, { actor: 'user:bob', userId: 'bob', role: 'admin', channel: 'cli' }, grantStandingApproval, grant);
    await expect(cli).rejects.toBeInstanceOf(OpsError);
    await expect(cli).rejects.toMatchObject({ code: 'invalid', issues: [expect.objectContaining({ path: 'tool' })] });
    expect(await grants()).toBe(0);
    expect(await h.db.prisma.auditEvent.count({ where: { type: 'standing_approval.granted' } })).toBe(0);
  });
});
