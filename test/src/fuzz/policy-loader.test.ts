import { compilePolicy, PolicyError } from '@airlock/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzSeed, hugeString, nestedJunk, trickyStrings } from './arbitraries.js';

// The loader's contract: a compiled policy, or a PolicyError whose every problem
// names where it is. Anything else thrown is a bug. No wall-clock bound: an alias
// bomb is pinned by its refusal (maxAliasCount), not by how fast this machine is.

type LoadResult = 'compiled' | 'rejected';

// Plain checks, not expect(): this runs thousands of times.
function expectCompiledOrPolicyError(text: string): LoadResult {
  let policy;
  try {
    policy = compilePolicy(text, 'fuzz.yaml');
  } catch (error) {
    const where = JSON.stringify(text.slice(0, 500));
    if (!(error instanceof PolicyError)) throw new Error(`compilePolicy threw ${String(error)} for ${where}`, { cause: error });
    if (error.problems.length === 0) throw new Error(`PolicyError without problems for ${where}`, { cause: error });
    const unlocated = error.problems.find((p) => typeof p.path !== 'string' || p.path.length === 0 || p.message.length === 0);
    if (unlocated) throw new Error(`a problem without a path or message: ${JSON.stringify(unlocated)}`, { cause: error });
    return 'rejected';
  }
  if (!/^[0-9a-f]{16}$/.test(policy.version)) throw new Error(`bad policy version ${policy.version}`);
  return 'compiled';
}

