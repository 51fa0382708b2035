import { createHash } from 'node:crypto';
import { parse, type Environment } from '@marcbachmann/cel-js';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { createPolicyEnvironment, type PolicyContext } from './cel.js';
import { plainZodIssue } from './zod-wording.js';
import { PolicyError, type PolicyProblem } from './errors.js';
import { celNodes, fieldReads } from './field-reads.js';
import { PolicyFile, type RateLimit, type Rule } from './schema.js';

export interface CompiledRule extends Rule {
  matchesTool(tool: string): boolean;
  /** The recorded fields `when` reads (field-reads.ts): what a backtest over redacted records must know. */
  reads: string[];
  /** Evaluates `when`; throws on evaluation errors, a result that is not a boolean among them (the caller decides how to fail closed). */
  condition(ctx: PolicyContext): boolean;
}

export interface CompiledRateLimit extends RateLimit {
  matchesTool(tool: string): boolean;
}

export interface CompiledPolicy {
  /** Content hash of the source text: recorded on every action it classifies. */
  version: string;
  source: string;
  file: PolicyFile;
  rules: CompiledRule[];
  rateLimits: CompiledRateLimit[];
}

export function toolMatcher(patterns: readonly string[]): (tool: string) => boolean {
  const regexes = patterns.map((p) => (p === '*' ? /^.*$/ : new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*$/, '.+')}$`)));
  return (tool) => regexes.some((r) => r.test(tool));
}

/**
 * Parses, validates and type-checks a policy (YAML or JSON). Every CEL
 * expression is compiled once here, so a bad policy fails at load with the
 * file, rule and position, never at evaluation time.
 */
export function compilePolicy(text: string, source: string): CompiledPolicy {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PolicyError(
      source,
      doc.errors.map((e) => ({ path: '(file)', line: e.linePos?.[0].line, column: e.linePos?.[0].col, message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  let raw: unknown;
  try {
    // Resolving aliases can still fail (an alias without its anchor, an alias bomb).
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new PolicyError(source, [{ path: '(file)', message: error instanceof Error ? error.message : String(error) }]);
  }
  const parsed = PolicyFile.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new PolicyError(source, zodProblems(parsed.error, raw));
  const file = parsed.data;
  const env = createPolicyEnvironment();
  const problems: PolicyProblem[] = [];
  const rules = file.rules.map((rule, index): CompiledRule => {
    const condition = rule.when ? compileCondition(env, rule.when, `rules[${index}].when`, rule.id, problems) : () => true;
    return { ...rule, matchesTool: toolMatcher(rule.tools), condition, reads: rule.when && problems.length === 0 ? fieldReads(rule.when) : [] };
  });
  if (problems.length > 0) throw new PolicyError(source, problems);
  return {
    version: createHash('sha256').update(text).digest('hex').slice(0, 16),
    source,
    file,
    rules,
    rateLimits: file.rateLimits.map((limit) => ({ ...limit, matchesTool: toolMatcher(limit.tools) })),
  };
}

/** Compiles a standalone CEL condition (e.g. a standing approval's) against the policy environment. */
export function compileCondition(env: Environment, expression: string, path: string, ruleId: string | undefined, problems: PolicyProblem[]): (ctx: PolicyContext) => boolean {
  const checked = env.check(expression);
  if (!checked.valid) {
    const error = checked.error as (Error & { node?: { pos?: number } }) | undefined;
    problems.push({
      path,
      ruleId,
      column: error?.node?.pos !== undefined ? error.node.pos + 1 : undefined,
      message: `${(error?.message ?? 'invalid expression').split('\n')[0]} in \`${expression}\``,
    });
    return () => false;
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    problems.push({ path, ruleId, message: `must be a boolean expression, but \`${expression}\` is ${checked.type}` });
    return () => false;
  }
  const badPattern = invalidConstantPattern(expression);
  if (badPattern) {
    problems.push({ path, ruleId, column: badPattern.pos + 1, message: `${badPattern.message} in \`${expression}\`` });
    return () => false;
  }
  const program = env.parse(expression);
  return (ctx) => booleanResult(program(ctx));
}

/**
 * A `dyn` expression (`args.force`) passes the type check, so its value is only known at evaluation. Anything but a
 * boolean is an evaluation error: a restrictive rule then fails closed. Counting only `true` as a match let `"true"`
 * or `1` skip a deny rule. The value is not quoted: reasons are stored and shown, and it is the agent's.
 */
function booleanResult(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`the result is ${celTypeOf(value)}, not a bool`);
  return value;
}

function celTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Map || (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)) return 'a map';
  const scalar: Partial<Record<string, string>> = { string: 'a string', bigint: 'an int', number: 'a double' };
  return scalar[typeof value] ?? 'a value of another type';
}

/**
 * The first `x.matches('<literal>')` whose pattern does not compile. cel-js builds each pattern with `new RegExp` (no
 * flags) at every call, so `matches('(rm')` passed the check and then failed on every request the rule saw.
 */
function invalidConstantPattern(expression: string): { pos: number; message: string } | undefined {
  for (const node of celNodes(parse(expression).ast)) {
    if (node.op !== 'rcall' || node.args[0] !== 'matches') continue;
    const pattern = node.args[2][0];
    if (pattern?.op !== 'value' || typeof pattern.args !== 'string') continue;
    try {
      new RegExp(pattern.args);
    } catch (error) {
      return { pos: pattern.pos, message: `matches(): ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return undefined;
}

function zodProblems(error: z.ZodError, raw: unknown): PolicyProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';
    const ruleIndex = issue.path[0] === 'rules' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
    const ruleId = ruleIndex !== undefined ? ruleIdAt(raw, ruleIndex) : undefined;
    return { path, ruleId, message: plainZodIssue(issue).message };
  });
}

function ruleIdAt(raw: unknown, index: number): string | undefined {
  const rules = (raw as { rules?: unknown[] } | null)?.rules;
  const rule = Array.isArray(rules) ? (rules[index] as { id?: unknown } | undefined) : undefined;
  return typeof rule?.id === 'string' ? rule.id : undefined;
}
