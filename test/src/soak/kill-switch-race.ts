import { setTimeout as sleep } from 'node:timers/promises';
import { actionHandle, awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { createAgent, type Db } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import type { Client } from '@temporalio/client';
import { inFlightAtSwitch } from '../support/kill-switch-order.js';
import type { Violation } from './checks/index.js';
import type { WorkerFleet } from './fleet.js';
import { errorText, withTimeout } from './retry.js';
import type { Rng } from './rng.js';
import { APPROVERS, SOAK_ADMIN } from './workload.js';

export interface RaceDeps {
  client: Client;
  db: Db;
  taskQueue: string;
  fleet: WorkerFleet;
}

export interface RaceSummary {
  rounds: number;
  /** Rounds in which a worker was also SIGKILLed while the decision was being recorded. */
  withKill: number;
  outcomes: Record<string, number>;
  startedBeforeSwitch: number;
}

const WAIT_MS = 180_000;

/**
 * Issue 11, items 1–3 under load: per round, a fresh agent's 65.00 refund waits
 * for approval (in EUR, which no soak budget covers, so money never refuses it); an approver approves it and 0–60 ms later an admin trips that
 * agent's kill switch, and in every third round a worker is SIGKILLed while
 * the decision is being recorded. Afterwards the outcome, the database row, the
 * audit log, the approval record and Temporal's history must agree: money moved
 * means executed; a run starts before the switch (and the switch's reply says
 * so, unless the run also finished before it) or never; a recorded decision answered success; one `action.completed`.
 */
export async function raceKillSwitch(deps: RaceDeps, rng: Rng, rounds: number, log: (line: string) => void): Promise<{ summary: RaceSummary; violations: Violation[] }> {
  const violations: Violation[] = [];
  const summary: RaceSummary = { rounds, withKill: 0, outcomes: {}, startedBeforeSwitch: 0 };
  const admin = userOperator({ id: SOAK_ADMIN, role: 'admin' }, 'api');
  for (let i = 0; i < rounds; i++) {
    const agentId = `soak-race-${i}`;
    await createAgent(deps.db, { id: agentId, team: `soak-race-${i}`, allowedTools: ['payments.*'] });
    const request = {
      agentId,
      tool: 'payments.refund',
      args: { paymentId: `race_${i}`, amount: '65.00', currency: 'EUR', reason: 'kill switch race' },
      rationale: 'soak: kill switch against an approval',
      idempotencyKey: `soak-race-${i}`,
    };
    const { actionId, argsHash } = await submitAction(deps.client, deps.taskQueue, request);
    await until(
      async () => (await deps.db.pool.query(`SELECT 1 FROM approvals WHERE action_id = $1 AND status = 'open'`, [actionId])).rowCount === 1,
      `the approval of ${actionId} opens`,
    );

    const violation = (invariant: string, detail: string) => violations.push({ invariant: `kill switch race: ${invariant}`, actionId, detail });
    const approver = rng.pick(APPROVERS);
    const decided = withTimeout(decideAction(deps.client, actionId, { approverId: approver, decision: 'approve', channel: 'api', argsHash }), WAIT_MS, 'decide').then(
      () => 'answered',
      (error: unknown) => errorText(error),
    );
    const killing = i % 3 === 2 ? (summary.withKill++, sleep(rng.int(0, 40)).then(() => deps.fleet.killOne(rng))) : Promise.resolve();
    await sleep(rng.int(0, 60));
    const switched = await suspendAndCancel({ db: deps.db, temporal: deps.client }, admin, { scope: 'agent', target: agentId, reason: `soak race ${i}` });
    const answer = await decided;
    await killing;
    const outcome = await withTimeout(awaitOutcome(deps.client, actionId), WAIT_MS, 'outcome');
    summary.outcomes[outcome.status] = (summary.outcomes[outcome.status] ?? 0) + 1;

    const { rows: actionRows } = await deps.db.pool.query<{ status: string }>('SELECT status::text FROM actions WHERE id = $1', [actionId]);
    const { rows: audit } = await deps.db.pool.query<{ type: string }>(
      `SELECT type FROM audit_events WHERE action_id = $1 OR (type = 'kill_switch.on' AND payload->>'target' = $2) ORDER BY seq`,
      [actionId, agentId],
    );
    const types = audit.map((a) => a.type);
    const { rows: approvals } = await deps.db.pool.query<{ status: string }>('SELECT status::text FROM approvals WHERE action_id = $1', [actionId]);
    const { rows: decisions } = await deps.db.pool.query<{ user_id: string }>(
      'SELECT d.user_id FROM approval_decisions d JOIN approvals a ON a.id = d.approval_id WHERE a.action_id = $1',
      [actionId],
    );
    const ledger = (await deps.db.pool.query('SELECT 1 FROM ledger_entries WHERE idempotency_key = $1', [`${actionId}:run`])).rowCount ?? 0;
    const history = await actionHandle(deps.client, actionId).fetchHistory();
    const acceptedUpdates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;

    if (actionRows[0]?.status !== outcome.status) violation('the database and Temporal agree', `row ${actionRows[0]?.status}, workflow result ${outcome.status}`);
    if (types.filter((t) => t === 'action.completed').length !== 1) violation('one action.completed', types.join(' → '));
    if (ledger > 0 && outcome.status !== 'executed') violation('money moved means executed', `ledger entry, outcome ${outcome.status}`);
    // Decision records: written exactly when Temporal accepted the decision.
    if (decisions.length > 0 !== acceptedUpdates > 0)
      violation('decision rows match the updates Temporal accepted', `${decisions.length} decision row(s), ${acceptedUpdates} accepted update(s)`);
    if (types.includes('approval.decision') !== decisions.length > 0) violation('the audit log matches the decision rows', types.join(' → '));
    if (answer === 'answered' && acceptedUpdates === 0) violation('an answered decision is durable', 'no accepted update in the history');
    if (acceptedUpdates > 0 && answer !== 'answered') violation('a recorded decision answers success', answer);
    if (approvals[0]?.status === 'approved' && decisions.length === 0) violation('an approved record has its decision', 'approval approved without a decision row');
    const started = types.includes('tool.started');
    if (started) {
      summary.startedBeforeSwitch++;
      if (types.indexOf('tool.started') > types.indexOf('kill_switch.on')) violation('a run starts before the switch or never', types.join(' → '));
      if (inFlightAtSwitch(types) && !switched.startedBeforeSwitch.includes(actionId)) violation("the switch's reply names runs that started before it", JSON.stringify(switched));
    } else if (switched.startedBeforeSwitch.includes(actionId)) {
      violation("the switch's reply names runs that started before it", `listed, but no tool.started: ${types.join(' → ')}`);
    }
    log(`race ${i}: ${outcome.status}${started ? ' (started before the switch)' : ''}${i % 3 === 2 ? ', worker killed' : ''}`);
  }
  return { summary, violations };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}
