import type { SensitiveKind } from './types.js';

export const REDACTION_PREFIX = '[REDACTED:';

export function redactionMarker(kind: SensitiveKind): string {
  return `${REDACTION_PREFIX}${kind}]`;
}

const MARKER = /^\[REDACTED:(?:email|phone|card|national_id|secret)\]$/;

export function isRedactionMarker(text: string): boolean {
  return MARKER.test(text);
}

const MARKER_INSIDE = /\[REDACTED:(?:email|phone|card|national_id|secret)\]/;

/**
 * The dotted paths (from `root`) of the strings in a stored, redacted value that
 * hold a redaction marker: what a re-evaluation over the record cannot know.
 */
export function redactedFields(value: unknown, root: string): string[] {
  if (typeof value === 'string') return MARKER_INSIDE.test(value) ? [root] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => redactedFields(item, `${root}.${index}`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => redactedFields(item, `${root}.${key}`));
  return [];
}
