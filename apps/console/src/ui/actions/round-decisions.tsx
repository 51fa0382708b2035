import { quorumOf, type ApprovalRow } from '../../api/views.js';
import { utc } from '../shared/utc.js';

type Decision = ApprovalRow['decisions'][number];

/** A round's decisions, one line each: who (by name), how, through which channel, and what they said. */
export function DecisionList({ decisions, deciders }: { decisions: Decision[]; deciders: ReadonlyMap<string, string> }) {
  if (decisions.length === 0) return null;
  return (
    <ul>
      {decisions.map((d) => (
        <li key={d.id}>
          {deciders.get(d.userId) ?? d.userId} {d.decision === 'approve' ? 'approved' : 'denied'} via {d.channel}
          {d.comment && <>: “{d.comment}”</>}
          {d.feedback && <> (feedback: “{d.feedback}”)</>}
          {d.editedArgs !== null && <> with edited arguments</>}
        </li>
      ))}
    </ul>
  );
}

/**
 * The signed-in person's own decision in a round, from the stored row: "You approved this at …",
 * or "In round 1 you approved this at …" where the action had more than one round.
 */
export function OwnDecision({ decision, round, waiting }: { decision: Decision; round?: number; waiting: boolean }) {
  const verb = decision.decision === 'approve' ? 'approved' : 'denied';
  const edited = decision.editedArgs !== null ? ' with edited arguments' : '';
  return (
    <>
      {round === undefined ? 'You' : `In round ${round} you`} {verb} this{edited} at {utc(decision.decidedAt.toISOString())}
      {waiting && decision.decision === 'approve' ? '; it waits for more approvals.' : '.'}
    </>
  );
}

/** A round before the latest: how it ended, the signed-in person's decision in it, and everyone's. */
export function EarlierRound({ round, userId, deciders }: { round: ApprovalRow; userId: string; deciders: ReadonlyMap<string, string> }) {
  const quorum = quorumOf(round);
  const mine = round.decisions.find((d) => d.userId === userId);
  // Only an edit opens another round; the round it ended reads "approved" though nothing ran on its arguments.
  const editor = round.decisions.find((d) => d.editedArgs !== null);
  const heading = `round-${round.round}-heading`;
  return (
    <section aria-labelledby={heading}>
      <h3 id={heading}>Round {round.round}</h3>
      <p>
        <strong>{round.status}</strong> · {quorum.approvals} of {quorum.required} approvals, {quorum.denials} denials
        {round.closedAt && <> · closed {utc(round.closedAt.toISOString())}</>}
        {editor && (
          <>
            {' '}
            · {deciders.get(editor.userId) ?? editor.userId}’s edit opened round {round.round + 1}
          </>
        )}
      </p>
      {mine && (
        <p className="notice ok">
          <OwnDecision decision={mine} round={round.round} waiting={false} />
        </p>
      )}
      <DecisionList decisions={round.decisions} deciders={deciders} />
    </section>
  );
}
