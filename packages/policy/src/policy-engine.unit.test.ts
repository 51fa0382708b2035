import { compilePolicy, evaluatePolicy, PolicyError, type CompiledPolicy, type PolicyInput } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, PolicyStore, loadPolicyFile } from '@airlock/policy/files';
import fc from 'fast-check';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const agent = { id: 'billing-bot', team: 'billing', owner: 'owner', allowedTools: ['*'] };
const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({ tool: 'payments.refund', toolKnown: true, args: {}, agent, rationale: '', ...over });

describe('policy evaluation (default policy)', () => {
  const policy = loadPolicyFile(DEFAULT_POLICY_FILE);

  it.each([
    ['10.00', 'allow', 'low', 1],
    ['125.00', 'require_approval', 'high', 1],
    ['2500.00', 'require_approval', 'critical', 2],
  ])('classifies a refund of %s as %s / %s', (amount, decision, tier, quorum) => {
    const result = evaluatePolicy(policy, input({ args: { amount } }));
    expect(result).toMatchObject({ decision, tier, policyVersion: policy.version });
    if (result.decision === 'require_approval') expect(result.approval.requiredApprovals).toBe(quorum);
  });

  it('denies tools no worker has, whatever the rules say', () => {
    expect(evaluatePolicy(policy, input({ tool: 'demo.echo', toolKnown: false }))).toMatchObject({ decision: 'deny', reasons: [expect.stringMatching(/unknown tool/)] });
  });

  it('denies tools outside the agent allowlist (least privilege)', () => {
    const result = evaluatePolicy(policy, input({ tool: 'demo.echo', agent: { ...agent, allowedTools: ['payments.*'] } }));
    expect(result).toMatchObject({ decision: 'deny', reasons: [expect.stringMatching(/not allowed to call "demo.echo"/)] });
  });

  it('reads agent signals as `result` (low confidence needs a human)', () => {
    expect(evaluatePolicy(policy, input({ tool: 'demo.echo', args: { message: 'x' }, signals: { confidence: 0.4 } }))).toMatchObject({
      decision: 'require_approval',
      tier: 'high',
    });
    expect(evaluatePolicy(policy, input({ tool: 'demo.echo', args: { message: 'x' }, signals: { confidence: 0.9 } }))).toMatchObject({ decision: 'allow' });
  });

  it('fails closed when a restrictive rule cannot be evaluated', () => {
    const result = evaluatePolicy(policy, input({ args: { paymentId: 'p' } }));
    expect(result.decision).toBe('require_approval');
    expect(result.reasons.join(' ')).toMatch(/could not be evaluated.*failing closed/);
  });
});

