'use client';

import { costText } from '@airlock/core';
import { useActionState, useState } from 'react';
import { useHydrated } from '../shared/hydrated.js';
import { ChangeTables, TermChanges, Verdict } from './change-tables.js';
import { runBacktest, type BacktestState } from './candidate-actions.js';
import { DataTable } from '../shared/data-table.js';
import { sendKeepingTyped } from '../forms/keep-typed.js';

const initial: BacktestState = {};

/** A candidate policy (prefilled with the live text) re-evaluated over the recorded actions of a window. */
export function BacktestForm({ liveText }: { liveText: string }) {
  const [state, action, pending] = useActionState(runBacktest, initial);
  // Controlled: the candidate survives the action for the next edit.
  const [candidate, setCandidate] = useState(liveText);
  const [since, setSince] = useState('30d');
  const hydrated = useHydrated();
  const r = state.report;
  return (
    <>
      <form action={action} onSubmit={sendKeepingTyped(action)} className="card" aria-labelledby="backtest-form-heading">
        <h2 id="backtest-form-heading">Candidate</h2>
        <label htmlFor="bt-candidate">Candidate policy (YAML)</label>
        <textarea
          id="bt-candidate"
          name="candidate"
          className="mono"
          rows={16}
          value={candidate}
          readOnly={!hydrated}
          onChange={(e) => setCandidate(e.target.value)}
          spellCheck={false}
        />
        <div className="grid2">
          <div>
            <label htmlFor="bt-since">Since</label>
            <input id="bt-since" name="since" value={since} readOnly={!hydrated} onChange={(e) => setSince(e.target.value)} placeholder="30d" />
          </div>
          <div>
            <label htmlFor="bt-source">Name</label>
            <input id="bt-source" name="source" defaultValue="candidate.yaml" />
          </div>
        </div>
        <button type="submit" disabled={pending || !hydrated}>
          {pending ? 'Backtesting…' : 'Run backtest'}
        </button>
        <div role="status" aria-live="polite">
          {state.error && <p className="notice error">{state.error}</p>}
        </div>
      </form>
      {r && (
        <section className="card" aria-labelledby="backtest-result-heading">
          <h2 id="backtest-result-heading">What would change</h2>
          <p>
            Candidate <code>{r.candidate.version.slice(0, 12)}</code> against the live policy <code>{r.live.version.slice(0, 12)}</code>,{' '}
            {r.window.since.slice(0, 16).replace('T', ' ')} – {r.window.until.slice(0, 16).replace('T', ' ')} UTC: <strong>{r.evaluated}</strong> actions re-evaluated,{' '}
            <strong>{r.changed}</strong> would change, <strong>{r.uncertain}</strong> uncertain, {r.same} unchanged
            {r.skipped > 0 ? ` (${r.skipped} left out: unknown tools or agents gone)` : ''}.
          </p>
          <p className="muted small">
            The policy’s own decision is compared, before guardrails, rate limits, budgets and standing approvals; the decision recorded then is shown beside it.
            {r.classifiedByOtherVersions > 0 && ` ${r.classifiedByOtherVersions} of these actions were classified by an earlier policy version.`}
          </p>
          <ChangeTables transitions={r.transitions} tierShifts={r.tierShifts} approvals={r.approvals} approvalShifts={r.approvalShifts} />
          {r.unknownReads.length > 0 && (
            <>
              <h3>Rules over redacted fields</h3>
              <p className="muted small">
                Stored arguments are redacted (and older records lack the agent’s signals). These rules read such fields; where that could change the answer, it is marked uncertain
                instead of guessed.
              </p>
              <DataTable columns={['Policy', 'Rule', 'Fields', 'Actions', 'Left uncertain']} rows={r.unknownReads} label="Rules over redacted fields">
                {(u) => (
                  <tr key={`${u.policy}-${u.ruleId}`}>
                    <td>{u.policy}</td>
                    <td className="mono">{u.ruleId}</td>
                    <td className="mono">{u.fields.join(', ')}</td>
                    <td className="mono">{u.actions}</td>
                    <td className="mono">{u.uncertain}</td>
                  </tr>
                )}
              </DataTable>
            </>
          )}
          {r.rows.length > 0 && (
            <>
              <h3>Actions</h3>
              <DataTable columns={['Action', 'Tool', 'Agent', 'Cost', 'Recorded', 'Live policy', 'Candidate', 'Status']} rows={r.rows} label="Changed and uncertain actions">
                {(row) => (
                  <tr key={row.actionId}>
                    <td className="mono">
                      <a href={`/actions/${row.actionId}`}>{row.actionId.slice(0, 12)}</a>
                    </td>
                    <td className="mono">{row.tool}</td>
                    <td className="mono">{row.agentId}</td>
                    <td className="mono">{costText(row.costEstimate, row.currency)}</td>
                    <td>{row.recorded?.replace('_', ' ') ?? '—'}</td>
                    <td>
                      <Verdict {...row.live} />
                    </td>
                    <td>
                      <Verdict {...row.candidate} />
                    </td>
                    <td>
                      {row.status === 'uncertain' ? (
                        <span className="tier tier-high" title={row.unknownReads.map((u) => `${u.ruleId} reads ${u.fields.join(', ')}`).join('; ')}>
                          uncertain: {[...new Set(row.unknownReads.map((u) => u.ruleId))].join(', ')}
                        </span>
                      ) : row.approvalTerms.length > 0 ? (
                        <>
                          changed: <TermChanges terms={row.approvalTerms} />
                        </>
                      ) : (
                        'changed'
                      )}
                    </td>
                  </tr>
                )}
              </DataTable>
              {r.truncated && <p className="muted small">More actions changed than are listed; the totals above count them all.</p>}
            </>
          )}
        </section>
      )}
    </>
  );
}
