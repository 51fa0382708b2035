import { PLAN_TOOL, roleAtLeast } from '@airlock/core';
import { rememberableArgs } from '@airlock/ops';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { actionDetail } from '../../../../src/ui/actions/detail.js';
import { requirePageUser } from '../../../../src/ui/auth/session.js';
import { apiContext } from '../../../../src/api/runtime-context.js';
import { ActionId } from '../../../../src/api/schemas.js';
import { quorumOf } from '../../../../src/api/views.js';
import { AuditTable } from '../../../../src/ui/audit/audit-table.js';
import { BudgetImpact, storedImpacts } from '../../../../src/ui/actions/budget-impact.js';
import { Countdown } from '../../../../src/ui/shared/countdown.js';
import { utc } from '../../../../src/ui/shared/utc.js';
import { DecisionControls } from '../../../../src/ui/actions/decision-controls.js';
import { whyCannotDecide } from '../../../../src/ui/actions/decider-standing.js';
import { LiveRefresh } from '../../../../src/ui/live/live-refresh.js';
import { PlanSteps } from '../../../../src/ui/actions/plan-steps.js';
import { RevealRawArgs } from '../../../../src/ui/actions/reveal-raw-args.js';
import { DecisionList, EarlierRound, OwnDecision } from '../../../../src/ui/actions/round-decisions.js';

export const dynamic = 'force-dynamic';

