import { childPath, isPlainObject } from '../paths.js';
import { findSensitiveText } from './find.js';
import { holdsRedactionMarker, isRedactionMarker, redactionMarker } from './marker.js';
import { BARE_PHONE_NUMBER, isPhoneKey } from './phone-keys.js';
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
  /** Named a phone by its key (or, for a list's items, the list's key): bare digits here are a phone number. */
  phoneNamed: boolean;
  /** Where this node's redacted value goes: its parent's copy (for the root, a holder) under `key`. */
  parent: unknown[] | Record<string, unknown>;
  key: string | number;
}

/** What the keys above a value say it is. */
type KeyContext = Pick<Pending, 'underSecretKey' | 'phoneNamed'>;

/**
 * One walk for finding and redacting: strings and integers are scanned, values under
 * credential-named keys are redacted whole, arrays and plain objects are copied
 * (shared and cyclic references stay shared), anything else is kept as is.
 * Iterative (an explicit stack), depth first in document order: arguments nested
 * thousands of levels deep must not overflow the call stack. No closure per
 * node: every audit append walks its payload, and the walk, not the scanning, was
 * most of the cost for payloads of ids and names.
 */
export function traverse(value: unknown, root: string): Traversal {
  const findings: SensitiveFinding[] = [];
  const copies = new Map<object, unknown>();
  const top: Record<string, unknown> = {};
  const stack: Pending[] = [{ node: value, path: root, underSecretKey: false, phoneNamed: false, parent: top, key: 'value' }];

  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path, underSecretKey, phoneNamed } = item;
    if (typeof node === 'string') {
      place(item, redactString(node, path, item, findings));
      continue;
    }
    if (typeof node === 'number' || typeof node === 'bigint') {
      place(item, redactNumber(node, path, item, findings));
      continue;
    }
    if (!Array.isArray(node) && !isPlainObject(node)) {
      place(item, node);
      continue;
    }
    const seen = copies.get(node);
    if (seen !== undefined) {
      place(item, seen);
      continue;
    }
    const children: Pending[] = [];
    if (Array.isArray(node)) {
      const copy: unknown[] = new Array<unknown>(node.length);
      copies.set(node, copy);
      // Holes stay holes, as forEach would leave them.
      for (let index = 0; index < node.length; index++) {
        if (index in node) children.push({ node: node[index], path: childPath(path, index), underSecretKey, phoneNamed, parent: copy, key: index });
      }
      place(item, copy);
    } else {
      const copy = (Object.getPrototypeOf(node) === null ? Object.create(null) : {}) as Record<string, unknown>;
      copies.set(node, copy);
      const keys = Object.keys(node);
      for (const key of keys) {
        const shown = redactKey(key, path, keys, copy, findings);
        defineOwn(copy, shown, undefined); // keeps the key order of the original
        // A key holding a marker (redacted by an earlier pass) names no credential or phone: redacting again must change nothing.
        const marked = holdsRedactionMarker(key);
        const secretNamed = isSecretKey(key) && !marked;
        const phoneKey = isPhoneKey(key) && !marked;
        children.push({ node: node[key], path: childPath(path, shown), underSecretKey: underSecretKey || secretNamed, phoneNamed: phoneKey, parent: copy, key: shown });
      }
      place(item, copy);
    }
    // Reversed, so findings come out in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return { findings, value: top.value };
}

/**
 * The key as the copy holds it: a key is text an agent chose like any value (`{"dana@example.test": "refund"}`), so a
 * sensitive span in it is redacted too, and the finding (offsets into the key) names the field by its redacted key.
 * Two keys that redact alike, or one that redacts to a key the object already has, stay apart with a suffix (` #2`,
 * ` #3`, in document order), so no value is lost. A key without findings is kept exactly, markers included.
 */
function redactKey(key: string, path: string, keys: readonly string[], copy: Record<string, unknown>, findings: SensitiveFinding[]): string {
  if (isRedactionMarker(key)) return key;
  const spans = findSensitiveText(key);
  if (spans.length === 0) return key;
  const redacted = applyRedactions(key, spans);
  let shown = redacted;
  for (let n = 2; Object.prototype.hasOwnProperty.call(copy, shown) || keys.includes(shown); n++) shown = `${redacted} #${n}`;
  for (const span of spans) findings.push({ path: childPath(path, shown), ...span, key: true });
  return shown;
}

function place({ parent, key }: Pending, value: unknown): void {
  if (Array.isArray(parent)) parent[key as number] = value;
  else defineOwn(parent, key as string, value);
}

/**
 * An own, enumerable, writable data property. Assignment does exactly that on a fresh
 * copy, except for a JSON key "__proto__", which it would take as the prototype's setter.
 */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function redactString(text: string, path: string, { underSecretKey, phoneNamed }: KeyContext, findings: SensitiveFinding[]): string {
  if (isRedactionMarker(text)) return text;
  if (underSecretKey) {
    if (text.length === 0) return text;
    findings.push({ path, kind: 'secret', detector: 'secret_key_name', start: 0, end: text.length });
    return redactionMarker('secret');
  }
  const spans = sensitiveSpans(text, phoneNamed);
  for (const span of spans) findings.push({ path, ...span });
  return spans.length > 0 ? applyRedactions(text, spans) : text;
}

// Digits below these cannot be a card (13 digits at least) or, under a phone-named key, a phone number (7).
const CARD_MIN = 1e12;
const PHONE_MIN = 1e6;

/**
 * A number as the copy holds it. An integer's digits are what anyone reading the stored arguments sees:
 * `{"card": 4111111111111111}` is a card number as much as the string is, and was stored as sent. So its
 * decimal text is scanned as a string is (the detectors' own checks, issuer range and Luhn for a card,
 * keep amounts, epoch timestamps and ids), and a number holding a finding becomes the marker string, as a
 * number under a credential-named key does. Smaller numbers and fractions are not looked at (no text made).
 */
function redactNumber(value: number | bigint, path: string, { underSecretKey, phoneNamed }: KeyContext, findings: SensitiveFinding[]): unknown {
  if (underSecretKey) {
    findings.push({ path, kind: 'secret', detector: 'secret_key_name', start: 0, end: String(value).length });
    return redactionMarker('secret');
  }
  const integer = typeof value === 'bigint' || Number.isInteger(value);
  if (!integer || Math.abs(Number(value)) < (phoneNamed ? PHONE_MIN : CARD_MIN)) return value;
  const spans = sensitiveSpans(String(value), phoneNamed);
  for (const span of spans) findings.push({ path, ...span });
  return spans[0] ? redactionMarker(spans[0].kind) : value;
}

/** The text detectors' spans; under a phone-named key, a bare run of digits the phone detector has no shape for too. */
function sensitiveSpans(text: string, phoneNamed: boolean): SensitiveSpan[] {
  const spans = findSensitiveText(text);
  if (spans.length > 0 || !phoneNamed) return spans;
  const digits = text.trim();
  if (!BARE_PHONE_NUMBER.test(digits)) return [];
  const start = text.indexOf(digits);
  return [{ kind: 'phone', detector: 'phone_key_name', start, end: start + digits.length }];
}
