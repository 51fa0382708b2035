import { redactionMarker } from './marker.js';
import { isSecretKey } from './secret-keys.js';

const SECRET_MARKER = JSON.stringify(redactionMarker('secret'));

/**
 * A JSON text with the value of every credential-named key (isSecretKey: `cookie`, `pin`, `authorization`, …)
 * replaced with the marker, as `redact` does for a parsed value. For a text kept instead of a value: an output
 * stored as `{ airlock: 'output not storable as sent', json }`, which a client may have written and which is often
 * cut mid-way, so it is read token by token, never parsed whole. Everything else is left as it is.
 */
export function redactSecretsInJsonText(text: string): string {
  let out = '';
  let at = 0;
  while (at < text.length) {
    const quote = text.indexOf('"', at);
    if (quote < 0) break;
    const keyEnd = stringEnd(text, quote);
    const colon = skipSpace(text, keyEnd);
    if (text[colon] !== ':' || !isSecretKey(keyText(text.slice(quote, keyEnd)))) {
      // A string that is no key, or a key of an ordinary value: kept, and read past as one token.
      out += text.slice(at, keyEnd);
      at = keyEnd;
      continue;
    }
    const valueStart = skipSpace(text, colon + 1);
    if (valueStart >= text.length) break;
    out += text.slice(at, valueStart) + SECRET_MARKER;
    at = valueEnd(text, valueStart);
  }
  return out + text.slice(at);
}

/** Where the string token opening at `quote` ends (past its closing quote; the text's end when it was cut inside). */
function stringEnd(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at]!)) at++;
  return at;
}

/** A key token's text; a token cut short, or with an escape JSON refuses, as written. */
function keyText(token: string): string {
  try {
    return JSON.parse(token) as string;
  } catch {
    return token.slice(1).replace(/"$/, '');
  }
}

/** Where the value starting at `start` ends: a string, an object or array (nested ones and strings inside read past), or a scalar. */
function valueEnd(text: string, start: number): number {
  if (text[start] === '"') return stringEnd(text, start);
  if (text[start] !== '{' && text[start] !== '[') {
    let i = start;
    while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
    return i;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = stringEnd(text, i) - 1;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return text.length;
}
