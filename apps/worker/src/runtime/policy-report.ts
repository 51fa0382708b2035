import { hostname } from 'node:os';
import { POLICY_HEARTBEAT_MS, recordPolicyRuntime, removePolicyRuntime, touchPolicyRuntime, type Db } from '@airlock/db';
import type { PolicyStore } from '@airlock/policy/files';
import type { Logger } from '@airlock/telemetry';

export interface PolicyReport {
  /** After every reload attempt: a good one reports the new version (a bad one changed nothing). */
  reloaded(): void;
  /** A clean stop: the row goes, so the console no longer counts this worker. */
  stop(): Promise<void>;
}

/**
 * Tells the console which policy this worker runs (table policy_runtimes): the
 * version and text at start and after each reload, and a heartbeat so a crashed
 * worker ages out. A failed write is logged and retried by the next heartbeat;
 * it never stops the worker.
 */
export async function reportPolicy(db: Db, store: PolicyStore, source: string, logger: Logger, workerId = `${process.pid}@${hostname()}`): Promise<PolicyReport> {
  let reported = '';
  const record = async () => {
    const policy = store.current();
    try {
      if (policy.version === reported) await touchPolicyRuntime(db, workerId);
      else {
        await recordPolicyRuntime(db, { workerId, source, version: policy.version, text: store.currentText() });
        reported = policy.version;
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not report the policy version to the database; trying again at the next heartbeat');
    }
  };
  await record();
  const timer = setInterval(() => void record(), POLICY_HEARTBEAT_MS);
  timer.unref();
  return {
    reloaded: () => void record(),
    async stop() {
      clearInterval(timer);
      await removePolicyRuntime(db, workerId).catch((error: unknown) => logger.warn({ err: error }, 'could not remove this worker from policy_runtimes'));
    },
  };
}
