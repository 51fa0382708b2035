import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme): keys sorted by UTF-16 code units at
 * every level, ECMAScript number form, minimal string escapes. Equal values give
 * equal bytes, in any language with a JCS implementation: the basis of argument
 * hashes and of the audit chain (hash version 2). Faithful for every own key,
 * `__proto__` included.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON representation');
  return text;
}

/**
 * The canonical form before RFC 8785 (audit hash version 1), kept only so rows
 * written with it stay verifiable. It loses a `__proto__` key (assigning it sets
 * the prototype); for every other JSON value its bytes equal `canonicalJson`'s.
 */
export function legacyCanonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const source = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      if (source[key] !== undefined) sorted[key] = sortKeys(source[key]);
    }
    return sorted;
  }
  return value;
}
