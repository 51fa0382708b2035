/**
 * The first `maxLength` UTF-16 code units of `text`, one fewer when the cut would split a surrogate
 * pair: a bare `slice` can leave a lone high surrogate (half an emoji), which Airlock refuses to store.
 * Pure, so adapters and the gateway import it as `@airlock/core/cut-text`.
 */
export function cutText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const end = Math.max(0, maxLength);
  const last = text.charCodeAt(end - 1);
  // A high surrogate as the last unit kept: its low half is the first unit cut.
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}
