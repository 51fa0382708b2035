import { describe, expect, it } from 'vitest';
import { clearOfReadings } from './targets.js';

describe('clearOfReadings', () => {
  const readings = [
    { from: 1_000, to: 1_400 },
    { from: 31_000, to: 31_300 },
  ];

  it('drops a slow task that began, ended or ran across a reading, and keeps one between them', () => {
    const between = { from: 10_000, to: 11_200 };
    const spans = [
      { from: 900, to: 1_950 }, // began before the first reading, ended after it
      { from: 1_300, to: 2_400 }, // began during it
      { from: 30_100, to: 31_000 }, // ended as the second began
      between,
    ];
    expect(clearOfReadings(spans, readings)).toEqual([between]);
  });

  it('keeps every task without readings', () => {
    expect(clearOfReadings([{ from: 0, to: 2_000 }], [])).toEqual([{ from: 0, to: 2_000 }]);
  });
});
