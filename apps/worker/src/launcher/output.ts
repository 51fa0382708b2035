import { shownDatabaseUrl } from '@airlock/core/external-database';

/** The summary's database line: no secret (a password in the userinfo or a `password` / `sslpassword` parameter). */
export function databaseSummary(url: string, embedded: boolean): string {
  const shown = shownDatabaseUrl(url) ?? '(not a URL: DATABASE_URL is not shown)';
  return embedded ? `${shown}  (embedded)` : shown;
}

/** Label-aligned lines: `  label   value`. */
export function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}   ${value}`);
}

/**
 * The launcher's summary and first-start credentials: plain lines on stdout in
 * every log format. They are for the person at the terminal, not the log
 * pipeline (which would redact the very keys they must copy).
 */
export function printPlain(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}
