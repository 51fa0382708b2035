/** The URL with its password replaced, safe to print and log. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
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
