// `npm run test:durations -- <report.json>`: updates test/file-durations.json from a Vitest JSON report
// (`npm run test:integration -- --reporter=json --outputFile=<report.json>`), which the longest-first
// sequencer (src/support/longest-first-sequencer.ts) orders the next runs by. The report's files take its
// figures; a file it did not run (a partial run) keeps its figure while it still exists.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DURATIONS_FILE } from '../src/support/longest-first-sequencer.js';

const Report = z.object({
  testResults: z.array(z.object({ name: z.string(), startTime: z.number(), endTime: z.number() })),
});

const reportPath = process.argv[2];
if (!reportPath) {
  console.error('usage: npm run test:durations -- <vitest JSON report>');
  process.exit(2);
}
const report = Report.parse(JSON.parse(readFileSync(reportPath, 'utf8')));
/** A file's path from test/, as the sequencer looks it up, also for a report made in another clone of the repository. */
function testPath(file: string): string {
  const at = file.lastIndexOf(`${path.sep}test${path.sep}src${path.sep}`);
  return at < 0 ? path.relative(path.dirname(DURATIONS_FILE), file) : file.slice(at + `${path.sep}test${path.sep}`.length);
}
const testDir = path.dirname(DURATIONS_FILE);
const Durations = z.record(z.string(), z.number());
const earlier = existsSync(DURATIONS_FILE) ? Durations.parse(JSON.parse(readFileSync(DURATIONS_FILE, 'utf8'))) : {};
const measured = new Map(report.testResults.map((file) => [testPath(file.name), Math.round((file.endTime - file.startTime) / 100) / 10] as const));
const kept = Object.entries(earlier).filter(([file]) => !measured.has(file) && existsSync(path.join(testDir, file)));
const durations = Object.fromEntries([...measured, ...kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(DURATIONS_FILE, `${JSON.stringify(durations, null, 2)}\n`);
const dropped = Object.keys(earlier).filter((file) => !(file in durations));
console.log(`${measured.size} files recorded, ${kept.length} kept from before, ${dropped.length} dropped (no longer there) in ${path.relative(process.cwd(), DURATIONS_FILE)}`);
