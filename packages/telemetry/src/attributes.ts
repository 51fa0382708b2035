// Span attribute names Airlock adds to Temporal's spans. Pure constants: the
// workflow bundle imports this file (`@airlock/telemetry/attributes`), so it
// must stay free of Node built-ins. Values are identifiers and labels only,
// never arguments, outputs or free text.

export const SpanAttribute = {
  actionId: 'airlock.action_id',
  agentId: 'airlock.agent_id',
  tool: 'airlock.tool',
  tier: 'airlock.risk_tier',
  /** The policy's decision at admission: allow, deny or require_approval. */
  decision: 'airlock.decision',
  /** An approver's decision sent through the `decide` update: approve, deny or edit. */
  approverDecision: 'airlock.approver_decision',
  outcome: 'airlock.outcome',
} as const;
