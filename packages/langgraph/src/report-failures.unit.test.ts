import { AirlockApiError, InvalidRequestError, type AgentRunReport, type Airlock } from '@airlock/sdk';
import { fakeGateOnlyAirlock } from '@airlock/sdk/testing';
import { AIMessage, HumanMessage, type BaseMessage, type ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { airlockNodes, AirlockReportError, type GatedTool } from './index.js';

const args = { paymentId: 'pay_1', amount: '25.00' };

const fakeAirlock = (refuse: (report: AgentRunReport) => Error | undefined) => fakeGateOnlyAirlock(args, refuse);

/** The execute node's answer to one refund call, as the model reads it. */
function gatedRefund(airlock: Airlock, run: GatedTool['run']) {
  const reportErrors: AirlockReportError[] = [];
  const { execute } = airlockNodes({ airlock, tools: { refund: { airlockTool: 'payments.refund', run } }, onReportError: (error) => reportErrors.push(error) });
  const call = async (id: string) => {
    const { messages = [] } = await execute({ messages: [new AIMessage({ content: '', tool_calls: [{ id, name: 'refund', args, type: 'tool_call' }] })] });
    return messages.map((m) => ({ status: (m as ToolMessage).status, content: m.content }));
  };
  return { call, reportErrors };
}

describe('a refund that ran, whose report Airlock did not take', () => {
  it('refused: the model reads the result, not a failure; the report error is told apart; the same call again does not refund again', async () => {
    const { airlock, reports } = fakeAirlock(() => new InvalidRequestError('output.rows: more than 10000 keys and array elements in all'));
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}` }));

    expect(await call('call-1')).toEqual([{ status: 'success', content: '{"refundId":"re_1"}' }]);
    expect(reportErrors).toHaveLength(1);
    expect(reportErrors[0]).toBeInstanceOf(AirlockReportError);
    expect(reportErrors[0]?.message).toMatch(/^refund succeeded, but Airlock did not record it \(action act-1\): .*10000 keys/);

    // The thread's execute node run again (a retried super-step): the same answer, the report sent again.
    expect(await call('call-1')).toEqual([{ status: 'success', content: '{"refundId":"re_1"}' }]);
    expect(refunds).toBe(1);
    expect(reports.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  // Sending again through outages, the 30 s bound and the kept runs: @airlock/sdk's run-reports.unit.test.ts.
  it('taken: nothing is told as an error, and the execute node run again reads the output Airlock recorded', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}` }));

    expect(await call('call-1')).toEqual([{ status: 'success', content: '{"refundId":"re_1"}' }]);
    expect(reports).toHaveLength(1);
    expect(reportErrors).toEqual([]);
    expect((await call('call-1')).map((m) => m.content)).toEqual(['{"refundId":"re_1"}']);
    expect(refunds).toBe(1);
    expect(reports).toHaveLength(1);
  });
});

describe('a refund that failed with a long error', () => {
  it('is reported failed with the whole error, emoji and all (the server cuts it with a marker and records the cut)', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    const { call, reportErrors } = gatedRefund(airlock, () => {
      throw new Error(`${'b'.repeat(3999)}\u{1F600}`);
    });

    const answer = [{ status: 'error', content: `refund failed: ${'b'.repeat(3999)}\u{1F600}` }];
    expect(await call('call-1')).toEqual(answer);
    expect(reports).toEqual([{ authorizationId: 'auth-1', args, status: 'failed', error: `${'b'.repeat(3999)}\u{1F600}` }]);
    expect(reportErrors).toEqual([]);
  });

  it('whose report Airlock refused: the same call again is answered without running the tool again', async () => {
    const { airlock, reports } = fakeAirlock((report) => (report.status === 'failed' ? new AirlockApiError(500, 'internal', 'boom') : undefined));
    let runs = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => {
      runs++;
      throw new Error('card declined');
    });

    const answer = [{ status: 'error', content: 'refund failed: card declined' }];
    expect(await call('call-1')).toEqual(answer);
    expect(await call('call-1')).toEqual(answer);
    expect(runs).toBe(1);
    expect(reports.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(reportErrors.map((e) => e.ran)).toEqual(['failed', 'failed']);
  });
});

