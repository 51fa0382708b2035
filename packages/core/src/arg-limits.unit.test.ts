import { ActionRequest, AgentReportBody, ApprovalDecision, ARGS_LIMITS, ToolArgs, canonicalJson, checkJsonLimits, describeZodIssues, inexactIntegerIn } from '@airlock/core';
import { argsHash } from '@airlock/core/hashing';
import { describe, expect, it } from 'vitest';

// Issue #11 items 4 and 6: the shape limits of tool arguments and the reserved
// keys, checked by the one schema every entry point (REST, SDK, gateway) uses.

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

function issuesOf(schema: typeof ToolArgs, value: unknown, root = 'args') {
  const result = schema.safeParse(value);
  expect(result.success).toBe(false);
  return result.success ? [] : describeZodIssues(result.error, root);
}

const request = (args: unknown) => ({ agentId: 'billing-bot', tool: 'x.unregistered', idempotencyKey: 'k', args });

describe('tool argument limits', () => {
  it.each([2_000, 5_000, 100_000])('refuses %i levels of nesting with the depth limit and the field path, without overflowing', (levels) => {
    const [issue, ...rest] = issuesOf(ToolArgs, nested(levels));
    expect(rest).toEqual([]);
    expect(issue?.message).toBe(`nested ${ARGS_LIMITS.maxDepth + 1} levels deep; at most ${ARGS_LIMITS.maxDepth} levels allowed`);
    expect(issue?.path).toBe(['args', ...Array<string>(ARGS_LIMITS.maxDepth).fill('a')].join('.'));
  });

  it('accepts arguments at the depth limit', () => {
    expect(ToolArgs.safeParse(nested(ARGS_LIMITS.maxDepth - 1)).success).toBe(true);
  });

  it('refuses too many keys and array elements, too long strings and keys, each naming the field', () => {
    const many = { rows: Array.from({ length: ARGS_LIMITS.maxEntries }, (_, i) => i) };
    expect(issuesOf(ToolArgs, many)).toEqual([{ path: 'args.rows', message: `more than ${ARGS_LIMITS.maxEntries} keys and array elements in all; too many` }]);
    const wide = Object.fromEntries(Array.from({ length: ARGS_LIMITS.maxEntries + 1 }, (_, i) => [`k${i}`, 1]));
    expect(issuesOf(ToolArgs, wide)[0]?.message).toMatch(/more than 10000 keys/);
    const long = { note: { text: 'x'.repeat(ARGS_LIMITS.maxStringLength + 1) } };
    expect(issuesOf(ToolArgs, long)).toEqual([
      { path: 'args.note.text', message: `string of ${ARGS_LIMITS.maxStringLength + 1} characters; at most ${ARGS_LIMITS.maxStringLength} allowed` },
    ]);
    const longKey = { list: [{ ['k'.repeat(ARGS_LIMITS.maxKeyLength + 1)]: 1 }] };
    expect(issuesOf(ToolArgs, longKey)).toEqual([
      { path: 'args.list.0', message: `a key of ${ARGS_LIMITS.maxKeyLength + 1} characters; at most ${ARGS_LIMITS.maxKeyLength} allowed` },
    ]);
  });

  it('names a cycle or a BigInt in SDK input as what it is, not as a size problem', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(issuesOf(ToolArgs, cyclic)[0]?.message).toMatch(/levels deep/);
    expect(issuesOf(ToolArgs, { amount: 10n })).toEqual([{ path: 'args.amount', message: 'a bigint is not a JSON value' }]);
  });

  it('still refuses oversized JSON with the size limit', () => {
    const big = { parts: Array.from({ length: 5 }, () => 'x'.repeat(60_000)) };
    expect(issuesOf(ToolArgs, big)).toEqual([{ path: 'args', message: 'arguments must be JSON of at most 256 KiB' }]);
  });
});

