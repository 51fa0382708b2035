import { childPath, isPlainObject } from '../paths.js';
import { findSensitiveText } from './find.js';
import { isRedactionMarker, redactionMarker } from './marker.js';
import { isSecretKey } from './secret-keys.js';
import type { SensitiveFinding, SensitiveSpan } from './types.js';

export interface Traversal {
  findings: SensitiveFinding[];
  /** The redacted deep copy. */
  value: unknown;
}

/** Replaces each span (sorted, non-overlapping) with its redaction marker. */
export function applyRedactions(text: string, spans: readonly SensitiveSpan[]): string {
  let out = '';
  let from = 0;
  for (const span of spans) {
    out += text.slice(from, span.start) + redactionMarker(span.kind);
    from = span.end;
  }
  return out + text.slice(from);
}

/**
 * One walk for finding and redacting: strings are scanned, values under
 * credential-named keys are redacted whole, arrays and plain objects are copied
 * (shared and cyclic references stay shared), anything else is kept as is.
 */
export function traverse(value: unknown, root: string): Traversal {
  const findings: SensitiveFinding[] = [];
  const copies = new Map<object, unknown>();

  const visit = (node: unknown, path: string, underSecretKey: boolean): unknown => {
    if (typeof node === 'string') {
      if (isRedactionMarker(node)) return node;
      if (underSecretKey) {
        if (node.length === 0) return node;
        findings.push({ path, kind: 'secret', detector: 'secret_key_name', start: 0, end: node.length });
        return redactionMarker('secret');
      }
      const spans = findSensitiveText(node);
      for (const span of spans) findings.push({ path, ...span });
      return spans.length > 0 ? applyRedactions(node, spans) : node;
    }
    if (underSecretKey && (typeof node === 'number' || typeof node === 'bigint')) {
      findings.push({ path, kind: 'secret', detector: 'secret_key_name', start: 0, end: String(node).length });
      return redactionMarker('secret');
    }
    if (!Array.isArray(node) && !isPlainObject(node)) return node;
    const seen = copies.get(node);
    if (seen !== undefined) return seen;
    if (Array.isArray(node)) {
      const copy: unknown[] = [];
      copies.set(node, copy);
      node.forEach((item, index) => copy.push(visit(item, childPath(path, index), underSecretKey)));
      return copy;
    }
    const copy = (Object.getPrototypeOf(node) === null ? Object.create(null) : {}) as Record<string, unknown>;
    copies.set(node, copy);
    for (const [key, item] of Object.entries(node)) {
      // defineProperty, not assignment: a JSON key "__proto__" must stay a plain own key.
      Object.defineProperty(copy, key, {
        value: visit(item, childPath(path, key), underSecretKey || isSecretKey(key)),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  };

  const redacted = visit(value, root, false);
  return { findings, value: redacted };
}
