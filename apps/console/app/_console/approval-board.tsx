'use client';

import { useActionState } from 'react';
import { idle } from '../../src/console/notice.js';
import type { ApprovalSummary } from '../../src/server/schemas.js';
import { decide } from './actions.js';

/** Pending approvals with Approve / Deny; the result stays above the list after it re-renders. */
export function ApprovalBoard({ approvals, canDecide }: { approvals: ApprovalSummary[]; canDecide: boolean }) {
  const [notice, action, pending] = useActionState(decide, idle);
  return (
    <section aria-labelledby="pending-heading">
      <h2 id="pending-heading">Pending approvals ({approvals.length})</h2>
      <p role={notice.kind === 'error' ? 'alert' : 'status'} className={`notice ${notice.kind}`}>
        {notice.message}
      </p>
      {approvals.length === 0 && <p>Nothing is waiting for a decision.</p>}
      {approvals.map((approval) => (
        <ApprovalCard key={approval.approvalId} approval={approval} action={canDecide ? action : undefined} pending={pending} />
      ))}
    </section>
  );
}

function ApprovalCard({ approval, action, pending }: { approval: ApprovalSummary; action?: (form: FormData) => void; pending: boolean }) {
  const headingId = `approval-${approval.approvalId}`;
  const { quorum } = approval;
  return (
    <article className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        <code>{approval.tool}</code> <span className={`tier tier-${approval.tier ?? 'unknown'}`}>{approval.tier ?? 'unclassified'} risk</span>
      </h3>
      <dl>
        <dt>Agent</dt>
        <dd>
          {approval.agentId}
          {approval.requestedBy && <> on behalf of {approval.requestedBy}</>}
        </dd>
        <dt>Why it needs approval</dt>
        <dd>
          <ul>
            {approval.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </dd>
        <dt>Agent’s rationale</dt>
        <dd>{approval.rationale || <em>none given</em>}</dd>
        <dt>Arguments</dt>
        <dd>
          <pre>{JSON.stringify(approval.args, null, 2)}</pre>
        </dd>
        <dt>Deadline</dt>
        <dd>
          {approval.deadline ? <time dateTime={approval.deadline}>{utc(approval.deadline)}</time> : 'none: it waits until someone decides'}
        </dd>
        <dt>Quorum</dt>
        <dd>
          {quorum.approvals} of {quorum.required} approval{quorum.required === 1 ? '' : 's'} ({approval.approverRole} role or higher)
        </dd>
      </dl>
      {action ? (
        <form action={action}>
          <input type="hidden" name="actionId" value={approval.actionId} />
          <input type="hidden" name="argsHash" value={approval.argsHash} />
          <label htmlFor={`${headingId}-comment`}>Comment (optional; the reason given to the agent on a denial)</label>
          <input id={`${headingId}-comment`} name="comment" maxLength={2000} />
          <label htmlFor={`${headingId}-feedback`}>Feedback for the agent (sent with a denial)</label>
          <textarea id={`${headingId}-feedback`} name="feedback" rows={3} maxLength={4000} />
          <div className="buttons">
            <button type="submit" name="decision" value="approve" disabled={pending}>
              Approve
            </button>
            <button type="submit" name="decision" value="deny" className="deny" disabled={pending}>
              Deny
            </button>
          </div>
        </form>
      ) : (
        <p>Your role may view this approval but not decide it.</p>
      )}
    </article>
  );
}

// Rendered identically on server and client (no local time zone), so hydration never disagrees.
function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