// ---- CEL snippets: a small grammar over the policy's variables, with broken fragments mixed in.
const celAtom = fc.oneof(
  fc.constantFrom('tool', 'rationale', 'args', 'agent', 'result', 'args.amount', 'agent.team', 'agent.id', 'result.confidence', 'args["x"]', 'agent.owner'),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
  fc.constantFrom('true', 'false', 'null', '""', "'payments.refund'", '[1, 2, 3]', '{"a": 1}', 'b"bytes"', '1u', '0x1F', '1e309'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
);
const celExpr: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    celAtom,
    fc.tuple(tie('expr'), fc.constantFrom('==', '!=', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', '/', '%', ' in '), tie('expr')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc
      .tuple(fc.constantFrom('cents', 'has', 'size', 'int', 'double', 'string', 'matches', 'startsWith', 'nope', 'timestamp', 'duration'), tie('expr'))
      .map(([f, a]) => `${f}(${a})`),
    tie('expr').map((a) => `!${a}`),
    tie('expr').map((a) => `(${a})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `${c} ? ${a} : ${b}`),
    fc
      .tuple(tie('expr'), fc.constantFrom('.startsWith("a")', '.size()', '.matches("[")', '.exists(x, x > 1)', '.all(x, x)', '.map(x, x * 2)', '[0]', '.nope'))
      .map(([a, m]) => `${a}${m}`),
    // Deliberately broken or hostile fragments.
    fc.constantFrom('(', ')', '&&', 'args.', '"unterminated', '((((((((((((((((((((((((((((((((((((((((((((((((((((((((1', '[' + '1,'.repeat(2_000) + '1]', 'a'.repeat(5_000), '.'),
  ),
})).expr;

const ruleId = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), trickyStrings);
const toolPattern = fc.oneof(
  fc.constantFrom('*', 'payments.*', 'payments.refund', 'demo.echo', 'shell.run'),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){0,2}$/),
  trickyStrings,
);
const duration = fc.oneof(fc.stringMatching(/^[1-9]\d{0,3}[smhd]$/), trickyStrings, fc.integer());
const orJunk = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: nestedJunk });

const approval = fc.record(
  {
    group: orJunk(fc.string({ maxLength: 10 })),
    role: orJunk(fc.constantFrom('viewer', 'approver', 'admin', 'owner')),
    quorum: orJunk(fc.integer({ min: -2, max: 12 })),
    denyEndsIt: orJunk(fc.boolean()),
    deadline: duration,
    escalation: orJunk(fc.array(fc.record({ after: duration, to: fc.string({ maxLength: 8 }) }), { maxLength: 6 })),
    timeout: orJunk(fc.constantFrom('deny', 'approve', 'escalate', 'wait_forever', 'later')),
  },
  { requiredKeys: [] },
);

const rule = fc.record(
  {
    id: ruleId,
    description: orJunk(fc.string({ maxLength: 30 })),
    tools: orJunk(fc.array(toolPattern, { maxLength: 4 })),
    when: orJunk(celExpr),
    tier: orJunk(fc.constantFrom('low', 'medium', 'high', 'critical', 'extreme')),
    outcome: orJunk(fc.constantFrom('allow', 'allow_and_notify', 'require_approval', 'deny', 'maybe')),
    reason: fc.oneof({ weight: 20, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 1, arbitrary: hugeString }, { weight: 2, arbitrary: nestedJunk }),
    approval: orJunk(approval),
  },
  { requiredKeys: ['id', 'tools', 'tier', 'outcome', 'reason'] },
);

const rateLimit = fc.record(
  {
    id: ruleId,
    scope: orJunk(fc.constantFrom('agent', 'tool', 'agent_tool', 'team')),
    tools: orJunk(fc.array(toolPattern, { maxLength: 3 })),
    limit: orJunk(fc.integer({ min: -5, max: 10_000 })),
    window: duration,
    outcome: orJunk(fc.constantFrom('deny', 'require_approval', 'allow')),
  },
  { requiredKeys: ['id', 'scope', 'limit', 'window'] },
);

const policyDocument = fc.record(
  {
    apiVersion: fc.oneof({ weight: 8, arbitrary: fc.constant('airlock/v1') }, { weight: 1, arbitrary: nestedJunk }),
    defaults: orJunk(
      fc.record({ unmatched: orJunk(fc.constantFrom('allow', 'require_approval', 'deny')), approval: orJunk(approval), budgetApproval: orJunk(approval) }, { requiredKeys: [] }),
    ),
    rules: orJunk(fc.array(rule, { maxLength: 5 })),
    rateLimits: orJunk(fc.array(rateLimit, { maxLength: 3 })),
    extra: nestedJunk,
  },
  { requiredKeys: ['apiVersion'] },
);

/** Serialized as YAML or JSON, and sometimes damaged: truncated, or a character spliced in. */
const policyText = fc
  .tuple(policyDocument, fc.boolean(), fc.option(fc.tuple(fc.nat(), fc.constantFrom('', ':', '-', '"', '{', '\t', '&a', '*a', '!!binary ', '\u0000', '\n  '))))
  .map(([doc, asJson, damage]) => {
    const text = asJson ? JSON.stringify(doc, null, 1) : stringify(doc);
    if (!damage) return text;
    const [at, insert] = damage;
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + insert + text.slice(insert === '' ? text.length : cut);
  });

/** YAML-ish token soup: anchors, aliases, tags, merge keys, flow collections, directives. */
const yamlSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'apiVersion: airlock/v1\n',
        'rules:\n',
        '  - ',
        'id: a\n',
        'tools: [a.b]\n',
        'when: ',
        '&x ',
        '*x',
        '<<: *x\n',
        '!!binary ',
        '!!timestamp 2001-12-14\n',
        '!custom ',
        '%YAML 1.2\n---\n',
        '---\n',
        '...\n',
        '{',
        '}',
        '[',
        ']',
        ', ',
        ': ',
        '? ',
        '|\n  ',
        '>-\n  ',
        '"',
        "'",
        '#',
        '\t',
        '\n',
        '  ',
        '\r\n',
        '\ufeff',
        '0x10',
        '.inf',
        '~',
        'null',
        'yes',
        '1e400',
        '-',
        '@',
        '`',
      ),
      fc.string({ maxLength: 8, unit: 'grapheme' }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/** An alias bomb (each level doubles the last): yaml refuses excessive aliasing; the loader must say so as a PolicyError. */
const aliasBomb = fc.integer({ min: 1, max: 12 }).map((levels) => {
  const lines = ['a0: &a0 [x, x]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 8 }, () => `*a${i - 1}`).join(', ')}]`);
  return `apiVersion: airlock/v1\n${lines.join('\n')}\n`;
});

describe('policy loader fuzz (compilePolicy)', () => {
  it(
    `compiles or rejects with located problems: ${FUZZ_RUNS} structure-aware documents`,
    () => {
      const seen: Record<LoadResult, number> = { compiled: 0, rejected: 0 };
      fc.assert(
        fc.property(policyText, (text) => {
          seen[expectCompiledOrPolicyError(text)]++;
        }),
        { seed: fuzzSeed('policy-structured'), numRuns: FUZZ_RUNS },
      );
      // The generator must reach the compiler, not only the schema: some documents compile.
      expect(seen.compiled).toBeGreaterThan(0);
      expect(seen.rejected).toBeGreaterThan(FUZZ_RUNS / 2);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    `compiles or rejects with located problems: ${FUZZ_RUNS} raw texts (YAML token soup, unicode, binary)`,
    () => {
      fc.assert(
        fc.property(fc.oneof(yamlSoup, fc.string({ maxLength: 400, unit: 'binary' }), fc.string({ maxLength: 200, unit: 'grapheme' }), aliasBomb), (text) => {
          expectCompiledOrPolicyError(text);
        }),
        { seed: fuzzSeed('policy-raw'), numRuns: FUZZ_RUNS },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it('rejects a YAML alias without its anchor, and an alias bomb, as a PolicyError (a defect this fuzzer found)', () => {
    fc.assert(
      fc.property(fc.oneof(aliasBomb, fc.constant('apiVersion: airlock/v1\nrules: *missing\n')), (text) => {
        expect(expectCompiledOrPolicyError(text)).toBe('rejected');
      }),
      { seed: fuzzSeed('policy-alias'), numRuns: 50 },
    );
  });

  it(
    `type-checks ${FUZZ_RUNS} random CEL conditions in a valid rule without throwing anything but PolicyError`,
    () => {
      fc.assert(
        fc.property(celExpr, (when) => {
          const text = stringify({ apiVersion: 'airlock/v1', rules: [{ id: 'r', tools: ['*'], when, tier: 'low', outcome: 'allow', reason: 'fuzz' }] });
          expectCompiledOrPolicyError(text);
        }),
        { seed: fuzzSeed('policy-cel'), numRuns: FUZZ_RUNS },
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