describe('a graph with gated and ungated tools', () => {
  it('gates the calls of its Airlock tools and leaves the others untouched, for the graph’s own node', async () => {
    const { airlock, authorized } = fakeAirlock(() => undefined);
    const refunds: unknown[] = [];
    const { approve, execute } = airlockNodes({ airlock, tools: { refund: { airlockTool: 'payments.refund', run: (a) => refunds.push(a) } } });
    const messages: BaseMessage[] = [
      new HumanMessage('refund pay_1 and look up the policy'),
      new AIMessage({
        content: '',
        tool_calls: [
          { id: 'c1', name: 'web_search', args: { q: 'refund policy' }, type: 'tool_call' },
          { id: 'c2', name: 'refund', args, type: 'tool_call' },
        ],
      }),
    ];

    expect(await approve({ messages })).toEqual({ messages: [] });
    const { messages: answered = [] } = await execute({ messages });
    expect(answered.map((m) => (m as ToolMessage).tool_call_id)).toEqual(['c2']);
    expect(authorized).toEqual(['payments.refund', 'payments.refund']);
    expect(refunds).toEqual([args]);
  });
});

describe('a refund another process claimed first (its report never reached Airlock, then it restarted)', () => {
  it('is not run here: the model is told the call was already started elsewhere and its result is not known here', async () => {
    const first = fakeGateOnlyAirlock(args, () => new InvalidRequestError('refused'));
    let refunds = 0;
    const run = () => ({ refundId: `re_${++refunds}` });
    expect(await gatedRefund(first.airlock, run).call('call-1')).toEqual([{ status: 'success', content: '{"refundId":"re_1"}' }]);
    // A restarted process: a client of its own (no memory of the run), the same call id, the same authorized action.
    const second = fakeGateOnlyAirlock(args, () => undefined, first.claim);
    const [answer] = await gatedRefund(second.airlock, run).call('call-1');
    expect(answer?.status).toBe('error');
    expect(answer?.content).toMatch(/^refund was not run here: this call was already started by another run \(.*\), and its result is not known here\./);
    expect(refunds).toBe(1);
    expect(second.reports).toEqual([]);
  });
});

describe('a refund whose output JSON cannot carry as it is', () => {
  it('a BigInt: reported succeeded with the output as it came, and the model reads it (its digits) as a success', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    let refunds = 0;
    const { call, reportErrors } = gatedRefund(airlock, () => ({ refundId: `re_${++refunds}`, ledgerId: 9007199254740993n }));

    expect(await call('call-1')).toEqual([{ status: 'success', content: '{"refundId":"re_1","ledgerId":"9007199254740993"}' }]);
    expect(reports).toEqual([{ authorizationId: 'auth-1', args, status: 'succeeded', output: { refundId: 're_1', ledgerId: 9007199254740993n } }]);
    expect(reportErrors).toEqual([]);
    expect(refunds).toBe(1);
  });

  it('a cycle: reported succeeded, and the model reads it with the cycle marked', async () => {
    const { airlock, reports } = fakeAirlock(() => undefined);
    const { call } = gatedRefund(airlock, () => {
      const receipt: Record<string, unknown> = { refundId: 're_1' };
      receipt.self = receipt;
      return receipt;
    });

    expect(await call('call-1')).toEqual([{ status: 'success', content: '{"refundId":"re_1","self":"[cycle]"}' }]);
    expect(reports.map((r) => r.status)).toEqual(['succeeded']);
  });
});

describe('a gated tool call without an id', () => {
  it('is refused by both nodes (Airlock keys the action by the id): never passed through for the graph’s own tool node to run', async () => {
    const { airlock, authorized } = fakeAirlock(() => undefined);
    const refunds: unknown[] = [];
    const { approve, execute } = airlockNodes({ airlock, tools: { refund: { airlockTool: 'payments.refund', run: (a) => refunds.push(a) } } });
    const messages: BaseMessage[] = [new AIMessage({ content: '', tool_calls: [{ name: 'refund', args, type: 'tool_call' }] })];

    await expect(approve({ messages })).rejects.toThrow('refund: the tool call has no id, so Airlock cannot key its action; it is not run');
    await expect(execute({ messages })).rejects.toThrow('refund: the tool call has no id');
    expect(authorized).toEqual([]);
    expect(refunds).toEqual([]);
  });

  it('of another tool passes through untouched, for the graph’s own node', async () => {
    const { airlock } = fakeAirlock(() => undefined);
    const { approve, execute } = airlockNodes({ airlock, tools: { refund: { airlockTool: 'payments.refund', run: () => 'ok' } } });
    const messages: BaseMessage[] = [new AIMessage({ content: '', tool_calls: [{ name: 'web_search', args: { q: 'refunds' }, type: 'tool_call' }] })];

    expect(await approve({ messages })).toEqual({ messages: [] });
    expect(await execute({ messages })).toEqual({ messages: [] });
  });
});
