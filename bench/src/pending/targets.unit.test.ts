import { describe, expect, it } from 'vitest';
import { overlappingReadings } from './targets.js';

describe('overlappingReadings', () => {
  const readings = [
    { from: 1_000, to: 1_400 },
    { from: 31_000, to: 31_300 },
  ];

  it('counts a slow task that began, ended or ran across a reading, and not one between them', () => {
    const spans = [
      { from: 900, to: 1_950 }, // began before the first reading, ended after it
      { from: 1_300, to: 2_400 }, // began during it
      { from: 30_100, to: 31_000 }, // ended as the second began
      { from: 10_000, to: 11_200 }, // between them
    ];
    expect(overlappingReadings(spans, readings)).toBe(3);
  });

  it('counts none without readings', () => {
    expect(overlappingReadings([{ from: 0, to: 2_000 }], [])).toBe(0);
  });
});
