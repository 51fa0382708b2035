import { parseSoakArgs, type SoakConfig } from './config.js';
import { formatReport } from './report.js';
import { runSoak } from './soak.js';

// `npm run soak -- [--seed=N] [--actions=N] ...`: exits 0 when every invariant held, 1 otherwise.

const began = Date.now();
const log = (line: string) => process.stderr.write(`[soak +${((Date.now() - began) / 1000).toFixed(1)}s] ${line}\n`);

function configOrExit(): SoakConfig {
  try {
    return parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}

const config = configOrExit();
log(`seed ${config.seed}, ${config.actions} actions, ${config.workers} workers`);
try {
  const report = await runSoak(config, log);
  console.log(formatReport(report));
  process.exit(report.passed ? 0 : 1);
} catch (error) {
  console.error(`soak failed to run (seed ${config.seed}):`, error);
  process.exit(1);
}
