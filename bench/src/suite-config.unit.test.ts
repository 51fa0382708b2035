import { describe, expect, it } from 'vitest';
import { readSuiteConfig } from './suite-config.js';

describe('readSuiteConfig: the dev servers of the pending part', () => {
  it('runs on both servers unless told, the headline (fast) last', () => {
    expect(readSuiteConfig(['--only=pending'], {}).pendingServers).toEqual(['stock', 'fast']);
  });

  it('takes one server', () => {
    expect(readSuiteConfig(['--pending-server=fast'], {}).pendingServers).toEqual(['fast']);
    expect(readSuiteConfig(['--pending-server=stock'], {}).pendingServers).toEqual(['stock']);
  });

  it('names the flag and the choices when the value is wrong or missing', () => {
    expect(() => readSuiteConfig(['--pending-server=quick'], {})).toThrow(/--pending-server must be both, fast or stock, got "quick"/);
    expect(() => readSuiteConfig(['--pending-server'], {})).toThrow(/--pending-server needs a value/);
  });

  it('leaves the flag out of what the overhead part is handed', () => {
    expect(readSuiteConfig(['--pending-server=fast', '--fast-dispatch'], {}).overheadArgs).toEqual(['--fast-dispatch']);
  });
});

describe('readSuiteConfig: decisions after a quiet spell', () => {
  it('sends three unless told, none with 0, and keeps the flag from the overhead part', () => {
    expect(readSuiteConfig([], {}).quietDecisions).toBe(3);
    const none = readSuiteConfig(['--quiet-decisions=0', '--n=5'], {});
    expect(none.quietDecisions).toBe(0);
    expect(none.overheadArgs).toEqual(['--n=5']);
  });
});
