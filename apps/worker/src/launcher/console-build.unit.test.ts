import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleBuildNeeded, markConsoleBuilt } from './console-app.js';

// Next writes BUILD_ID partway through `next build`: a build stopped after that point must not pass
// for a finished one, or the next start serves it and `next start` refuses it.
describe('whether the console needs a build', () => {
  let distDir: string;
  beforeEach(async () => {
    distDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-console-dist-'));
  });
  afterEach(async () => {
    await rm(distDir, { recursive: true, force: true });
  });

  it('says so when there is no build', async () => {
    expect(await consoleBuildNeeded(distDir)).toEqual({ reason: 'it has not been built yet' });
  });

  it('says so for a build that wrote its BUILD_ID and stopped, and not once a build is marked finished', async () => {
    await writeFile(path.join(distDir, 'BUILD_ID'), 'build-one');
    expect(await consoleBuildNeeded(distDir)).toEqual({ reason: 'its last build did not finish' });
    await markConsoleBuilt(distDir);
    // Every source is older than this BUILD_ID, written just now.
    expect(await consoleBuildNeeded(distDir)).toBeUndefined();
  });

  it('says so when a later build began after the finished one: its new BUILD_ID is not the one marked', async () => {
    await writeFile(path.join(distDir, 'BUILD_ID'), 'build-one');
    await markConsoleBuilt(distDir);
    await writeFile(path.join(distDir, 'BUILD_ID'), 'build-two');
    expect(await consoleBuildNeeded(distDir)).toEqual({ reason: 'its last build did not finish' });
  });
});