describe('policy loading', () => {
  const bad = (text: string) => {
    try {
      compilePolicy(text, 'policies/bad.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      return (error as PolicyError).message;
    }
    throw new Error('expected the policy to be rejected');
  };
  const rule = (extra: string) =>
    `apiVersion: airlock/v1\nrules:\n  - id: r1\n    tools: [demo.echo]\n    tier: low\n    outcome: allow\n    reason: ok\n  - id: broken\n    tools: [demo.echo]\n    tier: low\n    outcome: allow\n    reason: x\n${extra}`;

  it('rejects a CEL type error naming the file, rule and position', () => {
    expect(bad(rule('    when: tool.startsWith(1)\n'))).toBe(
      'policies/bad.yaml: rules[1].when (rule "broken") column 1: found no matching overload for \'string.startsWith(int)\' in `tool.startsWith(1)`',
    );
  });

  it('rejects CEL syntax errors and unknown variables', () => {
    expect(bad(rule('    when: args.amount >\n'))).toMatch(/rules\[1\]\.when \(rule "broken"\) column 14: Unexpected token: EOF/);
    expect(bad(rule('    when: secrets.token == "x"\n'))).toMatch(/Unknown variable: secrets/);
    expect(bad(rule('    when: 1 + 1\n'))).toMatch(/must be a boolean expression, but `1 \+ 1` is int/);
  });

  it('rejects schema errors with the field path', () => {
    expect(bad(rule('    approval: { quorum: 2 }\n'))).toMatch(/rules\[1\]\.approval \(rule "broken"\): only require_approval rules take an approval block/);
    expect(bad('apiVersion: airlock/v1\nrules:\n  - id: a\n    tools: [demo.echo]\n    tier: severe\n    outcome: allow\n    reason: r\n')).toMatch(
      /rules\[0\]\.tier \(rule "a"\): must be one of low, medium, high, critical \(got "severe"\)/,
    );
    // Rate limits as an operator reads them, not zod's `Invalid option: expected one of "agent"|…` or `Too small: expected number to be >=1`.
    const limits = bad('apiVersion: airlock/v1\nrateLimits:\n  - { id: rl, scope: team, limit: 0, window: 1m, outcome: block }\n');
    expect(limits).toContain('rateLimits[0].scope: must be one of agent, tool, agent_tool (got "team")');
    expect(limits).toContain('rateLimits[0].limit: must be at least 1');
    expect(limits).toContain('rateLimits[0].outcome: must be one of deny, require_approval (got "block")');
    expect(bad('apiVersion: airlock/v2\n')).toBe('policies/bad.yaml: apiVersion: must be "airlock/v1" (got "airlock/v2")');
    expect(bad('rules: [\n')).toMatch(/\(file\)/);
  });

  it('rejects a NUL or a lone surrogate in free text that is stored or audited, naming the field', () => {
    // YAML's "\0" and "\ud800" escapes: the policy passed `policy check`, then every admission it matched failed its write for ever.
    const NUL = 'must not contain NUL characters (PostgreSQL cannot store them)';
    const LONE = 'must be Unicode text: it holds a lone surrogate (half of a UTF-16 pair), which can be neither hashed nor stored';
    const one = (fields: string) => `apiVersion: airlock/v1\nrules:\n  - id: a\n    tools: [demo.echo]\n    tier: low\n${fields}`;
    expect(bad(one('    outcome: allow\n    reason: "refund\\0ok"\n'))).toContain(`rules[0].reason (rule "a"): ${NUL}`);
    expect(bad(one('    outcome: allow\n    reason: "half \\ud800"\n'))).toContain(`rules[0].reason (rule "a"): ${LONE}`);
    expect(bad(one('    outcome: allow\n    reason: ok\n    description: "a\\0b"\n'))).toContain(`rules[0].description (rule "a"): ${NUL}`);
    expect(bad(one('    outcome: allow\n    reason: ok\n    when: "args.message == \'a\\0\'"\n'))).toContain(`rules[0].when (rule "a"): ${NUL}`);
    const approval = (block: string) => one(`    outcome: require_approval\n    reason: ok\n    approval: ${block}\n`);
    expect(bad(approval('{ group: "ops\\0" }'))).toContain(`rules[0].approval.group (rule "a"): ${NUL}`);
    expect(bad(approval('{ escalation: [{ after: 5m, to: "\\udc00" }] }'))).toContain(`rules[0].approval.escalation[0].to (rule "a"): ${LONE}`);
    expect(bad(`apiVersion: airlock/v1\ndefaults:\n  approval: { group: "x\\0" }\n`)).toContain(`defaults.approval.group: ${NUL}`);
    // The escape typed as text (a backslash and a zero in single quotes) and whole pairs stay fine.
    expect(compilePolicy(one("    outcome: allow\n    reason: 'refund\\0 👍'\n"), 'ok.yaml').rules[0]?.reason).toBe('refund\\0 👍');
  });

  it('rejects a duration longer than ten years, naming the field', () => {
    // "99999999d" passed `policy check`; its deadline lies past JavaScript's last date (and a shorter one past
    // Temporal's longest timer), so every admission the rule matched failed, retried for ever.
    const one = (fields: string) => `apiVersion: airlock/v1\nrules:\n  - id: a\n    tools: [demo.echo]\n    tier: low\n${fields}`;
    const approval = (block: string) => one(`    outcome: require_approval\n    reason: ok\n    approval: ${block}\n`);
    expect(bad(approval('{ deadline: 99999999d }'))).toContain('rules[0].approval.deadline (rule "a"): at most 3650d (ten years)');
    expect(bad(approval('{ escalation: [{ after: 315360001s, to: ops }] }'))).toContain('rules[0].approval.escalation[0].after (rule "a"): at most 3650d (ten years)');
    expect(bad('apiVersion: airlock/v1\nrateLimits:\n  - { id: rl, scope: agent, limit: 1, window: 87601h }\n')).toContain('rateLimits[0].window: at most 3650d (ten years)');
    expect(compilePolicy(approval('{ deadline: 3650d }'), 'ok.yaml').rules[0]?.approval?.deadline).toBe(3_650 * 86_400_000);
  });

  it('rejects approvers and escalation targets that can decide nothing, naming the field', () => {
    // No channel lets a viewer decide, so a viewer "approver" kept a quorum reachable for ever; `role:admins` admitted no one.
    const one = (block: string) =>
      `apiVersion: airlock/v1\nrules:\n  - id: a\n    tools: [demo.echo]\n    tier: low\n    outcome: require_approval\n    reason: ok\n    approval: ${block}\n`;
    expect(bad(one('{ role: viewer }'))).toBe('policies/bad.yaml: rules[0].approval.role (rule "a"): viewers cannot decide an approval: must be approver or admin');
    expect(bad(one('{ role: owner }'))).toContain('rules[0].approval.role (rule "a"): must be one of approver, admin (got "owner")');
    expect(bad(one('{ escalation: [{ after: 5m, to: "role:viewer" }] }'))).toContain(
      'rules[0].approval.escalation[0].to (rule "a"): viewers cannot decide an approval: escalate to role:approver or role:admin',
    );
    expect(bad(one('{ escalation: [{ after: 5m, to: "role:admins" }] }'))).toContain(
      'rules[0].approval.escalation[0].to (rule "a"): "role:admins" names no role: use role:approver or role:admin',
    );
    expect(bad('apiVersion: airlock/v1\ndefaults:\n  approval: { role: viewer }\n  budgetApproval: { escalation: [{ after: 1m, to: "role:" }] }\n')).toMatch(
      /defaults\.approval\.role: viewers cannot decide.*defaults\.budgetApproval\.escalation\[0\]\.to: "role:" names no role/,
    );
    const fine = compilePolicy(
      one('{ role: admin, escalation: [{ after: 5m, to: finance-leads }, { after: 10m, to: "role:approver" }, { after: 15m, to: "role:admin" }] }'),
      'ok.yaml',
    );
    expect(fine.rules[0]?.approval?.escalation?.map((step) => step.to)).toEqual(['finance-leads', 'role:approver', 'role:admin']);
  });

  it('rejects a matches() pattern that does not compile, where it stands', () => {
    // cel-js compiles the pattern at each call: `matches('(rm')` passed `policy check` and failed on every request.
    expect(bad(rule('    when: "args.message.matches(\'(rm\')"\n'))).toBe(
      'policies/bad.yaml: rules[1].when (rule "broken") column 22: matches(): Invalid regular expression: /(rm/: Unterminated group in `args.message.matches(\'(rm\')`',
    );
    expect(bad(rule('    when: "args.message.size() > 1 && args.message.matches(\'[a-\')"\n'))).toMatch(
      /column 49: matches\(\): Invalid regular expression: \/\[a-\/: Unterminated character class/,
    );
    // A pattern read from the arguments is known only at evaluation; a restrictive rule fails closed on it.
    expect(compilePolicy(rule('    when: "args.message.matches(args.pattern) || args.message.matches(\'^(a|b)+$\')"\n'), 'ok.yaml').rules).toHaveLength(2);
  });

  it('keeps the previous policy active when a reload fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-policy-'));
    const file = path.join(dir, 'policy.yaml');
    await writeFile(file, rule(''));
    const store = new PolicyStore(file);
    const before = store.current().version;
    await writeFile(file, rule('    when: nope(\n'));
    const reload = store.reload();
    expect(reload).toMatchObject({ ok: false, activeVersion: before });
    expect(store.current().version).toBe(before);
    await writeFile(file, rule('    when: args.message == "x"\n'));
    expect(store.reload()).toMatchObject({ ok: true });
    expect(store.current().version).not.toBe(before);
  });
});

