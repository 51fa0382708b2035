import { RUBBER_STAMP_FAST_SECONDS, RUBBER_STAMP_MIN_STREAK, type ApproverPatterns } from '../rubber-stamp.js';
import { count, duration } from './format.js';
import { DataTable } from '../../shared/data-table.js';

/** Who decides how fast, with the approvers whose approvals look like reflexes flagged first. */
export function RubberStampTable({ patterns }: { patterns: ApproverPatterns }) {
  const { listed, flagged, approvers } = patterns;
  return (
    <>
      <p>
        An approval is <strong>fast</strong> when it came within {RUBBER_STAMP_FAST_SECONDS} seconds of the approval round opening: about the time it takes to read the tool, the
        rationale and a few arguments, so anything quicker was hardly read. An approver is <strong>flagged</strong> after {RUBBER_STAMP_MIN_STREAK} fast approvals in a row (a
        denial or a slower approval ends a run): one quick approval of an obvious request is fine, a run of them is a habit. Runs are counted inside the window only. A flag is a
        prompt to talk and to look at the policy (should these requests need a person at all?), not proof.
      </p>
      {approvers === 0 ? (
        <p className="card empty">Nobody decided anything in this window.</p>
      ) : (
        <>
          <p role="status" className={flagged ? 'notice error' : 'notice ok'}>
            {flagged
              ? `${count(flagged)} of ${count(approvers)} approver${approvers === 1 ? '' : 's'} flagged.`
              : approvers === 1
                ? 'The one approver in this window is not flagged.'
                : `None of the ${count(approvers)} approvers is flagged.`}
            {approvers > listed.length && ` Showing the first ${listed.length}: flagged first, then the longest fast runs.`}
          </p>
          <DataTable
            columns={['Approver', 'Decisions', 'Approvals', 'Fast approvals', 'Median time to decide', 'Longest fast run', 'Flag']}
            rows={listed}
            caption="Approvers by how fast they decide, flagged first"
          >
            {(a) => (
              <tr key={a.userId} className={a.flagged ? 'flagged' : undefined}>
                <th scope="row">
                  {a.name} <span className="muted mono">{a.userId}</span>
                </th>
                <td className="mono">{count(a.decisions)}</td>
                <td className="mono">{count(a.approvals)}</td>
                <td className="mono">{count(a.fastApprovals)}</td>
                <td className="mono">{duration(a.medianSeconds)}</td>
                <td className="mono">{count(a.longestStreak)}</td>
                <td>
                  {a.flagged ? (
                    <span className="tier tier-critical">
                      flagged: {count(a.flaggedStreaks)} run{a.flaggedStreaks === 1 ? '' : 's'}, last {a.lastFlaggedAt?.toISOString().slice(0, 16).replace('T', ' ')} UTC
                    </span>
                  ) : (
                    <span className="muted">–</span>
                  )}
                </td>
              </tr>
            )}
          </DataTable>
        </>
      )}
    </>
  );
}
