import { compareRecorded } from '@airlock/ops';
import { compilePolicy, fieldReads } from '@airlock/policy';
import { describe, expect, it } from 'vitest';

// Which recorded fields a rule reads, and how a comparison over a redacted record
// stays certain only when the unknown cannot change the answer.

describe('fieldReads', () => {
  it('names the paths under args, rationale and result that an expression reads', () => {
    expect(fieldReads('cents(args.amount) > 5000')).toEqual(['args.amount']);
    expect(fieldReads('has(args.card.number) && args["x-y"] == "1"')).toEqual(['args.card.number', 'args.x-y']);
    expect(fieldReads('args.items.exists(i, i.email.endsWith("@x.com"))')).toEqual(['args.items']);
    expect(fieldReads('args[tool] == 1 && rationale.contains("urgent")')).toEqual(['args', 'rationale']);
    expect(fieldReads('has(result.confidence) && double(result.confidence) < 0.7')).toEqual(['result.confidence']);
    expect(fieldReads('tool == "a" && agent.team == "b"')).toEqual([]);
  });

  it('compiled rules carry them', () => {
    const policy = compilePolicy(
      'apiVersion: airlock/v1\nrules:\n  - { id: r, tools: ["*"], when: "args.to.endsWith(\\"@corp.com\\")", tier: low, outcome: allow, reason: x }\n',
      'p.yaml',
    );
    expect(policy.rules[0]!.reads).toEqual(['args.to']);
  });
});

const rule = (id: string, when: string, outcome: string, tier = 'medium') =>
  `  - { id: ${id}, tools: [mail.send], when: '${when}', tier: ${tier}, outcome: ${outcome}, reason: ${id} }\n`;
const policy = (rules: string, unmatched = 'allow') =>
  compilePolicy(`apiVersion: airlock/v1\ndefaults: { unmatched: ${unmatched} }\nrules:${rules ? `\n${rules}` : ' []'}`, 'p.yaml');
const action = (args: Record<string, unknown>) => ({ tool: 'mail.send', args, rationale: 'r', signals: {}, agent: { id: 'a', team: 't', owner: null, allowedTools: ['*'] } });

describe('compareRecorded over a redacted record', () => {
  const external = rule('external', '!args.to.endsWith("@corp.com")', 'require_approval');
  it('a rule over a redacted field that could change the answer makes it uncertain', () => {
    const result = compareRecorded(policy(''), policy(external), action({ to: '[REDACTED:email]', body: 'hi' }));
    expect(result).toMatchObject({ status: 'uncertain', unknownReads: [{ policy: 'candidate', ruleId: 'external', fields: ['args.to'] }] });
  });
  it('the same rule in both policies is one unknown: a change elsewhere stays certain', () => {
    const big = (outcome: string) => rule('big', 'args.size > 10', outcome, 'high');
    const result = compareRecorded(policy(external + big('require_approval')), policy(external + big('deny')), action({ to: '[REDACTED:email]', size: 20 }));
    expect(result).toMatchObject({ status: 'changed', live: { decision: 'require_approval', tier: 'high' }, candidate: { decision: 'deny', tier: 'high' } });
  });
  it('an unredacted field is evaluated as stored', () => {
    const result = compareRecorded(policy(''), policy(external), action({ to: 'x@other.com' }));
    expect(result).toMatchObject({ status: 'changed', live: { decision: 'allow' }, candidate: { decision: 'require_approval' }, unknownReads: [] });
  });
  it('signals missing from an old record count as unknown for rules over result', () => {
    const low = rule('low', 'has(result.confidence) && double(result.confidence) < 0.7', 'deny');
    const result = compareRecorded(policy(''), policy(low), { ...action({ to: 'x@corp.com' }), signals: null });
    expect(result).toMatchObject({ status: 'uncertain', unknownReads: [{ ruleId: 'low', fields: ['result'] }] });
  });
});
