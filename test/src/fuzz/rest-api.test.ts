import { getAudit, postAction, postDecision, schemas, unknownEndpoint, type ApiContext } from '@airlock/console';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf, seedKeys, waitForActionStatus, type ApiKeys } from '../api/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FUZZ_RUNS, fuzzSeed, hugeString, junkString, nestedJunk, trickyStrings, wellFormed } from './arbitraries.js';

// Every response to random input is a 2xx for a valid request or a clear 4xx JSON
// error; never a 5xx or a thrown exception; and a rejected request writes nothing.

let h: Harness;
let ctx: ApiContext;
let keys: ApiKeys;
/** A plain connection for the row counts: cheaper than the ORM, run once per case. */
let counter: pg.Client;
/** Actions that some accepted request created or decided: their rows may legitimately change. */
const touched = new Set<string>();
/** Two refunds waiting for an approver (1 h deadline), targets for decisions. */
let pending: { actionId: string; argsHash: string }[] = [];

beforeAll(async () => {
  h = await startHarness();
  ctx = { ...contextOf(h), decisionWaitMs: 10_000 };
  keys = await seedKeys(h.db);
  counter = new pg.Client({ connectionString: h.database.url });
  await counter.connect();
  pending = [];
  for (const key of ['fuzz-pending-1', 'fuzz-pending-2']) {
    const res = await postAction(
      request('POST', '/api/v1/actions', { authorization: `Bearer ${keys.agent}`, 'content-type': 'application/json' }, JSON.stringify(refund(key))),
      ctx,
    );
    const submitted = schemas.SubmittedActionView.parse(await res.json());
    await waitForActionStatus(ctx, keys.agent, submitted.actionId, ['awaiting_approval']);
    pending.push({ actionId: submitted.actionId, argsHash: submitted.argsHash });
  }
});
afterAll(async () => {
  await counter?.end();
  await h?.close();
});

const refund = (idempotencyKey: string) => ({
  tool: 'payments.refund',
  args: { paymentId: 'pay_1', amount: '125.00', currency: 'USD', reason: 'duplicate' },
  rationale: 'fuzz',
  idempotencyKey,
});

function request(method: string, path: string, headers: Record<string, string>, body?: string): Request {
  return new Request(`http://airlock.test${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
}

/** Rows not owned by an action an accepted request touched: a rejected request must leave these counts alone. */
interface RowCounts {
  /** Everything a rejected request must leave alone. */
  state: string;
  /** `operator.forbidden` rows: a refusal for want of a role is audited on purpose. */
  refusals: string;
}

async function untouchedRowCounts(): Promise<RowCounts> {
  const { rows } = await counter.query<{ actions: string; approvals: string; decisions: string; audit: string; refusals: string }>(
    `SELECT (SELECT count(*) FROM actions WHERE NOT (id = ANY($1::text[]))) AS actions,
            (SELECT count(*) FROM approvals WHERE NOT (action_id = ANY($1::text[]))) AS approvals,
            (SELECT count(*) FROM approval_decisions d JOIN approvals a ON a.id = d.approval_id WHERE NOT (a.action_id = ANY($1::text[]))) AS decisions,
            (SELECT count(*) FROM audit_events WHERE (action_id IS NULL OR NOT (action_id = ANY($1::text[]))) AND type <> 'operator.forbidden') AS audit,
            (SELECT count(*) FROM audit_events WHERE type = 'operator.forbidden') AS refusals`,
    [[...touched]],
  );
  const { refusals, ...state } = rows[0]!;
  return { state: JSON.stringify(state), refusals };
}

interface Verdict {
  status: number;
  body: unknown;
}

/** The response contract, checked without expect() in the hot loop; returns the parsed body. */
async function checkResponse(res: Response, what: string): Promise<Verdict> {
  const text = await res.text();
  const fail = (why: string) => new Error(`${why}: ${what} → ${res.status} ${text.slice(0, 400)}`);
  if (res.status >= 500) throw fail('server error');
  if (!/^application\/json/.test(res.headers.get('content-type') ?? '')) throw fail('not JSON');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail('unparseable body');
  }
  if (res.status >= 400) {
    const parsed = schemas.ErrorBody.safeParse(body);
    if (!parsed.success) throw fail('not the error shape');
    const { code, message, issues } = parsed.data.error;
    if (message.length === 0 || /\n\s+at /.test(message)) throw fail('empty message or a stack trace');
    if (code === 'invalid_request' && (!issues || issues.length === 0 || issues.some((i) => i.path.length === 0))) throw fail('a validation error without issue paths');
  } else if (res.status < 200 || res.status >= 300) {
    throw fail('neither 2xx nor 4xx');
  }
  return { status: res.status, body };
}

/**
 * The counts after the previous case. Rows of untouched actions change only when
 * a request is accepted, so they are the "before" of the next case: one query per case.
 */
let lastCounts: RowCounts | undefined;

/** Runs one request; a thrown exception fails the case, and a rejected one must not change any untouched row. */
async function exercise(call: () => Promise<Response>, what: string, onAccepted: (body: unknown) => void): Promise<Verdict> {
  const before = (lastCounts ??= await untouchedRowCounts());
  let res: Response;
  try {
    res = await call();
  } catch (error) {
    throw new Error(`handler threw for ${what}`, { cause: error });
  }
  const verdict = await checkResponse(res, what);
  if (verdict.status < 300) onAccepted(verdict.body);
  const after = await untouchedRowCounts();
  lastCounts = after;
  if (verdict.status >= 300 && after.state !== before.state) throw new Error(`rejected request (${verdict.status}) changed rows ${before.state} → ${after.state}: ${what}`);
  if (verdict.status !== 403 && after.refusals !== before.refusals) throw new Error(`a ${verdict.status} wrote an operator.forbidden row: ${what}`);
  return verdict;
}

/**
 * 10,000 cases each with database round trips (and some a workflow update): 25–65 s alone on 2 cores,
 * more beside other test files, and over 180 s once when the machine's load average was 24. The limit
 * only catches a hang; it is not a performance check.
 */
const DB_CASES_TIMEOUT_MS = 600_000;

const describeCase = (c: unknown) => JSON.stringify(c, (_k, v: unknown) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…(${v.length})` : v)).slice(0, 1_500);

