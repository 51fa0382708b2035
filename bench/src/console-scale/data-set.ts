import { randomUUID } from 'node:crypto';
import { lognormal, pick, seededRandom } from './random.js';

// The generated history: actions with their approval rounds, decisions and budget
// reservations, and every audit event they imply, spread over the last `days` days.

export type Tier = 'low' | 'medium' | 'high' | 'critical';
export type ActionStatus = 'awaiting_approval' | 'executed' | 'denied' | 'expired' | 'failed';

export const TEAMS = Array.from({ length: 10 }, (_, i) => `team-${i + 1}`);
export const AGENTS = Array.from({ length: 50 }, (_, i) => ({ id: `agent-${String(i + 1).padStart(2, '0')}`, team: TEAMS[i % TEAMS.length]! }));
export const APPROVERS = Array.from({ length: 40 }, (_, i) => `approver-${String(i + 1).padStart(2, '0')}`);
/** Two approvers who approve within seconds, every time: the rubber-stamp panel should flag exactly them. */
export const RUBBER_STAMPERS = new Set(['approver-07', 'approver-23']);
/** Agents with a daily budget of their own (team budgets cover everyone). */
export const BUDGETED_AGENTS = AGENTS.slice(0, 20).map((a) => a.id);

export interface SeededApproval {
  id: string;
  status: 'open' | 'approved' | 'denied' | 'expired';
  createdAt: number;
  closedAt: number | null;
  deadline: number | null;
  decision?: { id: string; userId: string; kind: 'approve' | 'deny'; channel: 'console' | 'slack' | 'api'; at: number };
}

export interface SeededAction {
  id: string;
  agentId: string;
  team: string;
  tool: string;
  args: Record<string, string>;
  argsHash: string;
  tier: Tier;
  status: ActionStatus;
  createdAt: number;
  completedAt: number | null;
  guardrailFlags: string[];
  approval?: SeededApproval;
  /** Refunds hold money: reserved while waiting, committed when executed, released otherwise. */
  cost?: { amount: string; state: 'reserved' | 'committed' | 'released'; settledAt: number };
}

export type EventKind =
  | 'action.requested'
  | 'guardrail.flagged'
  | 'budget.reserved'
  | 'action.classified'
  | 'approval.opened'
  | 'approval.decision'
  | 'approval.closed'
  | 'tool.started'
  | 'tool.succeeded'
  | 'tool.failed'
  | 'action.completed';

/** Events as parallel arrays (a million of them): when, which action, what. */
export interface EventList {
  times: number[];
  actions: number[];
  kinds: EventKind[];
}

export interface DataSet {
  now: number;
  actions: SeededAction[];
  events: EventList;
}

const TOOLS = [
  ['payments.refund', 4],
  ['demo.echo', 3],
  ['shell.exec', 1],
  ['http.request', 2],
  ['sql.query', 1],
] as const;
const TIERS = [
  ['low', 4],
  ['medium', 3],
  ['high', 2],
  ['critical', 1],
] as const;

function argsFor(random: () => number, tool: string, i: number): Record<string, string> {
  if (tool === 'payments.refund') return { paymentId: `pay_${i}`, amount: (5 + Math.floor(random() * 400)).toFixed(2), currency: 'USD', reason: 'duplicate charge' };
  if (tool === 'shell.exec') return { command: 'ls -la /srv/app/releases' };
  if (tool === 'http.request') return { method: 'POST', url: 'https://api.example.com/v1/tickets' };
  if (tool === 'sql.query') return { sql: 'SELECT count(*) FROM orders WHERE status = $1' };
  return { message: `hello ${i}` };
}

/**
 * Builds the history: `pending` actions waiting on an open round, then finished
 * actions until the audit events reach `auditRows` exactly. About 40 % of
 * finished actions waited for a person, 5 % were denied at admission.
 */
