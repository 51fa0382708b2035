import { createUser, userIdByEmail, userRightsByEmail, verifyAuditChain } from '@airlock/db';
import {
  AccountError,
  ARGON2ID_OPTIONS,
  changeOwnPassword,
  createLocalUser,
  DECOY_PASSWORD_HASH,
  generateOneTimePassword,
  issueOneTimePassword,
  signInWithPassword,
  SIGN_IN_ATTEMPTS,
  verifyPassword,
} from '@airlock/db/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Local accounts against a real PostgreSQL: what is stored, what is audited, what is refused.
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const auditOf = (type: string) => database.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'asc' } });

describe('password hashing', () => {
  it('the decoy hash has the same argon2id parameters as real hashes (so it costs the same)', () => {
    const { memoryCost, timeCost, parallelism } = ARGON2ID_OPTIONS;
    const [, , , params, salt, digest] = DECOY_PASSWORD_HASH.split('$');
    expect(DECOY_PASSWORD_HASH.startsWith('$argon2id$v=19$')).toBe(true);
    expect(params).toBe(`m=${memoryCost},t=${timeCost},p=${parallelism}`);
    expect([Buffer.from(salt!, 'base64').length, Buffer.from(digest!, 'base64').length]).toEqual([16, 32]);
  });

  it('one-time passwords are 20 unambiguous characters in four groups, never repeated', () => {
    const passwords = Array.from({ length: 200 }, generateOneTimePassword);
    for (const p of passwords) expect(p).toMatch(/^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}$/);
    expect(new Set(passwords).size).toBe(passwords.length);
  });
});

