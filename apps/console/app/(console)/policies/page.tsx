import { demoToolSpecs } from '@airlock/core';
import { requirePageUser } from '../../../src/console/session.js';
import { ApiError } from '../../../src/server/errors.js';
import { apiContext } from '../../../src/server/runtime-context.js';
import { DryRunForm } from '../../_console/dry-run-form.js';

export const dynamic = 'force-dynamic';

const EXAMPLE_ARGS = JSON.stringify({ paymentId: 'pay_123', amount: '125.00', currency: 'USD', reason: 'duplicate charge' }, null, 2);

export default async function PoliciesPage() {
  await requirePageUser();
  const ctx = apiContext();
  const agents = await ctx.db.prisma.agent.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  const tools = demoToolSpecs.map((s) => s.name).sort((a, b) => (a === 'payments.refund' ? -1 : b === 'payments.refund' ? 1 : a.localeCompare(b)));
  let active;
  try {
    active = await ctx.policy.read();
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
  const { policy, text } = active;
  return (
    <>
      <h1>Policies</h1>
      <p>
        Active policy <code>{policy.source}</code> · version <code>{policy.version.slice(0, 12)}</code> · {policy.rules.length} rules, {policy.rateLimits.length} rate limits
      </p>
      <DryRunForm tools={tools} agents={agents.map((a) => a.id)} example={EXAMPLE_ARGS} />
      <section className="card" aria-labelledby="policy-text-heading">
        <h2 id="policy-text-heading">Policy text</h2>
        <pre className="mono">{text}</pre>
      </section>
    </>
  );
}
