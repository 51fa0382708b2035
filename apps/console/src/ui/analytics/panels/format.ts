import type { BucketUnit } from '../window.js';

// Text for the analytics page. Times are UTC, as everywhere in the console.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Under a bar: "14:00" for hours, "Nov 20" for days. */
export function bucketLabel(start: Date, unit: BucketUnit): string {
  return unit === 'hour' ? `${start.toISOString().slice(11, 13)}:00` : `${MONTHS[start.getUTCMonth()]} ${start.getUTCDate()}`;
}

/** In tables and tooltips: the whole date. */
export function bucketName(start: Date, unit: BucketUnit): string {
  return unit === 'hour' ? `${start.toISOString().slice(0, 13).replace('T', ' ')}:00 UTC` : start.toISOString().slice(0, 10);
}

/** The heading of a chart table's first column. */
export const bucketHeading = (unit: BucketUnit): string => (unit === 'hour' ? 'Hour' : 'Day (UTC)');

/** A chart point's place on the time axis: its tick and its whole date. */
export const bucketAt = (start: Date, unit: BucketUnit): { label: string; name: string } => ({ label: bucketLabel(start, unit), name: bucketName(start, unit) });

export const count = (n: number): string => n.toLocaleString('en-US');

/** A share as a percentage; null (nothing to divide) is a dash, never "0 %". */
export function percent(share: number | null): string {
  if (share === null) return '–';
  const value = share * 100;
  return `${value > 0 && value < 10 ? value.toFixed(1) : value.toFixed(0)}%`;
}

/** Seconds as people say them: "4 s", "2 min 5 s", "3 h 10 min". */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 1) return '<1 s';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min${seconds % 60 >= 1 ? ` ${Math.floor(seconds % 60)} s` : ''}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.round(hours / 24)} days`;
}

/** A time-axis tick: "30 s", "5 min", "1.5 h". */
export function durationTick(seconds: number): string {
  if (seconds === 0) return '0';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${+(seconds / 60).toFixed(1)} min`;
  return `${+(seconds / 3600).toFixed(1)} h`;
}

/** Money kept exact: the decimal string PostgreSQL returned, with its currency. */
export const money = (amount: string, currency: string): string => `${amount} ${currency}`;
