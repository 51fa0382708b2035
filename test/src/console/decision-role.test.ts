import type { ApiContext } from '@airlock/console';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleDecision } from '../../../apps/console/src/ui/actions/decision.js';
import { consoleApproveAndRemember } from '../../../apps/console/src/ui/actions/remember.js';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { contextOf } from '../api/client.js';
import { useSeededHarness } from '../support/harness.js';

// The console refused a viewer's decision in its guard (actionUser('approver')), before the use case ran: no
// operator.forbidden row, where REST writes one for the same attempt. Its decisions now pass origin and session only
// (deciderUser) and let the use case's requireRole refuse, which audits it. The use case is reached here as the
// console reaches it, with the harness as the console's process-wide context.

const h = useSeededHarness();
const holder = globalThis as typeof globalThis & { airlockApiContext?: ApiContext };
let previousContext: ApiContext | undefined;
beforeAll(() => {
  previousContext = holder.airlockApiContext;
  holder.airlockApiContext = contextOf(h);
});
afterAll(() => {
  holder.airlockApiContext = previousContext;
});

const victor = { userId: 'victor', role: 'viewer' as const };
const forbidden = () => h.db.prisma.auditEvent.findMany({ where: { type: 'operator.forbidden', actor: 'user:victor' }, orderBy: { seq: 'asc' } });

describe('a viewer deciding from the console', () => {
  it('approve, and approve and remember: refused by the use case, each attempt audited as over REST; nothing decided', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '90.00' }));

    const decided = await consoleDecision(victor, { actionId, decision: 'approve', argsHash });
    expect(decided).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^Not recorded: role viewer may not do this; approver or higher is required \(action\.decide\)/),
    });
    const remembered = await consoleApproveAndRemember(victor, { actionId, argsHash, maxUses: '5', validForHours: '1' });
    expect(remembered).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/role viewer may not do this; approver or higher is required \(action\.approve_and_remember\)/),
    });

    expect((await forbidden()).map((e) => e.payload)).toEqual([
      { action: 'action.decide', requiredRole: 'approver', role: 'viewer', channel: 'console' },
      { action: 'action.approve_and_remember', requiredRole: 'approver', role: 'viewer', channel: 'console' },
    ]);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
    expect(await h.db.prisma.standingApproval.count()).toBe(0);
  });
});
