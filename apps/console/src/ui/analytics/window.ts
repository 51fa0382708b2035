import { z } from 'zod';

/** The windows the analytics page offers, each with the bucket its charts are drawn in. */
export const ANALYTICS_WINDOWS = {
  '24h': { label: 'Last 24 hours', bucket: 'hour', buckets: 24 },
  '7d': { label: 'Last 7 days', bucket: 'day', buckets: 7 },
  '30d': { label: 'Last 30 days', bucket: 'day', buckets: 30 },
} as const;

export type AnalyticsWindowName = keyof typeof ANALYTICS_WINDOWS;
export type BucketUnit = 'hour' | 'day';

/** The page's `window` search param; anything else falls back to a week. */
export const AnalyticsWindowParam = z.enum(['24h', '7d', '30d']).catch('7d');

/** A half-open time range [from, to) cut into equal buckets; `to` is the end of the bucket holding "now". */
export interface AnalyticsRange {
  window: AnalyticsWindowName;
  bucket: BucketUnit;
  buckets: number;
  from: Date;
  to: Date;
}

const BUCKET_MS: Record<BucketUnit, number> = { hour: 3_600_000, day: 86_400_000 };

/** The PostgreSQL interval of one bucket, for date_bin and generate_series. */
export const bucketInterval = (unit: BucketUnit): string => (unit === 'hour' ? '1 hour' : '1 day');

/**
 * Buckets are aligned to UTC hours or days, and the last one is the bucket still
 * filling, so "last 24 hours" ends with the current hour rather than a partial one cut at now.
 */
export function analyticsRange(window: AnalyticsWindowName, now: Date): AnalyticsRange {
  const { bucket, buckets } = ANALYTICS_WINDOWS[window];
  const size = BUCKET_MS[bucket];
  const to = new Date(Math.floor(now.getTime() / size) * size + size);
  return { window, bucket, buckets, from: new Date(to.getTime() - buckets * size), to };
}

/** The bucket starts of a range, oldest first (the x axis every chart shares). */
export function bucketStarts(range: AnalyticsRange): Date[] {
  const size = BUCKET_MS[range.bucket];
  return Array.from({ length: range.buckets }, (_, i) => new Date(range.from.getTime() + i * size));
}
