import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '@airlock/core/spawn';
import { consoleBuildNeeded } from '@airlock/worker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';

// `npm run build` in apps/console (what `npm run build` at the root runs through turbo) must leave the
// launcher's build-complete mark after a build that succeeded, and only then: without it the next
// `npm start` rebuilt a finished console; with it after a failure, `npm start` would serve a broken one.
// The console's real build script runs, from a copy of its package.json beside the real worker, with a
// stand-in `next` (a real `next build` takes minutes and would replace the build other tests are using).

// What the mark depends on in `next build`: BUILD_ID written partway, then the exit status asked for.
// Dated tomorrow, so that a console source someone saves while this runs does not make it stale.
const FAKE_NEXT = `#!/bin/sh
[ "$1" = build ] || exit 64
mkdir -p .next && printf 'fake-build-id' > .next/BUILD_ID && touch -d tomorrow .next/BUILD_ID
exit "$FAKE_NEXT_EXIT"
`;

describe("the console's build script", () => {
  let root: string;
  let consoleDir: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'airlock-console-build-'));
    consoleDir = path.join(root, 'apps/console');
    await mkdir(consoleDir, { recursive: true });
    await cp(path.join(repoRoot, 'apps/console/package.json'), path.join(consoleDir, 'package.json'));
    await symlink(path.join(repoRoot, 'apps/worker'), path.join(root, 'apps/worker'));
    // Where npm looks first for a script's commands, before PATH and the checkout's own node_modules/.bin.
    const bin = path.join(consoleDir, 'node_modules/.bin');
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, 'next'), FAKE_NEXT);
    await chmod(path.join(bin, 'next'), 0o755);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const npmRunBuild = (nextExit: number) => {
    // tsx from the workspace's bin directory (the temporary directory may be outside the checkout).
    const PATH = [path.join(repoRoot, 'node_modules/.bin'), process.env.PATH].join(path.delimiter);
    return runProcess('npm run build', 'npm', ['run', 'build'], { cwd: consoleDir, env: { ...process.env, PATH, FAKE_NEXT_EXIT: String(nextExit) } });
  };

  it('marks a build that succeeded as finished, so the launcher does not build it again', async () => {
    const run = await npmRunBuild(0);
    expect(run.code, run.stderr).toBe(0);
    expect(await consoleBuildNeeded(path.join(consoleDir, '.next'))).toBeUndefined();
  });

  it('leaves a build that failed unmarked, so the launcher builds it again', async () => {
    const run = await npmRunBuild(1);
    expect(run.code).not.toBe(0);
    expect(await consoleBuildNeeded(path.join(consoleDir, '.next'))).toEqual({ reason: 'its last build did not finish' });
  });
});
