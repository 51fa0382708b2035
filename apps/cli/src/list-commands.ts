import { listBudgets, listStandingApprovals, listSuspensions } from '@airlock/db/governance';
import { findUser, listAgents, listKeys, listPending, listSlackLinks, listUsers } from '@airlock/ops/queries';
import { SHOWN_ARGS_HASH_LENGTH } from './args-hash.js';
import { withDb } from './runtime.js';
import { formatTable } from './table.js';

// Every read-only listing (`users list`, `keys list`, `suspensions`, `pending`, ...): these load the
// reads alone, no use case, so neither the policy compiler nor Temporal's client starts with them.

export async function listUsersCommand(): Promise<string> {
  return withDb(async (db) => {
    const users = await listUsers(db);
    if (users.length === 0) return 'no users';
    return formatTable(
      ['id', 'email', 'name', 'role', 'state'],
      users.map((u) => [u.id, u.email, u.name, u.role, u.disabledAt ? `disabled ${u.disabledAt.toISOString()}` : 'active']),
    );
  });
}

export async function listAgentsCommand(): Promise<string> {
  return withDb(async (db) => {
    const agents = await listAgents(db);
    if (agents.length === 0) return 'no agents';
    return formatTable(
      ['id', 'name', 'team', 'owner', 'tools', 'state'],
      agents.map((a) => [a.id, a.name, a.team, a.ownerId ?? '-', a.allowedTools.join(',') || '-', a.disabledAt ? `disabled ${a.disabledAt.toISOString()}` : 'active']),
    );
  });
}

export async function listKeysCommand(options: { agent?: string; user?: string }): Promise<string> {
  return withDb(async (db) => {
    // --user names a person as every other option does (id or email); the list itself filters by id.
    const userId = options.user ? (await findUser(db.pool, options.user, 'userId')).id : undefined;
    const keys = await listKeys(db, { ...(options.agent ? { agentId: options.agent } : {}), ...(userId ? { userId } : {}) });
    if (keys.length === 0) return 'no keys';
    const when = (d: Date | null) => d?.toISOString() ?? '-';
    return formatTable(
      ['id', 'prefix', 'owner', 'name', 'created', 'expires', 'last used', 'revoked'],
      keys.map((k) => [k.id, k.prefix, k.agentId ? `agent:${k.agentId}` : `user:${k.userId}`, k.name, when(k.createdAt), when(k.expiresAt), when(k.lastUsedAt), when(k.revokedAt)]),
    );
  });
}

export async function listBudgetsCommand(): Promise<string> {
  return withDb(async (db) => {
    const budgets = await listBudgets(db);
    if (budgets.length === 0) return 'no budgets';
    return formatTable(
      ['id', 'scope', 'target', 'period', 'limit', 'threshold', 'spent', 'reserved', 'remaining'],
      budgets.map((b) => [b.id, b.scope, b.target, b.period, `${b.limit} ${b.currency}`, b.approvalThreshold ?? '-', b.spent, b.reserved, b.remaining]),
    );
  });
}

export async function listSlackLinksCommand(): Promise<string> {
  return withDb(async (db) => {
    const links = await listSlackLinks(db);
    if (links.length === 0) return 'no Slack links';
    return formatTable(
      ['slack user', 'airlock user', 'by', 'since'],
      links.map((l) => [l.slackUserId, l.userId, l.createdBy, l.createdAt.toISOString()]),
    );
  });
}

export async function suspensionsCommand(): Promise<string> {
  return withDb(async (db) => {
    const rows = await listSuspensions(db, { activeOnly: true });
    if (rows.length === 0) return 'no active suspensions';
    return formatTable(
      ['id', 'scope', 'target', 'by', 'since', 'reason'],
      rows.map((s) => [s.id, s.scope, s.target, s.createdBy, s.createdAt.toISOString(), s.reason]),
    );
  });
}

export async function grantsCommand(options: { agent?: string }): Promise<string> {
  return withDb(async (db) => {
    const rows = await listStandingApprovals(db, { ...(options.agent ? { agentId: options.agent } : {}), activeAt: new Date() });
    if (rows.length === 0) return 'no active standing approvals';
    return formatTable(
      ['id', 'agent', 'tool', 'condition', 'uses', 'until', 'by'],
      rows.map((g) => [g.id, g.agentId, g.tool, g.condition, `${g.uses}/${g.maxUses}`, g.validUntil.toISOString(), g.grantedBy]),
    );
  });
}

export async function pendingCommand(): Promise<string> {
  return withDb(async (db) => {
    const pending = await listPending(db);
    if (pending.length === 0) return 'nothing is waiting for a decision';
    return formatTable(
      ['action', 'agent', 'tool', 'risk', 'approvals', 'deadline', 'args hash', 'rationale'],
      pending.map((p) => [
        p.actionId,
        p.agentId,
        p.tool,
        p.riskTier ?? '-',
        `${p.approvalsSoFar}/${p.requiredApprovals} ${p.approverRole}`,
        p.deadline?.toISOString() ?? 'none',
        p.argsHash.slice(0, SHOWN_ARGS_HASH_LENGTH),
        p.rationale,
      ]),
    );
  });
}
