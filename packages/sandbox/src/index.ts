import type { Sandbox, SelfTestReport } from './options.js';
import { createSandbox } from './sandbox.js';
import { runSelfTest } from './self-test.js';

export { createSandbox } from './sandbox.js';
export { observeSandbox } from './observed.js';
export { buildSeccompFilter, refusedNumbers, REFUSED_SYSCALLS, seccompArch, type SeccompArch } from './seccomp.js';
export {
  SandboxLimits,
  SandboxOptions,
  SandboxUnavailableError,
  SandboxLaunchError,
  SANDBOX_RUN_MAX_MS,
  type SandboxOptionsInput,
  type SandboxRequest,
  type SandboxResult,
  type SandboxCapabilities,
  type KilledBy,
  type LimiterKind,
  type Sandbox,
  type SelfTestCheck,
  type SelfTestReport,
} from './options.js';

/**
 * The worker's start-up check: proves the given sandbox (or a freshly detected
 * one) holds on this host. A failed report means risky tools will be refused.
 */
export async function sandboxSelfTest(sandbox?: Sandbox | Promise<Sandbox>): Promise<SelfTestReport> {
  const target = await (sandbox ?? createSandbox({ selfTest: false }));
  if (!target.capabilities.available) {
    return { ok: false, checks: [{ name: 'available', ok: false, detail: target.capabilities.reason ?? 'unavailable' }], durationMs: 0 };
  }
  return runSelfTest(target);
}
