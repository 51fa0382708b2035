import type { Db } from '@airlock/db';
import { budgetBurn, type BudgetBurn } from './budget-burn.js';
import { decisionTimes, type DecisionTimeBucket, type DecisionTimes } from './decision-time.js';
import { requestBuckets, totalCounts, type RequestBucket, type RequestCounts } from './requests.js';
import { approverPatterns, type ApproverPatterns } from './rubber-stamp.js';
import { analyticsRange, type AnalyticsRange, type AnalyticsWindowName } from './window.js';

export interface AnalyticsReport {
  range: AnalyticsRange;
  requests: { total: RequestCounts; buckets: RequestBucket[] };
  decisionTime: { overall: DecisionTimes; buckets: DecisionTimeBucket[] };
  approvers: ApproverPatterns;
  budgets: BudgetBurn[];
}

/** Everything the analytics page shows for one window: four aggregate queries, run side by side. */
export async function analyticsReport(db: Db, window: AnalyticsWindowName, now = new Date()): Promise<AnalyticsReport> {
  const range = analyticsRange(window, now);
  const [buckets, decisionTime, approvers, budgets] = await Promise.all([requestBuckets(db, range), decisionTimes(db, range), approverPatterns(db, range), budgetBurn(db, range)]);
  return { range, requests: { total: totalCounts(buckets), buckets }, decisionTime, approvers, budgets };
}