// ---- headers
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const authorization = (valid: () => string) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant('valid').map(() => `Bearer ${valid()}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('revoked', 'otherKind').map((k) => `Bearer ${k === 'revoked' ? keys.revoked : keys.alice === valid() ? keys.agent : keys.alice}`) },
    { weight: 2, arbitrary: headerValue },
    { weight: 1, arbitrary: headerValue.map((v) => `Bearer alk_${v.replace(/\s/g, '')}`) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer  ', 'Basic YWxpY2U6c2VjcmV0', 'bearer alk_', `Bearer alk_${'a'.repeat(5_000)}`) },
  );
const extraHeaders = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue, { maxKeys: 3 });
// Mostly JSON, so most cases reach validation; the rest must be refused with 415 (a body that is not declared JSON).
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'), headerValue) },
);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
/** What the API must answer a well-authenticated body of this type with, before looking at it: 415 unless it is empty or declared JSON. */
const refusedMediaType = (type: string | undefined, text: string) => text.trim() !== '' && !(type !== undefined && JSON_TYPE.test(type.trim()));

function headersOf(auth: string | undefined, type: string | undefined, extra: Record<string, string>): Record<string, string> {
  return { ...extra, ...(auth === undefined ? {} : { authorization: auth }), ...(type === undefined ? {} : { 'content-type': type }) };
}

// ---- bodies
const invalidJsonText = fc.oneof(
  fc.constantFrom('', '{', '{"tool":', '[1,]', "{'a':1}", 'undefined', 'NaN', '{"a":1}}', '\u0000', '{"tool":"demo.echo",}'),
  fc.string({ maxLength: 200, unit: 'binary' }),
  hugeString.map((s) => `{"tool":"${s}`),
);
/** A JSON body built from a valid one with one field broken, removed or added. */
function mutatedBody(valid: Record<string, unknown>) {
  const fields = Object.keys(valid);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...fields), nestedJunk).map(([field, junk]) => ({ ...valid, [field]: junk })),
    fc.constantFrom(...fields).map((field) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== field))),
    fc.tuple(fc.oneof(trickyStrings, fc.constantFrom('agentId', '__proto__', 'constructor', 'extra')), nestedJunk).map(([field, junk]) => ({ ...valid, [field]: junk })),
    fc.tuple(fc.constantFrom(...fields), hugeString).map(([field, huge]) => ({ ...valid, [field]: huge })),
  );
}

