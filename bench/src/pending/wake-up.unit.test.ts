import { describe, expect, it } from 'vitest';
import { measureMachineWakeUp, wakeUpFrom } from './wake-up.js';

describe('the machine wake-up baseline', () => {
  it('compares the medians of the quiet and the warm runs', () => {
    const w = wakeUpFrom([2, 2.2, 1.9, 2.1, 5], [3.6, 3.2, 4.4], 11_000);
    expect(w).toEqual({ warmMs: 2.1, afterQuietMs: 3.6, ratio: 3.6 / 2.1, probes: 3, gapMs: 11_000 });
  });

  it('times each probe after its gap and reports how many ran', async () => {
    const w = await measureMachineWakeUp(2, 1);
    expect(w.probes).toBe(2);
    expect(w.gapMs).toBe(1);
    expect(w.warmMs).toBeGreaterThan(0);
    expect(w.ratio).toBeCloseTo(w.afterQuietMs / w.warmMs);
  });
});
