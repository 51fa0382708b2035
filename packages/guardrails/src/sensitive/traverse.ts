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

interface Pending {
  node: unknown;
  path: string;
  underSecretKey: boolean;
  /** Puts this node's redacted value where it belongs in its parent's copy. */
  place: (value: unknown) => void;
}

/**
 * One walk for finding and redacting: strings are scanned, values under
 * credential-named keys are redacted whole, arrays and plain objects are copied
 * (shared and cyclic references stay shared), anything else is kept as is.
 * Iterative (an explicit stack), depth first in document order: arguments nested
 * thousands of levels deep must not overflow the call stack.
 */
export function traverse(value: unknown, root: string): Traversal {
  const findings: SensitiveFinding[] = [];
  const copies = new Map<object, unknown>();
  let result: unknown;
  const stack: Pending[] = [{ node: value, path: root, underSecretKey: false, place: (v) => (result = v) }];

  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path, underSecretKey, place } = item;
    if (typeof node === 'string') {
      place(redactString(node, path, underSecretKey, findings));
      continue;
    }
    if (underSecretKey && (typeof node === 'number' || typeof node === 'bigint')) {
      findings.push({ path, kind: 'secret', detector: 'secret_key_name', start: 0, end: String(node).length });
      place(redactionMarker('secret'));
      continue;
    }
    if (!Array.isArray(node) && !isPlainObject(node)) {
      place(node);
      continue;
    }
    const seen = copies.get(node);
    if (seen !== undefined) {
      place(seen);
      continue;
    }
    const children: Pending[] = [];
    if (Array.isArray(node)) {
      const copy: unknown[] = new Array<unknown>(node.length);
      copies.set(node, copy);
      node.forEach((child, index) => children.push({ node: child, path: childPath(path, index), underSecretKey, place: (v) => (copy[index] = v) }));
      place(copy);
    } else {
      const copy = (Object.getPrototypeOf(node) === null ? Object.create(null) : {}) as Record<string, unknown>;
      copies.set(node, copy);
      // defineProperty, not assignment: a JSON key "__proto__" must stay a plain own key.
      const define = (key: string, v: unknown) => Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
      for (const [key, child] of Object.entries(node)) {
        define(key, undefined); // keeps the key order of the original
        children.push({ node: child, path: childPath(path, key), underSecretKey: underSecretKey || isSecretKey(key), place: (v) => define(key, v) });
      }
      place(copy);
    }
    // Reversed, so findings come out in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return { findings, value: result };
}

function redactString(text: string, path: string, underSecretKey: boolean, findings: SensitiveFinding[]): string {
  if (isRedactionMarker(text)) return text;
  if (underSecretKey) {
    if (text.length === 0) return text;
    findings.push({ path, kind: 'secret', detector: 'secret_key_name', start: 0, end: text.length });
    return redactionMarker('secret');
  }
  const spans = findSensitiveText(text);
  for (const span of spans) findings.push({ path, ...span });
  return spans.length > 0 ? applyRedactions(text, spans) : text;
}