export default async function ActionPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const id = ActionId.safeParse((await params).id);
  if (!id.success) notFound();
  const detail = await actionDetail(apiContext(), id.data, user.userId);
  if (!detail) notFound();
  const { row, live, timeline, earlierRounds, deciders, eligible, ownerId, standingNow } = detail;
  const approval = row.approvals[0];
  const flags = live?.guardrailFlags ?? (Array.isArray(row.guardrailFlags) ? row.guardrailFlags.filter((f): f is string => typeof f === 'string') : []);
  const reasons = Array.isArray(row.riskReasons) ? row.riskReasons.filter((r): r is string => typeof r === 'string') : [];
  const impacts = live?.budgetImpacts ?? storedImpacts(approval?.budgetImpact);
  const quorum = approval ? quorumOf(approval) : null;
  const open = approval?.status === 'open';
  const remembered = rememberedGrants(timeline);
  const escalations = approval ? escalationsOf(timeline, approval.id) : [];
  const mine = approval?.decisions.find((d) => d.userId === user.userId);
  // Why the workflow or the decision use case would refuse this person's decision (their request, their agent, not a
  // round approver, their role, a right lost since the round opened):
  // said instead of a form that can only fail. Their own decision is shown from the stored row above.
  const cannotDecide =
    open && !mine
      ? whyCannotDecide({
          user,
          round: { approverRole: approval.approverRole, approverGroup: approval.approverGroup, eligible, decidedBy: approval.decisions.map((d) => d.userId) },
          requestedBy: row.requestedBy,
          ownerId,
          now: standingNow,
        })
      : undefined;
  // Labelled by round once there was more than one, so a decision is never read as another round's.
  const roundLabel = earlierRounds.length > 0 ? approval?.round : undefined;
  return (
    <>
      <p>
        <Link href="/">← Inbox</Link>
      </p>
      <div className="page-head">
        <h1>
          <code>{row.tool}</code> <span className={`tier tier-${row.riskTier ?? 'unknown'}`}>{row.riskTier ?? 'unclassified'} risk</span>
        </h1>
        <LiveRefresh actionId={row.id} shownSeq={detail.shownSeq ?? undefined} />
      </div>
      <p className="meta">
        Status <strong>{row.status.replace('_', ' ')}</strong>
        {live && <> · workflow {live.phase.replace('_', ' ')}</>} · requested by agent <strong>{row.agentId}</strong>
        {row.requestedBy && <> for {row.requestedBy}</>} at {row.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC
      </p>

      <div className="grid2">
        <section className="card" aria-labelledby="rationale-heading">
          <h2 id="rationale-heading">Agent’s rationale</h2>
          <p>{row.rationale || <em>none given</em>}</p>
          <h3>Guardrail flags</h3>
          {flags.length === 0 ? (
            <p className="muted">None raised.</p>
          ) : (
            <ul>
              {flags.map((f) => (
                <li key={f} className="urgent">
                  {f}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="risk-heading">
          <h2 id="risk-heading">Risk and policy</h2>
          <ul>{reasons.length ? reasons.map((r) => <li key={r}>{r}</li>) : <li>No policy reason recorded.</li>}</ul>
          <p className="muted small">Policy version {row.policyVersion ? <code>{row.policyVersion.slice(0, 12)}</code> : 'unknown'}</p>
        </section>
      </div>

      <section className="card" aria-labelledby="args-heading">
        <h2 id="args-heading">Arguments</h2>
        <p className="muted small">As stored: sensitive values are redacted before they reach the database.</p>
        <pre>{JSON.stringify(row.args, null, 2)}</pre>
        {user.role === 'admin' && <RevealRawArgs actionId={row.id} />}
      </section>

      {live?.plan && (
        <section className="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading">Plan and rollback</h2>
          <PlanSteps steps={live.plan.steps} />
        </section>
      )}

      <section className="card" aria-labelledby="budget-heading">
        <h2 id="budget-heading">Budget impact</h2>
        <BudgetImpact impacts={impacts} />
      </section>

      {approval && quorum && (
        <section className="card" aria-labelledby="quorum-heading">
          <h2 id="quorum-heading">Approval (round {approval.round})</h2>
          <p>
            <strong>{approval.status}</strong> · {quorum.approvals} of {quorum.required} approvals, {quorum.denials} denials · {approval.approverRole} role or higher
            {approval.approverGroup && <> in {approval.approverGroup}</>} ·{' '}
            {open ? <Countdown deadline={approval.deadline?.toISOString() ?? null} /> : <>closed {approval.closedAt ? utc(approval.closedAt.toISOString()) : ''}</>}
          </p>
          {escalations.map((e) => (
            <p key={e.level} className="urgent">
              Escalated to {e.to} (level {e.level}) at {utc(e.at)}
            </p>
          ))}
          {mine && (
            // Rendered from the stored decision, so it outlasts the form's notice when deciding closes the round.
            <p role="status" className="notice ok">
              <OwnDecision decision={mine} round={roundLabel} waiting={open} />
            </p>
          )}
          <progress max={quorum.required} value={quorum.approvals} aria-label="Approvals so far" />
          <DecisionList decisions={approval.decisions} deciders={deciders} />
          {earlierRounds.map((earlier) => (
            <EarlierRound key={earlier.id} round={earlier} userId={user.userId} deciders={deciders} />
          ))}
        </section>
      )}

      {remembered.length > 0 && (
        <section className="card" aria-labelledby="remembered-heading">
          <h2 id="remembered-heading">Remembered</h2>
          <ul>
            {remembered.map((g) => (
              <li key={g.grantId}>
                {g.grantedBy} approved this and granted standing approval <code>{g.grantId}</code>: <code>{g.condition}</code>, up to {g.maxUses} uses until{' '}
                {g.validUntil.slice(0, 16).replace('T', ' ')} UTC
              </li>
            ))}
          </ul>
        </section>
      )}

      {approval && roleAtLeast(user.role, 'approver') && (
        // Kept mounted when the round closes under it: a refusal it showed stays on the page after the re-render.
        <DecisionControls
          open={open && !mine && cannotDecide === undefined}
          actionId={row.id}
          argsHash={approval.argsHash}
          tier={row.riskTier}
          args={row.args as Record<string, unknown>}
          agentId={row.agentId}
          tool={row.tool}
          rememberable={rememberableArgs(row.args)}
          // One approver's round only, and never a plan: its steps cannot be bound, so a grant would cover every plan.
          canRemember={approval.requiredApprovals === 1 && row.tool !== PLAN_TOOL}
        />
      )}
      {cannotDecide && (
        <section className="card" aria-labelledby="cannot-decide-heading">
          <h2 id="cannot-decide-heading">Your decision</h2>
          <p>{cannotDecide}</p>
        </section>
      )}

      {row.outcome !== null && (
        <section className="card" aria-labelledby="outcome-heading">
          <h2 id="outcome-heading">Outcome</h2>
          <pre>{JSON.stringify(row.outcome, null, 2)}</pre>
        </section>
      )}

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <AuditTable events={timeline} caption="Audit events for this action" />
      </section>
    </>
  );
}

/** Standing approvals granted with a decision on this action (approve and remember), from its audit rows. */
function rememberedGrants(timeline: { type: string; actor: string; payload: unknown }[]) {
  return timeline.flatMap((event) => {
    if (event.type !== 'standing_approval.granted' || typeof event.payload !== 'object' || event.payload === null) return [];
    const p = event.payload as Record<string, unknown>;
    if (typeof p.grantId !== 'string' || typeof p.condition !== 'string' || typeof p.validUntil !== 'string' || typeof p.maxUses !== 'number') return [];
    return [{ grantId: p.grantId, condition: p.condition, validUntil: p.validUntil, maxUses: p.maxUses, grantedBy: event.actor.replace(/^user:/, '') }];
  });
}

/** The escalations of one approval round, from its audit rows: the round's own row keeps only the level. */
function escalationsOf(timeline: { type: string; createdAt: Date; payload: unknown }[], approvalId: string) {
  return timeline.flatMap((event) => {
    if (event.type !== 'approval.escalated' || typeof event.payload !== 'object' || event.payload === null) return [];
    const p = event.payload as Record<string, unknown>;
    if (p.approvalId !== approvalId || typeof p.to !== 'string' || typeof p.level !== 'number') return [];
    return [{ to: p.to, level: p.level, at: event.createdAt.toISOString() }];
  });
}