describe('createLocalUser', () => {
  it('stores only an argon2id hash, marks it must-change and audits the creation', async () => {
    const { user, oneTimePassword } = await createLocalUser(database.db, { email: ' Carol@Example.TEST ', role: 'approver' }, 'cli:ops');
    expect(user).toEqual({ id: 'carol', email: 'carol@example.test', name: 'carol', role: 'approver' });
    const row = await database.db.prisma.user.findUniqueOrThrow({ where: { id: 'carol' } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain(oneTimePassword);
    expect(await verifyPassword(row.passwordHash!, oneTimePassword)).toBe(true);
    expect(row.passwordMustChange).toBe(true);
    const [created] = await auditOf('user.created');
    expect(created).toMatchObject({ actor: 'cli:ops', payload: { userId: 'carol', role: 'approver', oneTimePassword: true } });
  });

  it('refuses bad input with the field, and a taken email in any case', async () => {
    await expect(createLocalUser(database.db, { email: 'not-an-email', role: 'approver' }, 'cli:ops')).rejects.toMatchObject({
      name: 'AccountError',
      issues: [{ path: 'email', message: 'must be an email address' }],
    });
    await expect(createLocalUser(database.db, { email: 'x@example.test', role: 'root' as never }, 'cli:ops')).rejects.toMatchObject({ issues: [{ path: 'role' }] });
    await expect(createLocalUser(database.db, { email: 'CAROL@example.test', role: 'viewer' }, 'cli:ops')).rejects.toThrow(
      'a user with email carol@example.test already exists (id carol)',
    );
    await expect(createLocalUser(database.db, { email: 'carol2@example.test', role: 'viewer', id: 'carol' }, 'cli:ops')).rejects.toThrow('user id "carol" is taken');
    // A second "carol" local part gets a suffixed id instead of a clash.
    const other = await createLocalUser(database.db, { email: 'carol@other.test', role: 'viewer' }, 'cli:ops');
    expect(other.user.id).toMatch(/^carol-[0-9a-f]{6}$/);
  });
});

describe('signInWithPassword', () => {
  it('accepts the right password, and refuses a wrong one or an unknown email the same way, auditing each', async () => {
    const { oneTimePassword } = await createLocalUser(database.db, { email: 'dave@example.test', role: 'viewer' }, 'cli:ops');
    const ok = await signInWithPassword(database.db, 'DAVE@example.test', oneTimePassword);
    expect(ok).toMatchObject({ ok: true, userId: 'dave', mustChangePassword: true, passwordChangedAt: expect.any(Number) });

    const wrong = await signInWithPassword(database.db, 'dave@example.test', 'wrong password!');
    const unknown = await signInWithPassword(database.db, 'nobody@example.test', 'wrong password!');
    await createUser(database.db, { id: 'keyonly', email: 'keyonly@example.test', role: 'viewer' });
    const noPassword = await signInWithPassword(database.db, 'keyonly@example.test', '');
    expect([wrong, unknown, noPassword]).toEqual([
      { ok: false, throttled: false },
      { ok: false, throttled: false },
      { ok: false, throttled: false },
    ]);

    expect((await auditOf('user.signed_in')).map((e) => [e.actor, e.payload])).toEqual([['user:dave', { method: 'password', mustChangePassword: true }]]);
    const failed = await auditOf('user.sign_in_failed');
    expect(failed.map((e) => [e.actor, (e.payload as { reason: string }).reason])).toEqual([
      ['user:dave', 'wrong_password'],
      ['anonymous', 'unknown_email'],
      ['user:keyonly', 'no_password'],
    ]);
    // The address typed for nobody is kept only as a digest.
    expect(JSON.stringify(failed[1]?.payload)).not.toContain('nobody');
    expect(failed[1]?.payload).toMatchObject({ emailSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('matches an address exactly but for case: _ and % are not wildcards, and an ambiguous address names nobody', async () => {
    const { oneTimePassword } = await createLocalUser(database.db, { email: 'quinn@example.test', role: 'viewer' }, 'cli:ops');
    expect(await userIdByEmail(database.db, ' QUINN@Example.test ')).toBe('quinn');
    // The Slack click's look-up (the user's rights in the same statement) follows the same rule.
    expect(await userRightsByEmail(database.db, ' QUINN@Example.test ')).toEqual({ id: 'quinn', name: expect.any(String), role: 'viewer', disabled_at: null });
    for (const lookalike of ['qu_nn@example.test', 'q%@example.test', '%']) {
      expect(await userIdByEmail(database.db, lookalike)).toBeNull();
      expect(await userRightsByEmail(database.db, lookalike)).toBeNull();
      expect(await signInWithPassword(database.db, lookalike, oneTimePassword)).toEqual({ ok: false, throttled: false });
    }
    // Rows written before addresses were stored lower-case may differ by case alone: neither is chosen.
    await createUser(database.db, { id: 'case-upper', email: 'Twin@example.test', role: 'viewer' });
    await createUser(database.db, { id: 'case-lower', email: 'twin@example.test', role: 'viewer' });
    expect(await userIdByEmail(database.db, 'twin@example.test')).toBeNull();
    expect(await userRightsByEmail(database.db, 'twin@example.test')).toBeNull();
  });

  it('throttles guessing per email address: refusals without a password check, one audit row per window, then it reopens', async () => {
    const { oneTimePassword } = await createLocalUser(database.db, { email: 'frank@example.test', role: 'viewer' }, 'cli:ops');
    const start = new Date('2030-01-01T00:00:00Z');
    for (let i = 0; i < SIGN_IN_ATTEMPTS.limit; i++) {
      expect(await signInWithPassword(database.db, 'frank@example.test', `guess ${i}`, start)).toEqual({ ok: false, throttled: false });
    }
    // The limit is reached: even the right password is refused now, as throttled, and another address is not affected.
    const failedBefore = (await auditOf('user.sign_in_failed')).length;
    expect(await signInWithPassword(database.db, 'FRANK@example.test', oneTimePassword, start)).toEqual({ ok: false, throttled: true });
    expect(await signInWithPassword(database.db, 'frank@example.test', 'guess again', start)).toEqual({ ok: false, throttled: true });
    expect(await signInWithPassword(database.db, 'someone-else@example.test', 'x', start)).toEqual({ ok: false, throttled: false });
    expect((await auditOf('user.sign_in_failed')).length).toBe(failedBefore + 1);
    const throttled = await auditOf('user.sign_in_throttled');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]?.payload).toMatchObject({ attempts: SIGN_IN_ATTEMPTS.limit, windowSeconds: SIGN_IN_ATTEMPTS.windowMs / 1000 });
    expect(JSON.stringify(throttled[0]?.payload)).not.toContain('frank');

    const later = new Date(start.getTime() + SIGN_IN_ATTEMPTS.windowMs + 1_000);
    expect(await signInWithPassword(database.db, 'frank@example.test', oneTimePassword, later)).toMatchObject({ ok: true, userId: 'frank' });
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});

describe('changeOwnPassword and issueOneTimePassword', () => {
  it('changes with the current password only, clears must-change and moves the change time', async () => {
    const { oneTimePassword } = await createLocalUser(database.db, { email: 'erin@example.test', role: 'approver' }, 'cli:ops');
    const before = await database.db.prisma.user.findUniqueOrThrow({ where: { id: 'erin' } });
    expect(await changeOwnPassword(database.db, 'erin', 'not it', 'a brand new passphrase')).toEqual({ ok: false, reason: 'wrong_password' });
    expect(await changeOwnPassword(database.db, 'erin', oneTimePassword, oneTimePassword)).toEqual({ ok: false, reason: 'same_password' });
    await expect(changeOwnPassword(database.db, 'erin', oneTimePassword, 'short')).rejects.toBeInstanceOf(AccountError);
    expect(await changeOwnPassword(database.db, 'erin', oneTimePassword, 'a brand new passphrase')).toEqual({ ok: true });

    const after = await database.db.prisma.user.findUniqueOrThrow({ where: { id: 'erin' } });
    expect(after.passwordMustChange).toBe(false);
    expect(after.passwordChangedAt!.getTime()).toBeGreaterThanOrEqual(before.passwordChangedAt!.getTime());
    expect(after.passwordHash).not.toBe(before.passwordHash);
    expect(await signInWithPassword(database.db, 'erin@example.test', oneTimePassword)).toEqual({ ok: false, throttled: false });
    expect(await signInWithPassword(database.db, 'erin@example.test', 'a brand new passphrase')).toMatchObject({ ok: true, mustChangePassword: false });
    expect((await auditOf('user.password_changed')).map((e) => e.actor)).toEqual(['user:erin']);
    expect((await auditOf('user.password_change_failed')).map((e) => e.actor)).toEqual(['user:erin']);
  });

  it('resets by id or email to a new one-time password, and names an unknown user', async () => {
    const first = await issueOneTimePassword(database.db, 'ERIN@example.test', 'cli:ops');
    expect(first.user.id).toBe('erin');
    expect(await signInWithPassword(database.db, 'erin@example.test', 'a brand new passphrase')).toEqual({ ok: false, throttled: false });
    expect(await signInWithPassword(database.db, 'erin@example.test', first.oneTimePassword)).toMatchObject({ ok: true, mustChangePassword: true });
    const second = await issueOneTimePassword(database.db, 'erin', 'cli:ops');
    expect(second.oneTimePassword).not.toBe(first.oneTimePassword);
    await expect(issueOneTimePassword(database.db, 'ghost', 'cli:ops')).rejects.toThrow('no user with id or email "ghost"');
    expect((await auditOf('user.password_reset')).map((e) => [e.actor, e.payload])).toEqual([
      ['cli:ops', { userId: 'erin' }],
      ['cli:ops', { userId: 'erin' }],
    ]);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });
});
