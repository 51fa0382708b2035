import { getMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MAX_POLLS_PER_WAIT, outcomeWaitSignal } from './outcome-wait.js';

describe('the outcome wait signal', () => {
  it('takes a listener per long poll without a leak warning, and still fires when the caller goes away', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const caller = new AbortController();
      const signal = outcomeWaitSignal(60_000, caller.signal);
      expect(getMaxListeners(signal)).toBe(MAX_POLLS_PER_WAIT);
      // What the Temporal client does for each history long poll sent under the signal.
      let cancelled = 0;
      for (let i = 0; i < 200; i++) signal.addEventListener('abort', () => cancelled++);
      caller.abort();
      await new Promise((resolve) => setImmediate(resolve));
      expect(cancelled).toBe(200);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('fires when the console is told to stop, so the stop does not wait for the long poll', () => {
    const stop = new AbortController();
    const signal = outcomeWaitSignal(60_000, new AbortController().signal, stop.signal);
    expect(signal.aborted).toBe(false);
    stop.abort();
    expect(signal.aborted).toBe(true);
  });

  it('fires by itself at waitMs', async () => {
    const signal = outcomeWaitSignal(20, new AbortController().signal);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect(signal.aborted).toBe(true);
  });
});
