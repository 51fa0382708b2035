import type { Activities, Admission, FastPathRun } from '@airlock/activities';
import type { GuardedActionInput } from '@airlock/core';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/**
 * Airlock's real workflow with activities that touch no database: what the
 * workflow's shape costs on Temporal (one activity for admission and the run, the
 * query handler, larger payloads, gateway validation) apart from the Postgres work.
 */
export function createStubAirlockWorker(connection: NativeConnection, taskQueue: string, workflowBundle: WorkflowBundleWithSourceMap): Promise<Worker> {
  const activities = {
    admitAndRun: async ({ actionId, request }: GuardedActionInput): Promise<{ admission: Admission; run: FastPathRun }> => ({
      admission: { classification: { decision: 'allow', tier: 'low', reasons: ['stub'] }, guardrailFlags: [], budgetImpacts: [], budgetReserved: false },
      run: { completed: { status: 'executed', actionId, output: request.args } },
    }),
  } satisfies Partial<Activities>;
  return Worker.create({ connection, namespace: 'default', taskQueue, workflowBundle, activities });
}