// Property-based: generated policies and requests.
const outcomes = ['allow', 'allow_and_notify', 'require_approval', 'deny'] as const;
const tiers = ['low', 'medium', 'high', 'critical'] as const;
const outcomeRank = { allow: 0, allow_and_notify: 1, require_approval: 2, deny: 3 };
const tierRank = { low: 0, medium: 1, high: 2, critical: 3 };

const ruleArb = fc.record({
  outcome: fc.constantFrom(...outcomes),
  tier: fc.constantFrom(...tiers),
  threshold: fc.integer({ min: 0, max: 100 }),
  tool: fc.constantFrom('demo.echo', 'demo.*', '*', 'payments.refund'),
});

interface GeneratedRule {
  outcome: (typeof outcomes)[number];
  tier: (typeof tiers)[number];
  threshold: number;
  tool: string;
}

function policyOf(rules: GeneratedRule[]): CompiledPolicy {
  const yaml = [
    'apiVersion: airlock/v1',
    'defaults: { unmatched: deny }',
    rules.length ? 'rules:' : 'rules: []',
    ...rules.flatMap((r, i) => [
      `  - id: r${i}`,
      `    tools: ["${r.tool}"]`,
      `    when: args.n >= ${r.threshold}`,
      `    tier: ${r.tier}`,
      `    outcome: ${r.outcome}`,
      `    reason: rule ${i}`,
    ]),
  ].join('\n');
  return compilePolicy(yaml, 'generated.yaml');
}

