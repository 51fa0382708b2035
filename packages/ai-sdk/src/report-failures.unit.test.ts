import { AirlockApiError, InvalidRequestError, type AgentRunReport, type Airlock } from '@airlock/sdk';
import { fakeGateOnlyAirlock } from '@airlock/sdk/testing';
import { jsonSchema, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { airlockApprovals, AirlockReportError } from './index.js';

const args = { paymentId: 'pay_1', amount: '25.00' };

const fakeAirlock = (refuse: (report: AgentRunReport) => Error | undefined) => fakeGateOnlyAirlock(args, refuse);

function gatedRefund(airlock: Airlock, run: () => unknown) {
  const reportErrors: AirlockReportError[] = [];
  const gate = airlockApprovals({ airlock, tools: { refund: 'payments.refund' }, onReportError: (error) => reportErrors.push(error) });
  const { refund } = gate.tools({
    refund: tool({
      description: 'Refund a payment',
      inputSchema: jsonSchema<{ paymentId: string; amount: string }>({ type: 'object' }),
      execute: run,
    }),
  });
  const call = (toolCallId: string) => refund.execute(args, { toolCallId, messages: [], context: undefined }) as Promise<unknown>;
  return { call, reportErrors };
}

describe('a refund that ran, whose report Airlock did not take', () => {
  it('refused: the model reads the result, not a failure; the report error is told apart; the same call again does not refund again', async () => {
    const { airlock, reports } = fakeAirlock(() => new InvalidRequestError('output.receipt: must not contain NUL characters'));
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}` }));

    await expect(call('call-1')).resolves.toEqual({ refundId: 're_1' });
    expect(reports.map((r) => r.status)).toEqual(['succeeded']);
    expect(reportErrors).toHaveLength(1);
    expect(reportErrors[0]).toBeInstanceOf(AirlockReportError);
    expect(reportErrors[0]?.message).toMatch(/^refund succeeded, but Airlock did not record it \(action act-1\): .*NUL/);

    // The AI SDK retrying the step: the same call id, the same answer, the report sent again.
    await expect(call('call-1')).resolves.toEqual({ refundId: 're_1' });
    expect(refunds).toBe(1);
    expect(reports.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  // Sending again through outages, the 30 s bound and the kept runs: @airlock/sdk's run-reports.unit.test.ts.
  it('taken: nothing is told as an error, and the same call again reads the output Airlock recorded', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}` }));

    await expect(call('call-1')).resolves.toEqual({ refundId: 're_1' });
    expect(reports).toHaveLength(1);
    expect(reportErrors).toEqual([]);
    await expect(call('call-1')).resolves.toEqual({ refundId: 're_1' });
    expect(refunds).toBe(1);
  });
});

describe('a refund that failed with a long error', () => {
  it('is reported failed with the whole error, emoji and all (the server cuts it with a marker and records the cut)', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    const { call, reportErrors } = gatedRefund(airlock, () => {
      throw new Error(`${'a'.repeat(3999)}\u{1F600} upstream said no`);
    });

    await expect(call('call-1')).rejects.toThrow('upstream said no');
    expect(reports).toEqual([{ authorizationId: 'auth-1', args, status: 'failed', error: `${'a'.repeat(3999)}\u{1F600} upstream said no` }]);
    expect(reportErrors).toEqual([]);
  });

  it('whose report Airlock refused: the same call again answers the same error without running the tool again', async () => {
    const { airlock, reports } = fakeAirlock((report) => (report.status === 'failed' ? new AirlockApiError(500, 'internal', 'boom') : undefined));
    let runs = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => {
      runs++;
      throw new Error('card declined');
    });

    await expect(call('call-1')).rejects.toThrow('card declined');
    await expect(call('call-1')).rejects.toThrow('card declined');
    expect(runs).toBe(1);
    expect(reports.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(reportErrors.map((e) => e.ran)).toEqual(['failed', 'failed']);
  });
});

describe('gate.tools(set)', () => {
  it('refuses a mapping whose names match no tool of the set, naming them, instead of leaving the tool ungated', () => {
    const gate = airlockApprovals({ airlock: {} as Airlock, tools: { refund: 'payments.refund', lookup: 'crm.lookup' } });
    const refundPayment = tool({ description: 'Refund a payment', inputSchema: jsonSchema<{ amount: string }>({ type: 'object' }), execute: () => 'refunded' });
    expect(() => gate.tools({ refundPayment })).toThrow('airlockApprovals: options.tools names refund, lookup, not in the tool set (its tools: refundPayment)');
  });
});

describe('a refund another process claimed first (its report never reached Airlock, then it restarted)', () => {
  it('is not run here: the model is told the call was already started elsewhere and its result is not known here', async () => {
    const first = fakeGateOnlyAirlock(args, () => new InvalidRequestError('refused'));
    let refunds = 0;
    const run = () => ({ refundId: `re_${++refunds}` });
    await expect(gatedRefund(first.airlock, run).call('call-1')).resolves.toEqual({ refundId: 're_1' });
    // A restarted process: a client of its own (no memory of the run), the same call id, the same authorized action.
    const second = fakeGateOnlyAirlock(args, () => undefined, first.claim);
    const answer = await gatedRefund(second.airlock, run).call('call-1');
    expect(answer).toMatch(
      /^refund was not run here: this call was already started by another run \(the run was already claimed by another runner at .*\), and its result is not known here\. It shows in Airlock \(action act-1\) once that run reports it/,
    );
    expect(refunds).toBe(1);
    expect(second.reports).toEqual([]);
    expect([first.claims.length, second.claims.length]).toEqual([1, 1]);
    expect(second.claims[0]?.runnerId).not.toBe(first.claims[0]?.runnerId);
  });
});
