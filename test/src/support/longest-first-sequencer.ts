import { readFileSync } from 'node:fs';
import path from 'node:path';
// Types only: a value import of vitest/node breaks import-x's no-cycle ("node with invalid interface
// loaded as resolver"), so this implements the interface instead of extending BaseSequencer.
import type { TestSequencer, TestSpecification, Vitest } from 'vitest/node';

/** Where each file's last measured duration is kept (`npm run test:durations` rewrites it). */
export const DURATIONS_FILE = path.join(import.meta.dirname, '../../file-durations.json');

/**
 * Runs the longest files first, by the durations recorded in file-durations.json, so the two workers
 * end together. Vitest's own order needs a results cache that a fresh clone (CI) lacks and then falls
 * back to file size: the soak (40 lines, about a minute) started last and ran alone at the end of the
 * run. Files with no recorded duration (new ones) go first, as Vitest runs unknown files first.
 */
export default class LongestFirstSequencer implements TestSequencer {
  constructor(private readonly ctx: Vitest) {}

  sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = readDurations();
    const root = path.dirname(DURATIONS_FILE);
    const recorded = (file: TestSpecification) => seconds[path.relative(root, file.moduleId)] ?? Number.POSITIVE_INFINITY;
    return Promise.resolve([...files].sort((a, b) => recorded(b) - recorded(a) || (a.moduleId < b.moduleId ? -1 : 1)));
  }

  /** `--shard=i/n`: every n-th file of the path order, so the shards split the files alike on every machine. */
  shard(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { shard } = this.ctx.config;
    if (!shard) return Promise.resolve(files);
    const byPath = [...files].sort((a, b) => (a.moduleId < b.moduleId ? -1 : 1));
    return Promise.resolve(byPath.filter((_, i) => i % shard.count === shard.index - 1));
  }
}

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}
