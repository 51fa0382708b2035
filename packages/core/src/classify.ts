import type { ActionRequest, ApprovalRequirement, Classification } from './action.js';
import { formatZodError } from './errors.js';
import type { RiskTier } from './risk.js';
import type { ToolSpec } from './tools/define.js';

/** How each tier is gated when a tool gives no requirement of its own. */
export const defaultApprovalByTier: Record<Exclude<RiskTier, 'low'>, ApprovalRequirement> = {
  medium: { requiredApprovals: 1, approverRole: 'approver', timeoutMs: 60 * 60_000, timeoutOutcome: 'deny' },
  high: { requiredApprovals: 1, approverRole: 'approver', timeoutMs: 60 * 60_000, timeoutOutcome: 'deny' },
  critical: { requiredApprovals: 2, approverRole: 'approver', timeoutMs: 4 * 60 * 60_000, timeoutOutcome: 'deny' },
};

/** The interface the full policy engine will implement; today's rules are per tool and argument. */
export interface RiskClassifier {
  classify(request: ActionRequest): Classification;
}

export function createCatalogClassifier(specs: readonly ToolSpec[]): RiskClassifier {
  const byName = new Map(specs.map((s) => [s.name, s]));
  return {
    classify(request) {
      const spec = byName.get(request.tool);
      if (!spec) {
        return { decision: 'deny', tier: 'critical', reasons: [`unknown tool "${request.tool}": denied by default`] };
      }
      const parsed = spec.args.safeParse(request.args);
      if (!parsed.success) {
        return { decision: 'deny', tier: 'critical', reasons: [`invalid arguments: ${formatZodError(parsed.error, 'args')}`] };
      }
      const risk = spec.risk(parsed.data);
      if (risk.tier === 'low') return { decision: 'allow', tier: 'low', reasons: risk.reasons };
      return {
        decision: 'require_approval',
        tier: risk.tier,
        reasons: risk.reasons,
        approval: { ...defaultApprovalByTier[risk.tier], ...risk.approval },
      };
    },
  };
}