describe('reserved keys (__proto__, constructor, prototype)', () => {
  const withProto = () => JSON.parse('{"amount":"1.00","__proto__":{"amount":"9999"}}') as unknown;

  it('refuses each one anywhere in args, with the field path', () => {
    expect(issuesOf(ToolArgs, withProto())).toEqual([{ path: 'args.__proto__', message: 'the key "__proto__" is not accepted (reserved: __proto__, constructor, prototype)' }]);
    expect(issuesOf(ToolArgs, JSON.parse('{"items":[{"x":1},{"constructor":{"name":"y"}}]}'))[0]?.path).toBe('args.items.1.constructor');
    expect(issuesOf(ToolArgs, { deep: { prototype: 1 } })[0]?.path).toBe('args.deep.prototype');
    const parsed = ActionRequest.safeParse(request(withProto()));
    expect(parsed.success ? [] : describeZodIssues(parsed.error)).toEqual([{ path: 'args.__proto__', message: expect.stringMatching(/not accepted/) }]);
  });

  it('refuses them in an approver’s editedArgs', () => {
    const decision = { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: 'a'.repeat(64), editedArgs: withProto() };
    const parsed = ApprovalDecision.safeParse(decision);
    expect(parsed.success).toBe(false);
    expect(parsed.success ? [] : describeZodIssues(parsed.error)).toContainEqual({ path: 'editedArgs.__proto__', message: expect.stringMatching(/"__proto__" is not accepted/) });
  });

  it('refuses a NUL character in a decision’s comment or feedback, naming the field (PostgreSQL text cannot store it)', () => {
    const base = { approverId: 'alice', decision: 'deny', channel: 'api', argsHash: 'a'.repeat(64) };
    for (const field of ['comment', 'feedback']) {
      const parsed = ApprovalDecision.safeParse({ ...base, [field]: 'before\u0000after' });
      expect(parsed.success ? [] : describeZodIssues(parsed.error)).toContainEqual({ path: field, message: 'must not contain NUL characters' });
    }
    expect(ApprovalDecision.safeParse({ ...base, comment: 'fine', feedback: 'also fine' }).success).toBe(true);
  });

  it('refuses feedback with an approval, naming the field (only a denial returns it to the model)', () => {
    const parsed = ApprovalDecision.safeParse({ approverId: 'alice', decision: 'approve', channel: 'api', argsHash: 'a'.repeat(64), feedback: 'next time ask first' });
    expect(parsed.success ? [] : describeZodIssues(parsed.error)).toEqual([{ path: 'feedback', message: expect.stringMatching(/only a denial returns feedback/) }]);
  });

  it('the canonical form behind argument hashes keeps __proto__ (so even a bypass of validation cannot alias two argument sets)', () => {
    expect(canonicalJson(withProto())).toBe('{"__proto__":{"amount":"9999"},"amount":"1.00"}');
    expect(argsHash(withProto())).not.toBe(argsHash({ amount: '1.00' }));
  });

  it('keeps ordinary keys that merely contain the words', () => {
    expect(ToolArgs.safeParse({ constructorName: 'a', proto: 1, __proto: 2, Prototype: 3 }).success).toBe(true);
  });
});