export function generateDataSet(options: { pending: number; auditRows: number; days: number; seed: number; now: number }): DataSet {
  const random = seededRandom(options.seed);
  const { now } = options;
  const actions: SeededAction[] = [];
  const events: EventList = { times: [], actions: [], kinds: [] };
  const emit = (time: number, action: number, kind: EventKind) => {
    events.times.push(Math.min(time, now - 1));
    events.actions.push(action);
    events.kinds.push(kind);
  };

  const base = (i: number, createdAt: number): SeededAction => {
    const agent = AGENTS[Math.floor(AGENTS.length * random() ** 2)]!;
    const tool = pick(random, TOOLS);
    const args = argsFor(random, tool, i);
    return {
      id: randomUUID(),
      agentId: agent.id,
      team: agent.team,
      tool,
      args,
      argsHash: i.toString(16).padStart(64, '0'),
      tier: pick(random, TIERS),
      status: 'executed',
      createdAt,
      completedAt: null,
      guardrailFlags: random() < 0.03 ? ['pii:email'] : [],
    };
  };

  const admit = (a: SeededAction, index: number) => {
    emit(a.createdAt, index, 'action.requested');
    if (a.guardrailFlags.length) emit(a.createdAt + 2, index, 'guardrail.flagged');
    if (a.tool === 'payments.refund') {
      a.cost = { amount: a.args.amount!, state: 'reserved', settledAt: a.createdAt };
      emit(a.createdAt + 3, index, 'budget.reserved');
    }
    emit(a.createdAt + 4, index, 'action.classified');
  };

  for (let i = 0; i < options.pending; i++) {
    const a = base(i, now - 60_000 - random() * 3 * 86_400_000);
    a.status = 'awaiting_approval';
    admit(a, actions.length);
    a.approval = { id: randomUUID(), status: 'open', createdAt: a.createdAt + 20, closedAt: null, deadline: random() < 0.7 ? now + 600_000 + random() * 3 * 86_400_000 : null };
    emit(a.approval.createdAt, actions.length, 'approval.opened');
    actions.push(a);
  }

  for (let i = options.pending; events.times.length < options.auditRows; i++) {
    const a = base(i, now - 15 * 60_000 - random() * options.days * 86_400_000);
    const index = actions.length;
    admit(a, index);
    const path = random();
    let runAt: number | null = a.createdAt + 30;
    if (path < 0.05) {
      a.status = 'denied';
      runAt = null;
    } else if (path >= 0.6) {
      const opened = a.createdAt + 20;
      emit(opened, index, 'approval.opened');
      const userId = APPROVERS[Math.floor(random() * APPROVERS.length)]!;
      const outcome = random();
      if (outcome < 0.05) {
        a.status = 'expired';
        a.approval = { id: randomUUID(), status: 'expired', createdAt: opened, closedAt: opened + 3_600_000, deadline: opened + 3_600_000 };
        runAt = null;
      } else {
        const seconds = RUBBER_STAMPERS.has(userId) ? 1 + random() * 5 : lognormal(random, 90, 1.2);
        const at = Math.min(opened + seconds * 1000, now - 1000);
        const kind = outcome < 0.2 ? 'deny' : 'approve';
        const channel = pick(random, [
          ['console', 5],
          ['slack', 4],
          ['api', 1],
        ] as const);
        a.approval = {
          id: randomUUID(),
          status: kind === 'approve' ? 'approved' : 'denied',
          createdAt: opened,
          closedAt: at,
          deadline: opened + 3_600_000,
          decision: { id: randomUUID(), userId, kind, channel, at },
        };
        emit(at, index, 'approval.decision');
        runAt = kind === 'approve' ? at + 40 : null;
        if (kind === 'deny') a.status = 'denied';
      }
      emit(a.approval.closedAt!, index, 'approval.closed');
    }
    if (runAt !== null) {
      a.status = random() < 0.05 ? 'failed' : 'executed';
      emit(runAt, index, 'tool.started');
      runAt += 50 + random() * 450;
      emit(runAt, index, a.status === 'executed' ? 'tool.succeeded' : 'tool.failed');
    }
    a.completedAt = (runAt ?? a.approval?.closedAt ?? a.createdAt + 5) + 5;
    emit(a.completedAt, index, 'action.completed');
    if (a.cost) a.cost = { ...a.cost, state: a.status === 'executed' ? 'committed' : 'released', settledAt: a.completedAt };
    actions.push(a);
  }
  // The last action may have overshot the target: its trailing events go (a run cut short by the snapshot).
  for (const list of [events.times, events.actions, events.kinds]) list.length = options.auditRows;
  return { now, actions, events };
}
