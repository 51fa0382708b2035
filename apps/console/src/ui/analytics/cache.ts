import type { Db } from '@airlock/db';
import { analyticsReport, type AnalyticsReport } from './report.js';
import type { AnalyticsWindowName } from './window.js';

/**
 * A report younger than this is served as is. A month of history costs
 * PostgreSQL a few hundred milliseconds of CPU to aggregate at 160,000 actions
 * (bench/CONSOLE.md); trends over days do not need to be fresher than a minute.
 */
export const ANALYTICS_FRESH_SECONDS = 60;

/**
 * Up to this age a report is still served at once while a newer one is computed
 * in the background (stale-while-revalidate); older, the request waits for the
 * new one, so a page opened after a quiet hour never shows an hour-old picture.
 */
export const ANALYTICS_STALE_SECONDS = 300;

interface Entry {
  report?: AnalyticsReport;
  computedAt: number;
  /** The computation under way, shared by every request that needs it (one query set, not one per request). */
  refreshing?: Promise<AnalyticsReport>;
}

// Per console process: replicas each keep their own, which only means each computes once a minute.
const entries = new Map<AnalyticsWindowName, Entry>();

function refresh(db: Db, window: AnalyticsWindowName, entry: Entry): Promise<AnalyticsReport> {
  entry.refreshing ??= analyticsReport(db, window)
    .then((report) => {
      entry.report = report;
      entry.computedAt = Date.now();
      return report;
    })
    .finally(() => {
      entry.refreshing = undefined;
    });
  return entry.refreshing;
}

/** The window's report, at most ANALYTICS_FRESH_SECONDS old when the page can have it at once, else computed now. */
export async function cachedAnalyticsReport(db: Db, window: AnalyticsWindowName): Promise<{ report: AnalyticsReport; computedAt: Date }> {
  let entry = entries.get(window);
  if (!entry) entries.set(window, (entry = { computedAt: 0 }));
  const age = (Date.now() - entry.computedAt) / 1000;
  if (entry.report && age < ANALYTICS_FRESH_SECONDS) return { report: entry.report, computedAt: new Date(entry.computedAt) };
  if (entry.report && age < ANALYTICS_STALE_SECONDS) {
    // A failed background refresh keeps the older report; the next request tries again.
    refresh(db, window, entry).catch((error: unknown) => console.warn(`airlock: analytics refresh failed: ${error instanceof Error ? error.message : String(error)}`));
    return { report: entry.report, computedAt: new Date(entry.computedAt) };
  }
  const report = await refresh(db, window, entry);
  return { report, computedAt: new Date(entry.computedAt) };
}
