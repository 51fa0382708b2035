import { requirePageUser } from '../../../../src/ui/auth/session.js';
import { ApiError } from '../../../../src/api/errors.js';
import { apiContext } from '../../../../src/api/runtime-context.js';
import { BacktestForm } from '../../../../src/ui/policy/backtest-form.js';

export const dynamic = 'force-dynamic';

export default async function BacktestPage() {
  await requirePageUser();
  let liveText: string;
  try {
    ({ text: liveText } = await apiContext().policy.read());
  } catch (error) {
    return (
      <>
        <h1>Policy backtest</h1>
        <p role="alert" className="notice error">
          {error instanceof ApiError ? error.message : 'The live policy could not be loaded; see the console’s log.'}
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Policy backtest</h1>
      <p>
        Edit the live policy below and run it over the actions recorded in a window: which decisions would change (allow ↔ approval ↔ deny), tier shifts, approvals newly asked, no
        longer asked or asked on other terms (more or fewer approvers, another role or group, another deadline), and the cost estimates involved. Nothing is recorded.{' '}
        <a href="/policies">Back to policies</a> · <a href="/policies/shadow">Shadow mode</a>
      </p>
      <BacktestForm liveText={liveText} />
    </>
  );
}
