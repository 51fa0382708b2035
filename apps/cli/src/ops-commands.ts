import { createDb, grantStandingApproval, listStandingApprovals, listSuspensions, revokeStandingApproval, type Db } from '@airlock/db';
import { resumeScope, suspendAndCancel, type KillScope } from '@airlock/ops';
import { Client, Connection } from '@temporalio/client';
import { loadOpsEnv } from './env.js';
import { formatTable } from './table.js';
import { CliError } from './policy-commands.js';

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const env = loadOpsEnv();
  const db = createDb(env.DATABASE_URL, { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function scopeOf(options: { agent?: string; team?: string; tenant?: boolean }): { scope: KillScope; target: string } {
  const chosen = [options.agent && 'agent', options.team && 'team', options.tenant && 'tenant'].filter(Boolean);
  if (chosen.length !== 1) throw new CliError('name exactly one of --agent <id>, --team <name> or --tenant');
  if (options.agent) return { scope: 'agent', target: options.agent };
  if (options.team) return { scope: 'team', target: options.team };
  return { scope: 'tenant', target: '*' };
}

export async function suspendCommand(options: { agent?: string; team?: string; tenant?: boolean; reason: string; by: string }): Promise<string> {
  const { scope, target } = scopeOf(options);
  const env = loadOpsEnv();
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS, ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY, tls: true } : {}) });
  try {
    const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    return await withDb(async (db) => {
      const result = await suspendAndCancel({ db, temporal }, { scope, target, reason: options.reason, by: options.by });
      return `suspended ${scope} ${target} (${result.suspensionId}); cancelled ${result.cancelledActions.length} live action(s)${result.cancelledActions.length ? `: ${result.cancelledActions.join(', ')}` : ''}`;
    });
  } finally {
    await connection.close();
  }
}

export async function resumeCommand(options: { agent?: string; team?: string; tenant?: boolean; by: string }): Promise<string> {
  const { scope, target } = scopeOf(options);
  return withDb(async (db) => {
    const { wasActive } = await resumeScope({ db }, { scope, target, by: options.by });
    return wasActive ? `resumed ${scope} ${target}` : `${scope} ${target} was not suspended`;
  });
}

export async function suspensionsCommand(): Promise<string> {
  return withDb(async (db) => {
    const rows = await listSuspensions(db, { activeOnly: true });
    if (rows.length === 0) return 'no active suspensions';
    return formatTable(['id', 'scope', 'target', 'by', 'since', 'reason'], rows.map((s) => [s.id, s.scope, s.target, s.createdBy, s.createdAt.toISOString(), s.reason]));
  });
}

export async function grantCommand(options: { agent: string; tool: string; condition: string; reason: string; by: string; hours: string; uses: string }): Promise<string> {
  const hours = Number(options.hours);
  const maxUses = Number(options.uses);
  if (!Number.isFinite(hours) || hours <= 0) throw new CliError('--hours must be a positive number');
  if (!Number.isInteger(maxUses) || maxUses < 1) throw new CliError('--uses must be a positive integer');
  return withDb(async (db) => {
    const grant = await grantStandingApproval(db, {
      agentId: options.agent,
      tool: options.tool,
      condition: options.condition,
      reason: options.reason,
      grantedBy: options.by,
      validUntil: new Date(Date.now() + hours * 3_600_000),
      maxUses,
    });
    return `granted standing approval ${grant.id}: ${options.agent} may run ${options.tool} when ${options.condition}, ${maxUses} time(s), until ${grant.validUntil.toISOString()}`;
  });
}

export async function revokeCommand(id: string, options: { by: string }): Promise<string> {
  return withDb(async (db) => ((await revokeStandingApproval(db, { id, revokedBy: options.by })) ? `revoked ${id}` : `${id} was not active`));
}

export async function grantsCommand(options: { agent?: string }): Promise<string> {
  return withDb(async (db) => {
    const rows = await listStandingApprovals(db, { ...(options.agent ? { agentId: options.agent } : {}), activeAt: new Date() });
    if (rows.length === 0) return 'no active standing approvals';
    return formatTable(['id', 'agent', 'tool', 'condition', 'uses', 'until', 'by'], rows.map((g) => [g.id, g.agentId, g.tool, g.condition, `${g.uses}/${g.maxUses}`, g.validUntil.toISOString(), g.grantedBy]));
  });
}
