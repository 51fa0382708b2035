import { formatZodError, PLAN_TOOL, PlanArgs, type Classification } from '@airlock/core';
import { redactedFields } from '@airlock/guardrails';
import { classifyPlan, evaluatePolicy, readTouches, type CompiledPolicy, type CompiledRule, type PolicyInput } from '@airlock/policy';
import { differs, verdictOf, type Verdict } from './outcome-change.js';

// One stored action classified again by the live policy and a candidate, with the one
// evaluator (evaluatePolicy). A stored record lacks what redaction removed (and, on rows
// from before signals were kept, the signals): a rule that reads such a field is not
// guessed. Its condition is tried both ways, and the comparison is certain only when
// every combination gives the same answer. A plan is classified as admission classifies
// it (classifyPlan), each step by the policy alone on its recorded arguments.

export interface RecordedAction {
  tool: string;
  /** As stored: redacted. */
  args: Record<string, unknown>;
  /** As stored: redacted. */
  rationale: string;
  /** As stored (redacted); null when the row predates their recording. */
  signals: Record<string, unknown> | null;
  agent: PolicyInput['agent'];
}

/** A rule whose condition reads fields this record does not hold. */
export interface UnknownRead {
  policy: 'live' | 'candidate';
  ruleId: string;
  fields: string[];
}

export interface RecordedComparison {
  /** `uncertain`: the answer depends on a rule over a field the record lacks. */
  status: 'same' | 'changed' | 'uncertain';
  live: Verdict;
  candidate: Verdict;
  /** The classifications the verdicts come from, with what the verdicts leave out (the reasons: a plan's step-labelled ones). */
  classifications: { live: Classification; candidate: Classification };
  unknownReads: UnknownRead[];
}

/** Past this many unknown conditions in one action the combinations are not tried: it is uncertain. */
const MAX_UNKNOWN_CONDITIONS = 10;

interface Unit {
  tool: string;
  args: Record<string, unknown>;
  unknownFields: string[];
}

export function compareRecorded(live: CompiledPolicy, candidate: CompiledPolicy, action: RecordedAction): RecordedComparison {
  const units = unitsOf(action);
  // A condition is one unknown per step: the same expression in both policies has one truth value.
  const unknown = new Map<string, number>();
  const unknownReads: UnknownRead[] = [];
  const collect = (policy: CompiledPolicy, side: UnknownRead['policy']) =>
    units.forEach((unit, index) => {
      for (const rule of policy.rules) {
        const fields = unknownFieldsRead(rule, unit);
        if (fields.length === 0) continue;
        unknownReads.push({ policy: side, ruleId: rule.id, fields });
        const key = conditionKey(index, rule);
        if (!unknown.has(key)) unknown.set(key, unknown.size);
      }
    });
  collect(live, 'live');
  collect(candidate, 'candidate');

  const classify = (policy: CompiledPolicy, assumed: (key: string) => boolean | undefined): Classification => {
    const evaluate = (index: number) => {
      const unit = units[index]!;
      return evaluatePolicy(withAssumptions(policy, unit, index, assumed), inputOf(action, unit));
    };
    if (action.tool !== PLAN_TOOL) return evaluate(0);
    // Reversibility is known only to workers: admission's no-rollback reason is left out (reasons are not compared).
    const plan = classifyPlan(policy, action.args, (_step, index) => ({ classification: evaluate(index) }));
    if (plan.ok) return plan.plan.classification;
    return { decision: 'deny', tier: 'critical', reasons: [`invalid plan: ${formatZodError(plan.error, 'args')}`], policyVersion: policy.version };
  };
  const compared = (l: Classification, c: Classification): Omit<RecordedComparison, 'status' | 'unknownReads'> => ({
    live: verdictOf(l),
    candidate: verdictOf(c),
    classifications: { live: l, candidate: c },
  });

  if (unknown.size === 0) {
    const pair = compared(
      classify(live, () => undefined),
      classify(candidate, () => undefined),
    );
    return { status: differs(pair.live, pair.candidate) ? 'changed' : 'same', ...pair, unknownReads };
  }
  const keys = [...unknown.keys()];
  const answers = new Set<string>();
  let first: ReturnType<typeof compared> | undefined;
  let anyDiffers = false;
  let tried = false;
  if (keys.length <= MAX_UNKNOWN_CONDITIONS) {
    tried = true;
    for (let mask = 0; mask < 2 ** keys.length; mask++) {
      const assumed = (key: string) => ((mask >> unknown.get(key)!) & 1) === 1;
      const pair = compared(classify(live, assumed), classify(candidate, assumed));
      first ??= pair;
      // The approval's terms are part of the answer: a quorum that depends on a redacted field is not guessed either.
      answers.add(JSON.stringify([pair.live.decision, pair.live.tier, pair.live.approval, pair.candidate.decision, pair.candidate.tier, pair.candidate.approval]));
      anyDiffers ||= differs(pair.live, pair.candidate);
      if (answers.size > 1 && anyDiffers) break;
    }
  }
  // Agreeing whatever the fields hold is certain, even where what both say depends on them.
  if (tried && !anyDiffers && first) return { status: 'same', ...first, unknownReads };
  if (answers.size === 1 && first) return { status: 'changed', ...first, unknownReads };
  // Shown as the record's values give them; the status says not to trust it.
  return {
    status: 'uncertain',
    ...compared(
      classify(live, () => undefined),
      classify(candidate, () => undefined),
    ),
    unknownReads,
  };
}

/** What the policy evaluates: the action, or each step of a plan in order (none when the plan does not parse: it is denied whatever the policy). */
function unitsOf(action: RecordedAction): Unit[] {
  const context = [...redactedFields(action.rationale, 'rationale'), ...(action.signals === null ? ['result'] : redactedFields(action.signals, 'result'))];
  if (action.tool === PLAN_TOOL) {
    const plan = PlanArgs.safeParse(action.args);
    return plan.success ? plan.data.steps.map((step) => ({ tool: step.tool, args: step.args, unknownFields: [...redactedFields(step.args, 'args'), ...context] })) : [];
  }
  return [{ tool: action.tool, args: action.args, unknownFields: [...redactedFields(action.args, 'args'), ...context] }];
}

function unknownFieldsRead(rule: CompiledRule, unit: Unit): string[] {
  if (!rule.matchesTool(unit.tool)) return [];
  return unit.unknownFields.filter((field) => rule.reads.some((read) => readTouches(read, field)));
}

const conditionKey = (unit: number, rule: CompiledRule) => `${unit}:${rule.when ?? ''}`;

/** The policy with each rule over an unknown field answering as assumed (the evaluator itself is unchanged). */
function withAssumptions(policy: CompiledPolicy, unit: Unit, index: number, assumed: (key: string) => boolean | undefined): CompiledPolicy {
  const rules = policy.rules.map((rule) => {
    if (unknownFieldsRead(rule, unit).length === 0) return rule;
    const value = assumed(conditionKey(index, rule));
    return value === undefined ? rule : { ...rule, condition: () => value };
  });
  return { ...policy, rules };
}

function inputOf(action: RecordedAction, unit: Unit): PolicyInput {
  // A recorded action's tool was known to the worker (unknown-tool denials are left out by the caller).
  return { tool: unit.tool, toolKnown: true, args: unit.args, agent: action.agent, rationale: action.rationale, ...(action.signals ? { signals: action.signals } : {}) };
}
