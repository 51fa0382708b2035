import { readFile } from 'node:fs/promises';
import { describeZodIssues, PLAN_TOOL, type Classification } from '@airlock/core';
import { classifyPlan, evaluatePolicy, fileErrorReason, formatProblem, PolicyError, PolicyFileUnreadableError, type CompiledPolicy } from '@airlock/policy';
import { loadPolicyFile } from '@airlock/policy/files';
import { z } from 'zod';
import { CliError } from './cli-error.js';
import { formatTable } from './table.js';

const SampleRequest = z
  .object({
    name: z.string().optional(),
    tool: z.string().min(1),
    args: z.record(z.string(), z.unknown()).default({}),
    rationale: z.string().default(''),
    signals: z.record(z.string(), z.unknown()).optional(),
    agent: z
      .object({
        id: z.string().default('sample-agent'),
        team: z.string().default('default'),
        owner: z.string().nullable().default(null),
        allowedTools: z.array(z.string()).default(['*']),
      })
      .prefault({}),
  })
  .strict();
const SampleRequests = z.array(SampleRequest).min(1);

export function loadOrExplain(file: string) {
  try {
    return loadPolicyFile(file);
  } catch (error) {
    // Nothing in the file to point at: one line naming the path and what is wrong.
    if (error instanceof PolicyFileUnreadableError) throw new CliError(`cannot read policy file ${error.source}: ${error.reason}`);
    if (error instanceof PolicyError) throw new CliError(`policy rejected: ${error.source}\n${error.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    throw error;
  }
}

/** `airlock policy check <file>`: compiles and type-checks every expression. */
export function policyCheck(file: string): string {
  const policy = loadOrExplain(file);
  return `ok ${file}: ${policy.rules.length} rules, ${policy.rateLimits.length} rate limits, version ${policy.version}`;
}

/** `airlock policy test <file> <requests.json>`: how each sample request would be classified. */
export async function policyTest(file: string, requestsFile: string): Promise<string> {
  const policy = loadOrExplain(file);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(requestsFile, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${requestsFile}: ${fileErrorReason(error)}`);
  }
  const malformed = (error: z.ZodError, root?: string) =>
    new CliError(
      `${requestsFile}: ${describeZodIssues(error, root)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  const parsed = SampleRequests.safeParse(raw);
  if (!parsed.success) throw malformed(parsed.error);
  const rows = parsed.data.map((request, index) => {
    const result = classifySample(policy, request, (error) => malformed(error, `${index}.args`));
    const approval =
      result.decision === 'require_approval'
        ? `${result.approval.requiredApprovals} × ${result.approval.approverRole}${result.approval.approverGroup ? `@${result.approval.approverGroup}` : ''}`
        : '';
    return [
      String(index + 1),
      request.name ?? request.tool,
      result.decision + ('notify' in result && result.notify ? ' (+notify)' : ''),
      result.tier,
      approval,
      (result.matchedRules ?? []).join(',') || '-',
      result.reasons.join(' | '),
    ];
  });
  return `${formatTable(['#', 'request', 'decision', 'tier', 'approval', 'rules', 'reasons'], rows, 70)}\n\npolicy ${file} version ${policy.version}`;
}

/** A sample as admission classifies it: a plan (airlock.plan) step by step, each step as the same request for its tool alone. */
function classifySample(policy: CompiledPolicy, request: z.infer<typeof SampleRequest>, malformedPlan: (error: z.ZodError) => Error): Classification {
  const classifyTool = (tool: string, args: Record<string, unknown>) => evaluatePolicy(policy, { ...request, tool, args, toolKnown: true });
  if (request.tool !== PLAN_TOOL) return classifyTool(request.tool, request.args);
  const classified = classifyPlan(policy, request.args, (step) => ({ classification: classifyTool(step.tool, step.args) }));
  if (!classified.ok) throw malformedPlan(classified.error);
  return classified.plan.classification;
}
