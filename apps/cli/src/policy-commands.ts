import { readFile } from 'node:fs/promises';
import { describeZodIssues, PLAN_TOOL, PlanArgs } from '@airlock/core';
import { fileErrorReason, formatProblem, PolicyError, PolicyFileUnreadableError } from '@airlock/policy';
import { assessRequest } from '@airlock/policy/assessment';
import { defaultExecution, shippedTools, type Execution } from '@airlock/policy/shipped-tools';
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
    execution: z.enum(['worker', 'agent']).optional(),
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

/**
 * `airlock policy test <file> <requests.json>`: how admission's classification (`assessRequest`:
 * argument checks, policy, least privilege, the guardrails' prompt-injection escalation) would
 * decide each sample request, as the policy dry-run does. `execution` (each sample's own, else the
 * option, else as the dry-run defaults) says whether it is sent to a worker or gate-only.
 */
export async function policyTest(file: string, requestsFile: string, options: { execution?: string } = {}): Promise<string> {
  if (options.execution !== undefined && options.execution !== 'worker' && options.execution !== 'agent')
    throw new CliError(`--execution must be worker or agent, not "${options.execution}"`);
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
  const flags: string[] = [];
  const rows = parsed.data.map((request, index) => {
    const label = request.name ?? request.tool;
    // The option is for single tools: a plan always goes to a worker (a sample saying otherwise is refused, as by the dry-run).
    const fallback = request.tool === PLAN_TOOL ? undefined : (options.execution as Execution | undefined);
    const execution = request.execution ?? fallback ?? defaultExecution(request.tool, request.agent.allowedTools);
    if (request.tool === PLAN_TOOL) {
      if (execution === 'agent') throw new CliError(`${requestsFile}: ${index}.execution: ${PLAN_TOOL} cannot be a gate-only action`);
      const plan = PlanArgs.safeParse(request.args);
      if (!plan.success) throw malformed(plan.error, `${index}.args`);
    }
    const { agent } = request;
    const assessment = assessRequest(
      policy,
      { tool: request.tool, args: request.args, rationale: request.rationale, signals: request.signals, execution },
      { id: agent.id, team: agent.team, ownerId: agent.owner, allowedTools: agent.allowedTools },
      shippedTools,
    );
    for (const flag of assessment.guardrailFlags) flags.push(`  ${index + 1} ${label}: ${flag}`);
    const result = assessment.classification;
    const approval =
      result.decision === 'require_approval'
        ? `${result.approval.requiredApprovals} × ${result.approval.approverRole}${result.approval.approverGroup ? `@${result.approval.approverGroup}` : ''}`
        : '';
    return [
      String(index + 1),
      label,
      result.decision + ('notify' in result && result.notify ? ' (+notify)' : ''),
      result.tier,
      approval,
      (result.matchedRules ?? []).join(',') || '-',
      result.reasons.join(' | '),
    ];
  });
  const table = formatTable(['#', 'request', 'decision', 'tier', 'approval', 'rules', 'reasons'], rows, 70);
  const guardrails = flags.length > 0 ? `\n\nguardrail flags:\n${flags.join('\n')}` : '';
  return `${table}${guardrails}\n\npolicy ${file} version ${policy.version}`;
}
