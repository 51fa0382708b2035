/**
 * Replays one saved history (JSON, as `temporal workflow show --output json` or the suite's replay check writes it)
 * with the shipped bundle, or with tracing on: `npx tsx test/scripts/replay-one.ts <file> [traced]`.
 */
import { readFile } from 'node:fs/promises';
import { bundleWorkflows } from '@airlock/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';

const [file, mode] = process.argv.slice(2);
if (!file) throw new Error('usage: npx tsx test/scripts/replay-one.ts <history.json> [traced]');
const traced = mode === 'traced';
const history = historyFromJSON(JSON.parse(await readFile(file, 'utf8')));
const workflowBundle = await bundleWorkflows(traced ? { tracing: true } : {});
const sinks = { exporter: { export: { fn: () => undefined } } };
await Worker.runReplayHistory({ workflowBundle, ...(traced ? { sinks } : {}) }, history, 'replay-one');
console.log(`${file} replays ${traced ? 'with' : 'without'} tracing`);
