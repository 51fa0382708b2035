import type { ActionWatch } from '@airlock/core/agent-gateway';
import { describe, expect, it } from 'vitest';
import { DecisionWatch } from './decision-written.js';

/** An ActionWatch whose rows the test sends, counting who listens. */
function controlledWatch() {
  const listeners = new Map<string, (type: string) => void>();
  const watch: ActionWatch = {
    watch: (actionId, wake) => {
      listeners.set(actionId, wake);
      return Promise.resolve(() => listeners.delete(actionId));
    },
  };
  return { watch, row: (actionId: string, type: string) => listeners.get(actionId)?.(type), listening: () => [...listeners.keys()] };
}

/** Whether `promise` has settled once pending callbacks have run (no timer advances: a minute-long sleep stays asleep). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

describe('DecisionWatch: the wait for a settled approval to be stored', () => {
  it("wakes on the action's approval.decision row, not on its other rows nor another action's", async () => {
    const rows = controlledWatch();
    const watch = new DecisionWatch(rows.watch, 'act-1');
    await watch.live();
    const sleeping = watch.sleep(60_000);
    rows.row('act-1', 'approval.approved');
    rows.row('act-2', 'approval.decision');
    expect(await settled(sleeping)).toBe(false);
    rows.row('act-1', 'approval.decision');
    expect(await settled(sleeping)).toBe(true);
    watch.close();
  });

  it('keeps a wake that comes between two reads, so the next sleep returns at once', async () => {
    const rows = controlledWatch();
    const watch = new DecisionWatch(rows.watch, 'act-1');
    await watch.live();
    rows.row('act-1', 'approval.decision');
    expect(await settled(watch.sleep(60_000))).toBe(true);
    watch.close();
  });

  it('stops listening when closed, even before the watch has started', async () => {
    const rows = controlledWatch();
    new DecisionWatch(rows.watch, 'act-1').close();
    await settled(Promise.resolve());
    expect(rows.listening()).toEqual([]);
  });

  it('is best effort: a watch that cannot start leaves the wait to its fallback reads', async () => {
    const failing: ActionWatch = { watch: () => Promise.reject(new Error('no LISTEN connection')) };
    const watch = new DecisionWatch(failing, 'act-1');
    await expect(watch.live()).resolves.toBeUndefined();
    watch.close();
  });
});
