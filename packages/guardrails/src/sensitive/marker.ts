import type { SensitiveKind } from './types.js';

export const REDACTION_PREFIX = '[REDACTED:';

export function redactionMarker(kind: SensitiveKind): string {
  return `${REDACTION_PREFIX}${kind}]`;
}

const MARKER = /^\[REDACTED:(?:email|phone|card|national_id|secret)\]$/;

export function isRedactionMarker(text: string): boolean {
  return MARKER.test(text);
}
