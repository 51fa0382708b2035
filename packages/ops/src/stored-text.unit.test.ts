import type { Db } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createAgent, disableAgent, updateAgent } from './agents/index.js';
import { createBudget, changeBudget, deleteBudget } from './budgets/index.js';
import { fromZodError, OpsError } from './errors.js';
import { listKeys, mintKey, revokeKey, rotateKey } from './keys/index.js';
import { resumeScope, suspendAndCancel } from './kill-switch/index.js';
import type { Operator } from './operator.js';
import { setShadowPolicy } from './policy/index.js';
import { linkSlackUser } from './slack-links/index.js';
import { grantStandingApproval, revokeStandingApproval } from './standing-approvals/index.js';
import { findUnstorableText, storedText } from './stored-text.js';
import { runUseCase, type UseCase } from './use-case.js';
import { changeRole, disableUser } from './users/index.js';
import { createWebhook } from './webhooks/index.js';

// Text PostgreSQL cannot store (NUL) or UTF-8 cannot carry (a lone surrogate, stored as U+FFFD) is refused
// naming its field, by every use case, before anything touches the database: never a 500, never a silent change.

const admin: Operator = { actor: 'user:root', userId: 'root', role: 'admin', channel: 'api' };
/** A database that must not be reached: the refusal comes first. */
const db = new Proxy(
  {},
  {
    get: (_, name) => {
      throw new Error(`the database was reached (${String(name)})`);
    },
  },
) as Db;
const NUL = 'must not contain NUL characters (PostgreSQL cannot store them)';
const SURROGATE = expect.stringMatching(/lone surrogate/) as unknown as string;

async function refusal(run: () => Promise<unknown>): Promise<OpsError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OpsError)) throw new Error(`expected an OpsError, got ${String(error)}`);
  return error;
}

type AnyUseCase = UseCase<z.ZodType, unknown>;
const grant = { agentId: 'demo-agent', tool: 'payments.refund', condition: 'true', validForHours: 1, maxUses: 1 };
const budget = { scope: 'agent', period: 'day', currency: 'USD', limit: '10.00' };
const policy = 'apiVersion: airlock/v1\nrules: []\n';

/** Each operator field the QA tester broke (H2, M1), as its use case takes it. */
const cases: [string, AnyUseCase, Record<string, unknown>, string][] = [
  ['agent team', createAgent, { id: 'nulbot', team: 'a\u0000b' }, 'team'],
  ['agent name', updateAgent, { id: 'demo-agent', name: 'n\u0000' }, 'name'],
  ['agent owner', updateAgent, { id: 'demo-agent', ownerId: 'n\u0000' }, 'ownerId'],
  ['disable reason', disableAgent, { id: 'demo-agent', reason: 'r\u0000' }, 'reason'],
  ['key name', mintKey, { agentId: 'demo-agent', name: 'k\u0000' }, 'name'],
  ['resume target', resumeScope, { scope: 'agent', target: 'a\u0000' }, 'target'],
  ['grant reason', grantStandingApproval, { ...grant, reason: 'r\u0000' }, 'reason'],
  ['budget target', createBudget, { ...budget, target: 'de\u0000mo-agent' }, 'target'],
  ['Slack link user', linkSlackUser, { slackUserId: 'U024BE7LH', userId: 'ad\u0000min' }, 'userId'],
  ['webhook description', createWebhook, { url: 'https://example.com/hook', description: 'd\u0000' }, 'description'],
  ['shadow source', setShadowPolicy, { policy, source: 'a\u0000' }, 'source'],
  ['shadow text', setShadowPolicy, { policy: `${policy}#\u0000` }, 'policy'],
  ['key to revoke', revokeKey, { id: 'a\u0000b' }, 'id'],
  ['key to rotate', rotateKey, { id: 'a\u0000b' }, 'id'],
  ['budget to delete', deleteBudget, { id: 'a\u0000b' }, 'id'],
  ['budget to change', changeBudget, { id: 'a\u0000b', limit: '5.00' }, 'id'],
  ['grant to revoke', revokeStandingApproval, { id: 'a\u0000b' }, 'id'],
  ['user to disable', disableUser, { id: 'bob', reason: 'x\udfff' }, 'reason'],
  ['user role', changeRole, { id: 'b\ud800ob', role: 'viewer' }, 'id'],
  ['agent team, lone surrogate', createAgent, { id: 'surbot', team: 'a\ud800b' }, 'team'],
];

describe('text a use case would store', () => {
  it.each(cases)('%s: refused naming the field, before the database', async (_name, useCase, raw, path) => {
    const error = await refusal(() => runUseCase({ db }, admin, useCase, raw));
    expect(error.code).toBe('invalid');
    expect(error.issues).toEqual([{ path, message: JSON.stringify(raw[path]).includes('\\u0000') ? NUL : SURROGATE }]);
  });

  it('the kill switch: its reason (which reaches an audit payload) with a NUL or a lone surrogate', async () => {
    for (const reason of ['r\u0000', 'r\ud800']) {
      const error = await refusal(() => suspendAndCancel({ db, temporal: {} as never }, admin, { scope: 'agent', target: 'demo-agent', reason }));
      expect(error.issues.map((i) => i.path)).toEqual(['reason']);
    }
  });

  it('any field, whatever its schema says, and member names, nested', () => {
    expect(findUnstorableText({ a: [{ b: 'ok' }, { c: 'x\u0000' }] })).toEqual({ path: 'a.1.c', message: NUL });
    expect(findUnstorableText({ ['k\u0000']: 1 })).toEqual({ path: 'k\\u0000', message: `the member name ${NUL}` });
    expect(findUnstorableText('\udc00')).toEqual({ path: '(root)', message: SURROGATE });
    expect(findUnstorableText({ ok: 'a\ud83d\ude00b', when: new Date(), n: 1, none: null })).toBeUndefined();
  });

  it('the schemas say it too, each field by name', () => {
    const parsed = storedText(10).safeParse('a\u0000');
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(fromZodError(parsed.error).issues).toEqual([{ path: '(root)', message: NUL }]);
    expect(storedText(10).safeParse('  fine  ')).toEqual({ success: true, data: 'fine' });
  });

  it('listing keys by an owner id that cannot be compared is refused naming it', async () => {
    expect((await refusal(() => listKeys(db, { agentId: 'a\u0000b' }))).issues).toEqual([{ path: 'agentId', message: NUL }]);
    expect((await refusal(() => listKeys(db, { userId: 'a\ud800' }))).issues).toEqual([{ path: 'userId', message: SURROGATE }]);
  });
});
