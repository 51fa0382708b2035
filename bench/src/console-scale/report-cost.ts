import { performance } from 'node:perf_hooks';
import { consoleQueries } from '@airlock/console';
import type { Db } from '@airlock/db';
import { percentile } from '../stats.js';
import { cpuByPid, cpuSpent } from './cpu.js';

export interface ReportCost {
  window: '24h' | '7d' | '30d';
  p50: number;
  max: number;
  /** CPU time of the PostgreSQL backends per report (the four queries run side by side). */
  postgresCpuMs: number;
}

/**
 * What a page pays when its cached report has expired: the analytics queries
 * themselves, run in this process through the console's own code (the page
 * measurements above mostly hit the cache).
 */
export async function measureReportCost(db: Db, runs: number): Promise<ReportCost[]> {
  const backends = async () => (await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
  const costs: ReportCost[] = [];
  for (const window of ['24h', '7d', '30d'] as const) {
    await consoleQueries.analyticsReport(db, window);
    const pids = await backends();
    const samples: number[] = [];
    let cpu = 0;
    for (let i = 0; i < runs; i++) {
      const before = await cpuByPid(pids);
      const started = performance.now();
      await consoleQueries.analyticsReport(db, window);
      samples.push(performance.now() - started);
      cpu += cpuSpent(before, await cpuByPid(pids));
    }
    samples.sort((a, b) => a - b);
    costs.push({ window, p50: percentile(samples, 50), max: samples.at(-1) ?? Number.NaN, postgresCpuMs: cpu / runs });
  }
  return costs;
}
