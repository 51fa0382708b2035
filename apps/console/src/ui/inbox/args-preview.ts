/** Arguments an inbox row shows, so nobody approves a call they have not seen; the action page has them all. */
export interface ArgsPreview {
  /** Top-level argument name and its stored (redacted) value as text, in stored order. */
  entries: { name: string; value: string }[];
  /** True when an argument was left out or a value cut short: the row says so and links to the full record. */
  shortened: boolean;
}

// Bounded so 200 rows stay a small page, yet a typical call (a refund, a command) shows in full.
const MAX_ARGS = 8;
const MAX_VALUE_CHARS = 160;

export function argsPreview(args: Record<string, unknown>): ArgsPreview {
  const all = Object.entries(args);
  let shortened = all.length > MAX_ARGS;
  const entries = all.slice(0, MAX_ARGS).map(([name, value]) => {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    if (text.length <= MAX_VALUE_CHARS) return { name, value: text };
    shortened = true;
    return { name, value: `${text.slice(0, MAX_VALUE_CHARS - 1)}…` };
  });
  return { entries, shortened };
}
