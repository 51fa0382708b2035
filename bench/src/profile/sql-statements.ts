/**
 * Splits one query string into its statements at top-level semicolons (the
 * simple protocol runs them all in one round trip). Quotes, quoted identifiers,
 * dollar quotes and comments are skipped, so a `;` inside them does not split.
 * Approximate on purpose: it only counts what the benchmark sent.
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const s = text.slice(start, end).trim();
    if (s) out.push(s);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      // E'...' strings escape with backslashes; standard strings only double the quote.
      const escaped = i > 0 && /[eE]/.test(text[i - 1]!) && !/\w/.test(text[i - 2] ?? '');
      i++;
      while (i < text.length) {
        if (escaped && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i++;
      }
      i++;
    } else if (c === '"') {
      i = text.indexOf('"', i + 1) + 1 || text.length;
    } else if (c === '-' && text[i + 1] === '-') {
      i = text.indexOf('\n', i) + 1 || text.length;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 2 || text.length;
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(text.slice(i))?.[0];
      if (tag) {
        const end = text.indexOf(tag, i + tag.length);
        i = end < 0 ? text.length : end + tag.length;
      } else i++;
    } else if (c === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(text.length);
  return out;
}
