import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (apps/worker/src/launcher → four levels up), whatever the cwd. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const consoleDir = path.join(repoRoot, 'apps/console');
