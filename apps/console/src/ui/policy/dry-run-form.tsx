'use client';

import { useActionState, useState } from 'react';
import { useHydrated } from '../shared/hydrated.js';
import { dryRun, type DryRunState } from './dry-run-actions.js';
import { sendKeepingTyped } from '../forms/keep-typed.js';

const initial: DryRunState = {};

/** Classifies a sample request with the active policy and shows the decision, tier and reasons (and, for a plan, each step's). */
export function DryRunForm({ tools, agents, example }: { tools: string[]; agents: string[]; example: string }) {
  const [state, action, pending] = useActionState(dryRun, initial);
  // Controlled: React resets a form after its action, and the sample should survive for the next try.
  const [tool, setTool] = useState(tools[0] ?? '');
  const [args, setArgs] = useState(example);
  const [agentId, setAgentId] = useState('');
  const hydrated = useHydrated();
  const c = state.result?.classification;
  return (
    <form action={action} onSubmit={sendKeepingTyped(action)} className="card" aria-labelledby="dry-run-heading">
      <h2 id="dry-run-heading">Dry run</h2>
      <p className="muted small">
        Classifies a request as the policy alone would. Nothing runs and nothing is recorded; kill switches, budgets and guardrails apply only at admission.
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
      </div>
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
      </div>
    </form>
  );
}