describe('NUL characters, which PostgreSQL text and jsonb cannot store', () => {
  const NUL = 'must not contain NUL characters (PostgreSQL cannot store them)';
  const issues = (result: { success: boolean; error?: Parameters<typeof describeZodIssues>[0] }, root?: string) => (result.success ? [] : describeZodIssues(result.error!, root));

  it('refuses one in an argument’s value or key, naming the field', () => {
    expect(issuesOf(ToolArgs, { steps: [{ command: 'ls\u0000 -la' }] })).toEqual([{ path: 'args.steps.0.command', message: NUL }]);
    expect(issuesOf(ToolArgs, { env: { ['A\u0000B']: '1' } })).toEqual([{ path: 'args.env', message: `a key ${NUL}` }]);
  });

  it('accepts the six characters \\u0000 as text (a printf format, a regular expression, a Windows path): only the character itself is refused', () => {
    expect(ToolArgs.safeParse({ command: "printf '\\u0000'", path: 'C:\\u0000dir' }).success).toBe(true);
    expect(ActionRequest.safeParse({ ...request({ pattern: '\\\\u0000' }), signals: { note: '\\u0000' } }).success).toBe(true);
  });

  it('refuses one in a signal’s name or value (admission stores them in the audit log)', () => {
    expect(issues(ActionRequest.safeParse({ ...request({}), signals: { source: 'crm\u0000' } }))).toEqual([{ path: 'signals.source', message: NUL }]);
    expect(issues(ActionRequest.safeParse({ ...request({}), signals: { ['a\u0000']: 1 } }))).toEqual([{ path: 'signals', message: `a key ${NUL}` }]);
  });

  it('does not refuse one in an agent’s report, output or error: the tool has run, so the report is stored in a storable form (report-storage)', () => {
    const report = { authorizationId: 'auth-1', args: {} };
    expect(AgentReportBody.safeParse({ ...report, status: 'succeeded', output: { rows: ['a', 'b\u0000'] } }).success).toBe(true);
    expect(AgentReportBody.safeParse({ ...report, status: 'failed', error: 'boom\u0000' }).success).toBe(true);
    expect(AgentReportBody.safeParse({ ...report, status: 'succeeded', output: nested(5_000) }).success).toBe(true);
    expect(AgentReportBody.safeParse({ ...report, status: 'succeeded' }).success).toBe(true);
  });

  it('still refuses a report’s structure with the field path: a missing error, an unknown field, a wrong type', () => {
    const report = { authorizationId: 'auth-1', args: {} };
    expect(issues(AgentReportBody.safeParse({ ...report, status: 'failed' }))).toEqual([{ path: 'error', message: 'required: expected string' }]);
    expect(issues(AgentReportBody.safeParse({ ...report, status: 'succeeded', outpt: 1 }))).toEqual([{ path: 'outpt', message: 'Unrecognized key: "outpt"' }]);
    expect(issues(AgentReportBody.safeParse({ ...report, status: 'failed', error: 42 })).map((i) => i.path)).toEqual(['error']);
    expect(issues(AgentReportBody.safeParse({ ...report, args: { a: 'x\u0000' }, status: 'succeeded' }))).toEqual([{ path: 'args.a', message: NUL }]);
  });
});

describe('lone surrogates, which canonical JSON cannot hash', () => {
  const LONE = 'must be Unicode text: it holds a lone surrogate (half of a UTF-16 pair), which can be neither hashed nor stored';
  const issues = (result: { success: boolean; error?: Parameters<typeof describeZodIssues>[0] }, root?: string) => (result.success ? [] : describeZodIssues(result.error!, root));

  it('refuses one in an argument’s value or key, in a signal, and in a report, naming the field', () => {
    expect(issuesOf(ToolArgs, { note: { text: 'half \ud800 of a pair' } })).toEqual([{ path: 'args.note.text', message: LONE }]);
    expect(issuesOf(ToolArgs, { ['k\udc00']: 1 })).toEqual([{ path: 'args', message: `a key ${LONE}` }]);
    expect(issues(ActionRequest.safeParse({ ...request({}), signals: { source: '\udbff' } }))).toEqual([{ path: 'signals.source', message: LONE }]);
    // A report's output is stored in a storable form instead (report-storage.unit.test.ts).
    expect(AgentReportBody.safeParse({ authorizationId: 'auth-1', args: {}, status: 'succeeded', output: ['ok', 'x\ud83d'] }).success).toBe(true);
  });

  it('refuses one in the rationale, the idempotency key and a decision’s feedback', () => {
    expect(issues(ActionRequest.safeParse({ ...request({}), rationale: 'because \ud800' }))).toEqual([{ path: 'rationale', message: LONE }]);
    expect(issues(ActionRequest.safeParse({ ...request({}), idempotencyKey: 'k-\udfff' }))).toEqual([{ path: 'idempotencyKey', message: LONE }]);
    expect(issues(ApprovalDecision.safeParse({ approverId: 'u', decision: 'deny', channel: 'api', argsHash: 'a'.repeat(64), feedback: '\udc00 no' }))).toEqual([
      { path: 'feedback', message: LONE },
    ]);
  });

  it('accepts whole pairs (emoji, rarer scripts) everywhere', () => {
    const text = 'refund 👍 for 𝔘𝔫𝔦𝔠𝔬𝔡𝔢';
    const parsed = ActionRequest.safeParse({ ...request({ [text]: text }), rationale: text, idempotencyKey: `k-${text}`, signals: { s: text } });
    expect(parsed.success).toBe(true);
    expect(() => argsHash({ [text]: text })).not.toThrow();
  });
});

