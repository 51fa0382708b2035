import { costText, roleAtLeast } from '@airlock/core';
import { readShadowPolicy, shadowSummary } from '@airlock/ops';
import { requirePageUser } from '../../../../src/ui/auth/session.js';
import { apiContext } from '../../../../src/api/runtime-context.js';
import { ChangeTables, TermChanges, Verdict } from '../../../../src/ui/policy/change-tables.js';
import { ClearShadowForm, SetShadowForm } from '../../../../src/ui/policy/shadow-forms.js';
import { DataTable } from '../../../../src/ui/shared/data-table.js';

export const dynamic = 'force-dynamic';

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const at = (d: Date | string) => `${(typeof d === 'string' ? d : d.toISOString()).slice(0, 19).replace('T', ' ')} UTC`;

export default async function ShadowPage() {
  const user = await requirePageUser();
  const ctx = apiContext();
  const [summary, shadow] = await Promise.all([shadowSummary(ctx.db), readShadowPolicy(ctx.db)]);
  const admin = roleAtLeast(user.role, 'admin');
  let initialText = shadow?.text;
  if (!initialText) {
    try {
      initialText = (await ctx.policy.read()).text;
    } catch {
      initialText = '';
    }
  }
  return (
    <>
      <h1>Shadow mode</h1>
      <p>
        A candidate policy evaluated beside the live one on every admitted action. It never changes a decision; only the actions where it disagrees (the decision, the tier, or what
        people must do to approve: quorum, approver role or group, deadline) are recorded. <a href="/policies">Back to policies</a> · <a href="/policies/backtest">Backtest</a>
      </p>
      <section className="card" aria-labelledby="shadow-summary-heading">
        <h2 id="shadow-summary-heading">Summary</h2>
        {summary.shadow ? (
          <p>
            In shadow: <code>{summary.shadow.source}</code> version <code>{summary.shadow.version.slice(0, 12)}</code>, set by {summary.shadow.setBy} at {at(summary.shadow.setAt)}.{' '}
            <strong>{count(summary.differences, 'difference')}</strong> among {count(summary.admittedSince ?? 0, 'action')} admitted since;{' '}
            {count(summary.failures, 'failed evaluation')}.
          </p>
        ) : summary.version ? (
          <p>
            No candidate is in shadow. The last one, version <code>{summary.version.slice(0, 12)}</code>, recorded <strong>{count(summary.differences, 'difference')}</strong> and{' '}
            {count(summary.failures, 'failed evaluation')}.
          </p>
        ) : (
          <p className="muted">No candidate is in shadow, and none has recorded anything yet.</p>
        )}
        {summary.shadow && admin && <ClearShadowForm version={summary.shadow.version} />}
        {summary.version && (
          <ChangeTables transitions={summary.transitions} tierShifts={summary.tierShifts} approvals={summary.approvals} approvalShifts={summary.approvalShifts} />
        )}
        {summary.recent.length > 0 && (
          <>
            <h3>Latest differences</h3>
            <DataTable columns={['Action', 'At', 'Tool', 'Agent', 'Cost', 'Live', 'Shadow']} rows={summary.recent} label="Shadow differences">
              {(d) => (
                <tr key={d.actionId}>
                  <td className="mono">
                    <a href={`/actions/${d.actionId}`}>{d.actionId.slice(0, 12)}</a>
                  </td>
                  <td className="mono">{at(d.at)}</td>
                  <td className="mono">{d.tool}</td>
                  <td className="mono">{d.agentId}</td>
                  <td className="mono">{costText(d.costEstimate, d.currency)}</td>
                  <td>
                    <Verdict {...d.live} /> <span className="muted small">{d.live.rules.join(', ')}</span>
                  </td>
                  <td>
                    {d.shadow ? (
                      <>
                        <Verdict {...d.shadow} /> <span className="muted small">{d.shadow.rules.join(', ')}</span>
                        {d.approvalTerms.length > 0 && (
                          <div className="small">
                            <TermChanges terms={d.approvalTerms} />
                          </div>
                        )}
                      </>
                    ) : (
                      <span className="notice error">failed: {d.error}</span>
                    )}
                  </td>
                </tr>
              )}
            </DataTable>
          </>
        )}
      </section>
      {admin ? <SetShadowForm initialText={initialText} /> : <p className="muted">Only an admin can put a candidate in shadow or stop it.</p>}
    </>
  );
}
