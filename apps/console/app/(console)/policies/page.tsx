import { demoToolSpecs } from '@airlock/core';
import { policyRuntimesOverview, type PolicyRuntimesOverview } from '../../../src/ui/policy/runtimes.js';
import { requirePageUser } from '../../../src/ui/auth/session.js';
import { ApiError } from '../../../src/api/errors.js';
import { apiContext } from '../../../src/api/runtime-context.js';
import { DryRunForm } from '../../../src/ui/policy/dry-run-form.js';

export const dynamic = 'force-dynamic';

const EXAMPLE_ARGS = JSON.stringify({ paymentId: 'pay_123', amount: '125.00', currency: 'USD', reason: 'duplicate charge' }, null, 2);

export default async function PoliciesPage() {
  await requirePageUser();
  const ctx = apiContext();
  const agents = await ctx.db.prisma.agent.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  const tools = demoToolSpecs.map((s) => s.name).sort((a, b) => (a === 'payments.refund' ? -1 : b === 'payments.refund' ? 1 : a.localeCompare(b)));
  let overview: PolicyRuntimesOverview;
  try {
    overview = await policyRuntimesOverview(ctx);
  } catch (error) {
    // A policy file that does not load is the operator's to fix: say what is wrong.
    return (
      <>
        <h1>Policies</h1>
        <p role="alert" className="notice error">
          {error instanceof ApiError ? error.message : 'The policy could not be loaded; see the console’s log.'}
        </p>
      </>
    );
  }
  const { policy, text, origin, fileError } = overview.console;
  return (
    <>
      <h1>Policies</h1>
      <p>
        Active policy <code>{policy.source}</code> · version <code>{policy.version.slice(0, 12)}</code> · {policy.rules.length} rules, {policy.rateLimits.length} rate limits
      </p>
      <p>
        Changing it? <a href="/policies/backtest">Backtest a candidate</a> on the recorded actions, or run it in <a href="/policies/shadow">shadow mode</a> beside this one on live
        traffic.
      </p>
      <PolicyRuntimes overview={overview} />
      {origin === 'file' && fileError && (
        <p role="alert" className="notice error">
          The policy file no longer loads, so the last version that did stays in force: {fileError}
        </p>
      )}
      <DryRunForm tools={tools} agents={agents.map((a) => a.id)} example={EXAMPLE_ARGS} />
      <section className="card" aria-labelledby="policy-text-heading">
        <h2 id="policy-text-heading">Policy text</h2>
        <pre className="mono">{text}</pre>
      </section>
    </>
  );
}

const at = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** Which version this console and each worker run: a reload shows here as soon as a worker reports it. */
function PolicyRuntimes({ overview }: { overview: PolicyRuntimesOverview }) {
  const { console: active, workers, mixed } = overview;
  const version = active.policy.version.slice(0, 12);
  return (
    <section className="card" aria-labelledby="runtimes-heading">
      <h2 id="runtimes-heading">Who runs which version</h2>
      <p>
        This console shows and dry-runs version <code>{version}</code>{' '}
        {active.origin === 'worker' ? <>as the workers report it (loaded {at(active.loadedAt)}).</> : <>read from the policy file itself: no worker reports a policy.</>}
      </p>
      {mixed && (
        <p role="alert" className="notice error">
          Workers run different versions: a reload is under way, or their policy files differ.
        </p>
      )}
      {workers.length === 0 ? (
        <p className="muted">No worker has reported its policy yet.</p>
      ) : (
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th scope="col">Process</th>
                <th scope="col">Version</th>
                <th scope="col">File</th>
                <th scope="col">Loaded</th>
                <th scope="col">Last seen</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>this console</td>
                <td className="mono">{version}</td>
                <td className="mono">{active.policy.source}</td>
                <td className="mono">{at(active.loadedAt)}</td>
                <td className="mono">now</td>
                <td>
                  <span className="tier tier-low">{active.origin === 'worker' ? 'as reported' : 'own file'}</span>
                </td>
              </tr>
              {workers.map((w) => (
                <tr key={w.workerId}>
                  <td className="mono">worker {w.workerId}</td>
                  <td className="mono">{w.version.slice(0, 12)}</td>
                  <td className="mono">{w.source}</td>
                  <td className="mono">{at(w.loadedAt)}</td>
                  <td className="mono">{at(w.seenAt)}</td>
                  <td>
                    {!w.live ? (
                      <span className="tier">not seen for over a minute</span>
                    ) : w.sameAsConsole ? (
                      <span className="tier tier-low">same version</span>
                    ) : (
                      <span className="tier tier-high">different version</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