const matches = (tool: string, pattern: string) => pattern === '*' || pattern === tool || (pattern.endsWith('.*') && tool.startsWith(pattern.slice(0, -1)));

describe('policy evaluation properties', () => {
  it('the most restrictive matching rule wins, and the tier is the highest matched', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 100 }), fc.constantFrom('demo.echo', 'payments.refund'), (rules, n, tool) => {
        const result = evaluatePolicy(policyOf(rules), input({ tool, args: { n } }));
        const matched = rules.filter((r) => matches(tool, r.tool) && n >= r.threshold);
        if (matched.length === 0) {
          expect(result.decision).toBe('deny');
          return;
        }
        const strongest = Math.max(...matched.map((r) => outcomeRank[r.outcome]));
        const expected = strongest === 3 ? 'deny' : strongest === 2 ? 'require_approval' : 'allow';
        expect(result.decision).toBe(expected);
        expect(tierRank[result.tier]).toBe(Math.max(...matched.map((r) => tierRank[r.tier])));
        expect(result.matchedRules).toHaveLength(matched.length);
      }),
      { numRuns: 1000, seed: 42 },
    );
  });

  it('an unknown tool is always denied, whatever the rules', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 8 }), fc.integer({ min: 0, max: 100 }), (rules, n) => {
        const result = evaluatePolicy(policyOf(rules), input({ tool: 'demo.echo', toolKnown: false, args: { n } }));
        expect(result).toMatchObject({ decision: 'deny', tier: 'critical' });
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('adding a rule never makes a decision more permissive', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), ruleArb, fc.integer({ min: 0, max: 100 }), (rules, extra, n) => {
        const rank = (d: string) => ({ allow: 0, require_approval: 2, deny: 3 })[d] ?? 0;
        const before = evaluatePolicy(policyOf([...rules, { ...extra, outcome: 'deny' }]), input({ tool: 'demo.echo', args: { n } }));
        const after = evaluatePolicy(policyOf([...rules, { ...extra, outcome: 'deny' }, extra]), input({ tool: 'demo.echo', args: { n } }));
        expect(rank(after.decision)).toBeGreaterThanOrEqual(rank(before.decision));
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
