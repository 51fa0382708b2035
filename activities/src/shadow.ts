import type { Classification, GuardedActionInput } from '@airlock/core';
import { canonicalJson } from '@airlock/core/canonical-json';
import type { Db } from '@airlock/db';
import { compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { assess, type AgentRecord, type Assessment } from './assessment.js';
import type { ActivityDeps } from './deps.js';

// Shadow mode at admission: the candidate an operator put in shadow (table
// shadow_policies) assesses each request beside the live policy, and only a
// disagreement is written, after admission committed. Nothing here changes a
// decision, and nothing here is raised: a failure is reported and counted.

/** The candidate in shadow, as a worker sees it. */
export interface ShadowPolicySource {
  /** The candidate, or null when none is set. Never throws: a failed read keeps what was known. */
  current(): Promise<CompiledPolicy | null>;
  /** A shadow read, evaluation or record failed: log and count it. */
  failed(error: unknown, what: string): void;
}

/** How long a worker keeps its reading of shadow_policies: a set or clear reaches every worker within this. */
export const SHADOW_REFRESH_MS = 5_000;

/**
 * Reads the candidate from the database at most every `refreshMs` (one
 * primary-key read shared by all admissions meanwhile) and compiles it once per
 * version. `refreshMs: 0` reads on every admission (tests).
 */
export function shadowPolicyFromDb(db: Db, options: { refreshMs?: number; onFailure?: (error: unknown, what: string) => void } = {}): ShadowPolicySource {
  const refreshMs = options.refreshMs ?? SHADOW_REFRESH_MS;
  const onFailure = options.onFailure ?? (() => undefined);
  let known: { version: string; policy: CompiledPolicy | null } | null = null;
  let checkedAt = -Infinity;
  let reading: Promise<void> | null = null;
  const refresh = async () => {
    try {
      const { rows } = await db.pool.query<{ version: string; source: string; text: string }>("SELECT version, source, text FROM shadow_policies WHERE id = 'shadow'");
      const row = rows[0];
      checkedAt = Date.now();
      if (!row) known = null;
      else if (known?.version !== row.version) {
        try {
          known = { version: row.version, policy: compilePolicy(row.text, `shadow:${row.source}`) };
        } catch (error) {
          // The console compiled this text when it was set: only another release can disagree.
          known = { version: row.version, policy: null };
          onFailure(error, `compiling shadow policy ${row.version}`);
        }
      }
    } catch (error) {
      onFailure(error, 'reading the shadow policy');
    }
  };
  return {
    async current() {
      if (Date.now() - checkedAt >= refreshMs) {
        reading ??= refresh().finally(() => (reading = null));
        await reading;
      }
      return known?.policy ?? null;
    },
    failed: onFailure,
  };
}

/** One disagreement (or failure) to record. */
export interface ShadowDifference {
  actionId: string;
  shadowVersion: string;
  liveVersion: string | null;
  tool: string;
  agentId: string;
  live: Classification;
  shadow: Classification | null;
  error: string | null;
  cost: { amount: string; currency: string } | null;
}

/** The candidate's assessment of the request beside the live one: a difference, or null when they agree or no candidate is set. */
export async function shadowAssessment(
  deps: ActivityDeps,
  input: GuardedActionInput,
  agent: AgentRecord,
  live: Assessment,
  cost: ShadowDifference['cost'],
): Promise<ShadowDifference | null> {
  const source = deps.shadow;
  if (!source) return null;
  const policy = await source.current();
  if (!policy) return null;
  const base = {
    actionId: input.actionId,
    shadowVersion: policy.version,
    liveVersion: live.classification.policyVersion ?? null,
    tool: input.request.tool,
    agentId: agent.id,
    live: live.classification,
    cost,
  };
  try {
    const shadow = assess(deps, input.request, agent, policy).classification;
    if (shadow.decision === live.classification.decision && shadow.tier === live.classification.tier && sameApproval(shadow, live.classification)) return null;
    return { ...base, shadow, error: null };
  } catch (error) {
    source.failed(error, `evaluating shadow policy ${policy.version} for action ${input.actionId}`);
    return { ...base, shadow: null, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The approval requirement a classification asks for (who and how many decide, by when), or null. */
const approvalOf = (c: Classification) => (c.decision === 'require_approval' ? c.approval : null);

/** Both ask for no approval, or for one on the same terms (quorum, role, group, deadline...): compared in canonical form. */
const sameApproval = (a: Classification, b: Classification) => canonicalJson(approvalOf(a)) === canonicalJson(approvalOf(b));

const jsonOrNull = (value: unknown) => (value === null ? null : JSON.stringify(value));

/** Writes a difference after admission committed; a failure is reported, never raised. */
export async function recordShadowDifference(deps: ActivityDeps, difference: ShadowDifference): Promise<void> {
  try {
    await deps.db.pool.query(
      `INSERT INTO shadow_differences (action_id, shadow_version, live_version, tool, agent_id, live_decision, live_tier, live_rules,
                                       shadow_decision, shadow_tier, shadow_rules, error, cost_estimate, currency, live_approval, shadow_approval)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (action_id, shadow_version) DO NOTHING`,
      [
        difference.actionId,
        difference.shadowVersion,
        difference.liveVersion,
        difference.tool,
        difference.agentId,
        difference.live.decision,
        difference.live.tier,
        JSON.stringify(difference.live.matchedRules ?? []),
        difference.shadow?.decision ?? null,
        difference.shadow?.tier ?? null,
        JSON.stringify(difference.shadow?.matchedRules ?? []),
        difference.error,
        difference.cost?.amount ?? null,
        difference.cost?.currency ?? null,
        jsonOrNull(approvalOf(difference.live)),
        difference.shadow ? jsonOrNull(approvalOf(difference.shadow)) : null,
      ],
    );
  } catch (error) {
    deps.shadow?.failed(error, `recording the shadow difference of action ${difference.actionId}`);
  }
}
