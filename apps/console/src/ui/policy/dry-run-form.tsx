'use client';

import { useActionState, useState } from 'react';
import { useHydrated } from '../shared/hydrated.js';
import { dryRun, type DryRunState } from './dry-run-actions.js';
import { sendKeepingTyped } from '../forms/keep-typed.js';

const initial: DryRunState = {};

const EXECUTION: Record<'worker' | 'agent', string> = {
  worker: 'sent to a worker (POST /actions)',
  agent: 'a gate-only action the agent runs (POST /authorizations)',
};

/**
 * Classifies a sample request as admission does (policy, least privilege, guardrails) with the active
 * policy and shows the decision, tier and reasons (and, for a plan, each step's), how it was sent
 * (execution), what the guardrails found and what a dry run does not apply.
 */
export function DryRunForm({ tools, agents, example }: { tools: string[]; agents: string[]; example: string }) {
  const [state, action, pending] = useActionState(dryRun, initial);
  // Controlled: React resets a form after its action, and the sample should survive for the next try.
  const [tool, setTool] = useState(tools[0] ?? '');
  const [args, setArgs] = useState(example);
  const [agentId, setAgentId] = useState('');
  const [execution, setExecution] = useState('');
  const hydrated = useHydrated();
  const c = state.result?.classification;
  const flags = state.result?.guardrailFlags ?? [];
  const notApplied = state.result?.notApplied ?? [];
  return (
    <form action={action} onSubmit={sendKeepingTyped(action)} className="card" aria-labelledby="dry-run-heading">
      <h2 id="dry-run-heading">Dry run</h2>
      <p className="muted small">
        Classifies a request as admission does: argument checks, the policy, the agent’s allowed tools and the guardrails. Nothing runs and nothing is recorded; what depends on
        live state (kill switches, rate limits, budgets, standing approvals) applies only at admission.
      </p>
      <div className="grid2">
        <div>
          <label htmlFor="dry-tool">Tool</label>
          <input id="dry-tool" name="tool" list="dry-tools" required value={tool} readOnly={!hydrated} onChange={(e) => setTool(e.target.value)} />
          <datalist id="dry-tools">
            {tools.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor="dry-agent">As agent (optional)</label>
          <select id="dry-agent" name="agentId" value={agentId} disabled={!hydrated} onChange={(e) => setAgentId(e.target.value)}>
            <option value="">Any agent (skip least privilege)</option>
            {agents.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="dry-execution">Sent as</label>
          <select id="dry-execution" name="execution" value={execution} disabled={!hydrated} onChange={(e) => setExecution(e.target.value)}>
            <option value="">Default (as the API decides)</option>
            <option value="worker">To a worker (POST /actions)</option>
            <option value="agent">Gate-only (POST /authorizations)</option>
          </select>
        </div>
      </div>
      <p className="muted small">
        By default a tool Airlock does not ship that the chosen agent may call is classified gate-only (the agent runs it, as a coding agent does); anything else as sent to a
        worker, where a tool no worker registers is unknown.
      </p>
      <label htmlFor="dry-args">Arguments (JSON)</label>
      <textarea id="dry-args" name="args" className="mono" rows={6} value={args} readOnly={!hydrated} onChange={(e) => setArgs(e.target.value)} spellCheck={false} />
      <label htmlFor="dry-rationale">Rationale</label>
      <input id="dry-rationale" name="rationale" defaultValue="A sample request." />
      <button type="submit" disabled={pending || !hydrated}>
        {pending ? 'Classifying…' : 'Classify'}
      </button>
      <div role="status" aria-live="polite">
        {state.error && <p className="notice error">{state.error}</p>}
        {c && (
          <p>
            <strong>{c.decision.replace('_', ' ')}</strong> · <span className={`tier tier-${c.tier}`}>{c.tier}</span>
            {c.decision === 'require_approval' && (
              <>
                {' '}
                · {c.approval.requiredApprovals} approval{c.approval.requiredApprovals === 1 ? '' : 's'} from {c.approval.approverRole}
              </>
            )}{' '}
            · {c.reasons.join('; ') || 'no rule matched'} <span className="muted small">(policy {state.result?.policyVersion.slice(0, 12)})</span>
          </p>
        )}
        {state.result?.plan && (
          <ol aria-label="Plan steps">
            {state.result.plan.map((step, index) => (
              <li key={index}>
                <span className="mono">{step.tool}</span>
                {step.description && <> ({step.description})</>}: <strong>{step.decision.replace('_', ' ')}</strong> · <span className={`tier tier-${step.tier}`}>{step.tier}</span>
              </li>
            ))}
          </ol>
        )}
        {state.result && (
          <>
            {state.result.execution && <p className="small">Classified as {EXECUTION[state.result.execution]}.</p>}
            {flags.length > 0 ? (
              <>
                <p className="small">
                  <strong>Guardrails</strong>
                </p>
                <ul aria-label="Guardrail flags" className="small">
                  {flags.map((flag) => (
                    <li key={flag}>{flag}</li>
                  ))}
                </ul>
              </>
            ) : (
              <p className="small">Guardrails: nothing found.</p>
            )}
            {notApplied.length > 0 && <p className="muted small">Not applied in a dry run (live state, checked at admission): {notApplied.join('; ')}.</p>}
          </>
        )}
      </div>
    </form>
  );
}