const validSubmission = fc.record({
  tool: fc.constant('demo.echo'),
  args: fc.record({ message: fc.string({ maxLength: 30 }) }),
  rationale: fc.string({ maxLength: 40 }),
  idempotencyKey: fc.uuid(),
});
const refundArgsJunk = fc.record(
  { paymentId: nestedJunk, amount: fc.oneof(trickyStrings, fc.constantFrom('-5', '1.234', '1e3', '0x10', '99999999999999999999.00')), currency: nestedJunk, reason: nestedJunk },
  { requiredKeys: [] },
);

const submissionBody = fc.oneof(
  { weight: 1, arbitrary: validSubmission.map((b) => ({ kind: 'valid' as const, text: JSON.stringify(b) })) },
  { weight: 20, arbitrary: invalidJsonText.map((text) => ({ kind: 'invalid-json' as const, text })) },
  { weight: 20, arbitrary: nestedJunk.map((v) => ({ kind: 'junk' as const, text: JSON.stringify(v) ?? 'null' })) },
  { weight: 25, arbitrary: mutatedBody(refund('mutated')).map((v) => ({ kind: 'mutated' as const, text: JSON.stringify(v) })) },
  { weight: 10, arbitrary: fc.tuple(refundArgsJunk, fc.uuid()).map(([args, key]) => ({ kind: 'bad-args' as const, text: JSON.stringify({ ...refund(key), args }) })) },
);

