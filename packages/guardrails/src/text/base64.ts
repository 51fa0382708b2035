// Pure base64 and UTF-8 decoding: no Buffer, atob or TextDecoder, so this runs in any JavaScript sandbox.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SEXTETS = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
for (const [c, v] of [
  ['+', 62],
  ['/', 63],
  ['-', 62],
  ['_', 63],
] as const)
  SEXTETS.set(c, v);

/** Decodes standard or URL-safe base64, padded or not; undefined when `text` is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, '');
  if (body.length % 4 === 1) return undefined;
  const bytes = new Uint8Array(Math.floor((body.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let out = 0;
  for (const char of body) {
    const sextet = SEXTETS.get(char);
    if (sextet === undefined) return undefined;
    buffer = ((buffer << 6) | sextet) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}

/** Strict UTF-8: undefined on any malformed, overlong or surrogate sequence. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  let text = '';
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i] ?? 0;
    const [length, min] =
      lead < 0x80 ? [1, 0] : lead >= 0xc2 && lead < 0xe0 ? [2, 0x80] : lead >= 0xe0 && lead < 0xf0 ? [3, 0x800] : lead >= 0xf0 && lead < 0xf5 ? [4, 0x10000] : [0, 0];
    if (length === 0 || i + length > bytes.length) return undefined;
    let codePoint = length === 1 ? lead : lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k] ?? 0;
      if ((next & 0xc0) !== 0x80) return undefined;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
    text += String.fromCodePoint(codePoint);
    i += length;
  }
  return text;
}
