import { AirlockApiError, InvalidRequestError, type AgentRunReport, type Airlock } from '@airlock/sdk';
import { fakeGateOnlyAirlock } from '@airlock/sdk/testing';
import { RunContext } from '@openai/agents';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { airlockTool, AirlockReportError } from './index.js';

const args = { paymentId: 'pay_1', amount: '25.00' };

const fakeAirlock = (refuse: (report: AgentRunReport) => Error | undefined) => fakeGateOnlyAirlock(args, refuse);

/** The gated tool, and what the model reads for one call (the SDK's invoke: a thrown error becomes its "An error occurred" text). */
function gatedRefund(airlock: Airlock, run: () => unknown) {
  const reportErrors: AirlockReportError[] = [];
  const refund = airlockTool({
    airlock,
    airlockTool: 'payments.refund',
    name: 'refund',
    description: 'Refund a payment',
    parameters: z.object({ paymentId: z.string(), amount: z.string() }),
    execute: run,
    onReportError: (error) => reportErrors.push(error),
  });
  const text = JSON.stringify(args);
  const call = (callId: string) => refund.invoke(new RunContext(), text, { toolCall: { type: 'function_call', callId, name: 'refund', arguments: text } });
  return { call, reportErrors };
}

describe('a refund that ran, whose report Airlock did not take', () => {
  it('refused: the model reads the result, not a failure; the report error is told apart; the same call again does not refund again', async () => {
    const { airlock, reports } = fakeAirlock(() => new InvalidRequestError('output.receipt: must not contain NUL characters'));
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}` }));

    expect(await call('call-1')).toEqual({ refundId: 're_1' });
    expect(reports.map((r) => r.status)).toEqual(['succeeded']);
    expect(reportErrors).toHaveLength(1);
    expect(reportErrors[0]).toBeInstanceOf(AirlockReportError);
    expect(reportErrors[0]?.message).toMatch(/^refund succeeded, but Airlock did not record it \(action act-1\): .*NUL/);

    // A resumed run replaying the call: the same answer, the report sent again.
    expect(await call('call-1')).toEqual({ refundId: 're_1' });
    expect(refunds).toBe(1);
    expect(reports.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  // Sending again through outages, the 30 s bound and the kept runs: @airlock/sdk's run-reports.unit.test.ts.
  it('taken: nothing is told as an error, and the same call again reads the output Airlock recorded', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}` }));

    expect(await call('call-1')).toEqual({ refundId: 're_1' });
    expect(reports).toHaveLength(1);
    expect(reportErrors).toEqual([]);
    expect(await call('call-1')).toEqual({ refundId: 're_1' });
    expect(refunds).toBe(1);
  });
});

describe('a refund that failed with a long error', () => {
  it('is reported failed with the whole error, emoji and all (the server cuts it with a marker and records the cut)', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    const { call, reportErrors } = gatedRefund(airlock, () => {
      throw new Error(`${'a'.repeat(3999)}\u{1F600} upstream said no`);
    });

    expect(await call('call-1')).toBe('An error occurred while running the tool. Please try again.');
    expect(reports).toEqual([{ authorizationId: 'auth-1', args, status: 'failed', error: `${'a'.repeat(3999)}\u{1F600} upstream said no` }]);
    expect(reportErrors).toEqual([]);
  });

  it('whose report Airlock refused: the same call again is answered without running the tool again', async () => {
    const { airlock, reports } = fakeAirlock((report) => (report.status === 'failed' ? new AirlockApiError(500, 'internal', 'boom') : undefined));
    let runs = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => {
      runs++;
      throw new Error('card declined');
    });

    // The SDK's words for a tool's error, both times: the tool's own failure, not the report's.
    expect(await call('call-1')).toBe('An error occurred while running the tool. Please try again.');
    expect(await call('call-1')).toBe('An error occurred while running the tool. Please try again.');
    expect(runs).toBe(1);
    expect(reports.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(reportErrors.map((e) => e.ran)).toEqual(['failed', 'failed']);
  });
});

describe('a refund another process claimed first (its report never reached Airlock, then it restarted)', () => {
  it('is not run here: the model is told the call was already started elsewhere and its result is not known here', async () => {
    const first = fakeGateOnlyAirlock(args, () => new InvalidRequestError('refused'));
    let refunds = 0;
    const run = () => ({ refundId: `re_${++refunds}` });
    expect(await gatedRefund(first.airlock, run).call('call-1')).toEqual({ refundId: 're_1' });
    // A restarted process: a client of its own (no memory of the run), the same call id, the same authorized action.
    const second = fakeGateOnlyAirlock(args, () => undefined, first.claim);
    expect(await gatedRefund(second.airlock, run).call('call-1')).toMatch(
      /^refund was not run here: this call was already started by another run \(the run was already claimed by another runner at .*\), and its result is not known here\./,
    );
    expect(refunds).toBe(1);
    expect(second.reports).toEqual([]);
    expect(second.claims).toHaveLength(1);
  });
});

describe('a refund an approver edited, whose output JSON cannot carry as it is', () => {
  it('a BigInt: one succeeded report with the output as it came, and the model reads the result and the edit', async () => {
    // The approver changed the amount: the model must be told below the result, which is written as text.
    const edited = { paymentId: 'pay_1', amount: '20.00' };
    const { airlock, reports, claims } = fakeGateOnlyAirlock(edited, () => undefined);
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}`, ledgerId: 9007199254740993n }));

    expect(await call('call-1')).toBe('{"refundId":"re_1","ledgerId":"9007199254740993"}\nAn approver in Airlock changed the arguments before it ran: amount "25.00" → "20.00".');
    expect(reports).toEqual([{ authorizationId: 'auth-1', args: edited, status: 'succeeded', output: { refundId: 're_1', ledgerId: 9007199254740993n } }]);
    expect(reportErrors).toEqual([]);
    expect(claims).toHaveLength(1);
    expect(refunds).toBe(1);
  });

  it('a cycle: one succeeded report, and the model reads the result with the cycle marked', async () => {
    const { airlock, reports } = fakeGateOnlyAirlock({ paymentId: 'pay_1', amount: '20.00' }, () => undefined);
    const { call } = gatedRefund(airlock, () => {
      const receipt: Record<string, unknown> = { refundId: 're_1' };
      receipt.self = receipt;
      return receipt;
    });

    expect(await call('call-1')).toMatch(/^\{"refundId":"re_1","self":"\[cycle\]"\}\nAn approver in Airlock changed the arguments/);
    expect(reports.map((r) => r.status)).toEqual(['succeeded']);
  });
});