describe('numbers JSON cannot carry exactly: Infinity (1e999) and integers beyond 2^53', () => {
  const FINITE = 'must be a finite number';
  const SAFE = 'integers beyond 2^53 lose precision; send it as a string';
  const issues = (result: { success: boolean; error?: Parameters<typeof describeZodIssues>[0] }, root?: string) => (result.success ? [] : describeZodIssues(result.error!, root));

  it('refuses 1e999 (parsed to Infinity) and NaN in arguments, naming the field, instead of running them as null', () => {
    expect(issuesOf(ToolArgs, JSON.parse('{"a":1e999}'))).toEqual([{ path: 'args.a', message: FINITE }]);
    expect(issuesOf(ToolArgs, JSON.parse('{"list":[1,-1e999]}'))).toEqual([{ path: 'args.list.1', message: FINITE }]);
    expect(issuesOf(ToolArgs, { x: { y: Number.NaN } })).toEqual([{ path: 'args.x.y', message: FINITE }]);
  });

  it('refuses them in an approver’s editedArgs and a signal; a report’s output takes them (stored in a storable form)', () => {
    const decision = { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: 'a'.repeat(64), editedArgs: JSON.parse('{"a":1e999}') as unknown };
    expect(issues(ApprovalDecision.safeParse(decision))).toContainEqual({ path: 'editedArgs.a', message: FINITE });
    const report = { authorizationId: 'auth-1', args: {}, status: 'succeeded', output: JSON.parse('{"total":1e999}') as unknown };
    expect(AgentReportBody.safeParse(report).success).toBe(true);
    expect(AgentReportBody.safeParse({ ...report, output: Number.POSITIVE_INFINITY }).success).toBe(true);
    expect(ActionRequest.safeParse({ ...request({}), signals: { confidence: Number.POSITIVE_INFINITY } }).success).toBe(false);
  });

  it('refuses an integer beyond 2^53 - 1 in a new request (its arguments, a plan step, a signal), which two different JSON texts would share', () => {
    expect(JSON.parse('{"n":9007199254740993}')).toEqual(JSON.parse('{"n":9007199254740992}'));
    const inexact = (args: unknown, signals?: unknown) => inexactIntegerIn({ args, signals });
    expect(inexact(JSON.parse('{"n":9007199254740993}'))).toEqual({ path: ['args', 'n'], message: SAFE });
    expect(inexact({ n: -(2 ** 53) })).toEqual({ path: ['args', 'n'], message: SAFE });
    expect(inexact(JSON.parse('{"big":[1e300]}'))).toEqual({ path: ['args', 'big', 0], message: SAFE });
    expect(inexact({ steps: [{ tool: 'demo.echo', args: { id: 2 ** 60 } }] })).toEqual({ path: ['args', 'steps', 0, 'args', 'id'], message: SAFE });
    expect(inexact({}, { score: 2 ** 60 })).toEqual({ path: ['signals', 'score'], message: SAFE });
    expect(inexact({ n: Number.MAX_SAFE_INTEGER }, { s: 1.5 })).toBeUndefined();
  });

  it('keeps such integers where they are only stored or were admitted before the rule: an output (an API’s 64-bit id), stored arguments re-parsed', () => {
    const report = { authorizationId: 'auth-1', args: { id: 2 ** 60 }, status: 'succeeded', output: { id: 2 ** 60, id_str: '1152921504606846976' } };
    expect(AgentReportBody.safeParse(report).success).toBe(true);
    expect(ToolArgs.safeParse(JSON.parse('{"n":9007199254740993}')).success).toBe(true);
    expect(checkJsonLimits({ n: 2 ** 60 })).toBeUndefined();
  });

  it('accepts every safe integer and fractions of any size', () => {
    const args = { max: Number.MAX_SAFE_INTEGER, min: Number.MIN_SAFE_INTEGER, zero: -0, tiny: 5e-324, price: 12.34, list: [0, -1, 2 ** 51 + 0.5] };
    expect(ToolArgs.safeParse(args).success).toBe(true);
    expect(ToolArgs.safeParse(JSON.parse('{"n":9007199254740991,"f":1.7976931348623157e-300}')).success).toBe(true);
  });
});
