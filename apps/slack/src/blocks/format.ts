/**
 * Text helpers for Block Kit. Everything shown comes from redacted audit rows and
 * database columns; escaping keeps an agent's text from pinging a channel or
 * forging a link (`<!channel>`, `<https://…|…>`).
 */

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An inline code span: escaped, and with its backticks replaced, so the text cannot end the span and write mrkdwn after it. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Shown in each reader's own time zone; the ISO fallback is for clients that cannot format dates. */
export function slackDate(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${date.toISOString()}>`;
}

/** A quoted block of (already escaped-here) text. */
export function quote(text: string): string {
  return escapeMrkdwn(text)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}

const MAX_ARG_KEYS = 12;
const MAX_KEY_CHARS = 100;
const MAX_VALUE_CHARS = 200;

/** One line of text: a newline in a key or value would start a line of its own (a fake `amount: 5`). */
const oneLine = (text: string, max: number) => truncate(text.replace(/\s+/g, ' '), max);

/** One `key: value` line per top-level argument, in a code block; values are the redacted ones. */
export function argumentsSummary(args: Record<string, unknown>): string {
  const entries = Object.entries(args);
  if (entries.length === 0) return '_no arguments_';
  const lines = entries.slice(0, MAX_ARG_KEYS).map(([key, value]) => {
    const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    return `${oneLine(key, MAX_KEY_CHARS)}: ${oneLine(shown, MAX_VALUE_CHARS)}`;
  });
  if (entries.length > MAX_ARG_KEYS) lines.push(`… and ${entries.length - MAX_ARG_KEYS} more`);
  // Backtick runs would close the code block early.
  return `\`\`\`${escapeMrkdwn(lines.join('\n')).replace(/`{3,}/g, "'''")}\`\`\``;
}
