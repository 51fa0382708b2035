import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

// Human decisions take seconds to days; the buckets follow that, not request latency.
const DECISION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600];

/**
 * The worker's Prometheus metrics, in a registry of its own (not prom-client's
 * global one) so two workers in one process, as in tests, never share counters.
 * Counters count what this process wrote; sum them over all workers.
 */
export class WorkerMetrics {
  readonly registry = new Registry();

  /** Every admitted action, once; `decision="allow"` is the auto-approved share. */
  readonly actionsClassified = new Counter({
    name: 'airlock_actions_classified_total',
    help: 'Actions classified at admission, by the policy decision (allow = auto-approved, also by a standing approval) and risk tier.',
    labelNames: ['decision', 'tier'] as const,
    registers: [this.registry],
  });

  readonly actionsCompleted = new Counter({
    name: 'airlock_actions_completed_total',
    help: 'Actions finished, by outcome: executed, denied, expired, failed, cancelled.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly timeToDecision = new Histogram({
    name: 'airlock_time_to_decision_seconds',
    help: 'From the request to the end of a human approval round: approved, denied, or expired at its deadline.',
    labelNames: ['decision'] as const,
    buckets: DECISION_BUCKETS,
    registers: [this.registry],
  });

  readonly guardrailTriggers = new Counter({
    name: 'airlock_guardrail_triggers_total',
    help: 'Guardrail findings at admission, by kind: sensitive:<email|phone|card|national_id|secret> (redacted) or prompt_injection.',
    labelNames: ['flag'] as const,
    registers: [this.registry],
  });

  readonly budgetReserved = new Counter({
    name: 'airlock_budget_reserved_total',
    help: 'Money reserved against budgets at admission, by currency (committed when the tool runs, released otherwise).',
    labelNames: ['currency'] as const,
    registers: [this.registry],
  });

  readonly budgetExceeded = new Counter({
    name: 'airlock_budget_exceeded_total',
    help: 'Actions denied because a budget would be exceeded.',
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'airlock_rate_limit_exceeded_total',
    help: "Actions over a rate limit, by the policy's limit id.",
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly toolRuns = new Counter({
    name: 'airlock_tool_runs_total',
    help: 'Tool runs that finished, by tool and result: succeeded, failed, cancelled.',
    labelNames: ['tool', 'result'] as const,
    registers: [this.registry],
  });

  readonly sandboxKills = new Counter({
    name: 'airlock_sandbox_kills_total',
    help: 'Sandboxed runs killed, by reason: timeout (wall-clock deadline), memory (OOM), output (output cap), cancel.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly shadowFailures = new Counter({
    name: 'airlock_shadow_policy_failures_total',
    help: 'Shadow-mode failures (reading, compiling or evaluating the candidate, or recording a difference): counted, never raised; live decisions are unaffected.',
    registers: [this.registry],
  });

  constructor() {
    // Process CPU, memory, event-loop lag and GC: cheap, and what tells a stuck worker from a busy one.
    collectDefaultMetrics({ register: this.registry });
  }
}
