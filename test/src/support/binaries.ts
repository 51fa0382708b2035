import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The Temporal CLI from `.ci/run`'s venv, or $TEMPORAL_CLI_PATH; undefined lets the SDK download it. */
export function temporalCliPath(): string | undefined {
  return firstExisting(process.env.TEMPORAL_CLI_PATH, path.join(repoRoot, '.tools/venv/bin/temporal'));
}

export function temporalTestServerPath(): string | undefined {
  return firstExisting(process.env.TEMPORAL_TEST_SERVER_PATH, path.join(repoRoot, '.tools/venv/bin/temporal-test-server'));
}

function firstExisting(...candidates: (string | undefined)[]): string | undefined {
  return candidates.find((c): c is string => c !== undefined && existsSync(c));
}

export { repoRoot };