describe('REST API fuzz', () => {
  it(
    `POST /api/v1/actions: ${FUZZ_RUNS} random bodies and headers → 2xx or a clear 4xx, no partial state`,
    async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          authorization(() => keys.agent),
          contentType,
          extraHeaders,
          submissionBody,
          fc.constantFrom('POST', 'POST', 'POST', 'PUT'),
          async (auth, type, extra, body, method) => {
            const what = describeCase({ auth, type, extra, body, method });
            const verdict = await exercise(
              () => postAction(request(method, '/api/v1/actions', headersOf(auth, type, extra), body.text), ctx),
              what,
              (accepted) => {
                touched.add(schemas.SubmittedActionView.parse(accepted).actionId);
              },
            );
            statuses.set(verdict.status, (statuses.get(verdict.status) ?? 0) + 1);
            const agentAuth = auth === `Bearer ${keys.agent}`;
            const wrongType = refusedMediaType(type, body.text);
            if (agentAuth && wrongType && verdict.status !== 415) throw new Error(`a body of type ${String(type)} answered ${verdict.status}, not 415: ${what}`);
            if (body.kind === 'invalid-json' && agentAuth && !wrongType && verdict.status !== 400) throw new Error(`invalid JSON answered ${verdict.status}: ${what}`);
            if (body.kind === 'valid' && agentAuth && !wrongType && verdict.status !== 202) throw new Error(`a valid submission answered ${verdict.status}: ${what}`);
          },
        ),
        { seed: fuzzSeed('rest-post-action'), numRuns: FUZZ_RUNS },
      );
      const accepted = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
      // Valid submissions start real workflows: they stay a small share of the cases.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(FUZZ_RUNS * 0.05);
      expect(statuses.get(400)).toBeGreaterThan(FUZZ_RUNS / 2);
    },
    DB_CASES_TIMEOUT_MS,
  );

  it(
    `POST /api/v1/actions/:id/decisions: ${FUZZ_RUNS} random ids, bodies and headers → 2xx or a clear 4xx, no partial state`,
    async () => {
      const statuses = new Map<number, number>();
      const actionIdParam = fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(0, 1).map((i) => pending[i]!.actionId) },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 3, arbitrary: junkString },
        { weight: 1, arbitrary: fc.constantFrom('..', '../audit', '%2e%2e', 'action-x', '00000000-0000-0000-0000-000000000000') },
      );
      const decisionBody = (target: () => { argsHash: string }) =>
        fc.oneof(
          { weight: 20, arbitrary: invalidJsonText },
          { weight: 20, arbitrary: nestedJunk.map((v) => JSON.stringify(v) ?? 'null') },
          { weight: 30, arbitrary: mutatedBody({ decision: 'deny', argsHash: 'f'.repeat(64), comment: 'no', feedback: 'try less' }).map((v) => JSON.stringify(v)) },
          {
            weight: 3,
            arbitrary: fc
              .record({ decision: fc.constantFrom('approve', 'deny'), argsHash: fc.stringMatching(/^[0-9a-f]{64}$/), editedArgs: fc.option(refundArgsJunk, { nil: undefined }) })
              .map((v) => JSON.stringify(v)),
          },
          // Rarely, a well-formed decision with the real hash: some are accepted (200), later ones are refused (409).
          { weight: 1, arbitrary: fc.constantFrom('approve', 'deny').map((decision) => JSON.stringify({ decision, argsHash: target().argsHash, comment: 'fuzz' })) },
        );
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(
              () => keys.alice,
              () => keys.bob,
              () => keys.victor,
              () => keys.owner,
            )
            .chain((who) => authorization(who)),
          contentType,
          extraHeaders,
          actionIdParam,
          fc.constantFrom(0, 1).chain((i) => decisionBody(() => pending[i]!).map((text) => ({ i, text }))),
          async (auth, type, extra, id, body) => {
            const what = describeCase({ auth, type, extra, id, body });
            const verdict = await exercise(
              () => postDecision(request('POST', `/api/v1/actions/${encodeURIComponent(wellFormed(id))}/decisions`, headersOf(auth, type, extra), body.text), ctx, { id }),
              what,
              () => {
                touched.add(id);
              },
            );
            statuses.set(verdict.status, (statuses.get(verdict.status) ?? 0) + 1);
          },
        ),
        { seed: fuzzSeed('rest-post-decision'), numRuns: FUZZ_RUNS },
      );
      expect(statuses.get(400)).toBeGreaterThan(FUZZ_RUNS / 4);
      expect(statuses.get(404)).toBeGreaterThan(0);
    },
    DB_CASES_TIMEOUT_MS,
  );

  it(
    `GET /api/v1/audit: ${FUZZ_RUNS} random query strings → 200 or a clear 4xx`,
    async () => {
      const statuses = new Map<number, number>();
      const param = fc.tuple(
        fc.oneof(fc.constantFrom('actionId', 'after', 'limit', 'limit', 'after', 'actionId', 'cursor', '', '__proto__'), trickyStrings),
        fc.oneof(
          fc.constantFrom('0', '1', '100', '500', '501', '-1', '1.5', '1e3', '0x10', ' 7', '999999999999999999', '9999999999999999999', 'NaN', 'Infinity', ''),
          fc.integer().map(String),
          fc.uuid(),
          trickyStrings,
          hugeString,
        ),
      );
      const query = fc.oneof(
        { weight: 5, arbitrary: fc.array(param, { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()) },
        { weight: 1, arbitrary: fc.string({ maxLength: 80, unit: 'grapheme' }).map((s) => encodeURI(s.replace(/[\ud800-\udfff]/g, ''))) },
        { weight: 1, arbitrary: fc.constantFrom('limit=%zz', 'after=%', '&&&', '=', 'limit=1&limit=2', 'actionId[]=1', '%00=%00', 'limit=%F0%9F%A4%96') },
      );
      await fc.assert(
        fc.asyncProperty(
          authorization(() => keys.victor),
          extraHeaders,
          query,
          async (auth, extra, qs) => {
            const what = describeCase({ auth, extra, qs });
            const verdict = await exercise(
              () => getAudit(request('GET', `/api/v1/audit?${qs}`, headersOf(auth, undefined, extra)), ctx),
              what,
              (body) => {
                schemas.AuditPage.parse(body);
              },
            );
            statuses.set(verdict.status, (statuses.get(verdict.status) ?? 0) + 1);
          },
        ),
        { seed: fuzzSeed('rest-get-audit'), numRuns: FUZZ_RUNS },
      );
      expect(statuses.get(200)).toBeGreaterThan(0);
      expect(statuses.get(400)).toBeGreaterThan(0);
    },
    DB_CASES_TIMEOUT_MS,
  );

  it(`any other path under /api/v1: ${FUZZ_RUNS} random paths and methods → a JSON 404`, async () => {
    const segment = fc.oneof(trickyStrings, fc.constantFrom('actions', 'audit', '..', '.', 'v2', 'openapi.json', '%2F', ''));
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 5 }), fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), async (segments, method) => {
        const path = `/api/v1/${segments.map((s) => encodeURIComponent(wellFormed(s))).join('/')}`;
        const verdict = await checkResponse(await unknownEndpoint(request(method, path, {})), `${method} ${path}`);
        if (verdict.status !== 404) throw new Error(`${method} ${path} answered ${verdict.status}`);
      }),
      { seed: fuzzSeed('rest-unknown-path'), numRuns: FUZZ_RUNS },
    );
  });
});
