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

/** Whether `text` holds a redaction marker anywhere (a redacted string or key). */
export function holdsRedactionMarker(text: string): boolean {
  return MARKER_INSIDE.test(text);
}

/**
 * The dotted paths (from `root`) of the strings in a stored, redacted value that
 * hold a redaction marker: what a re-evaluation over the record cannot know.
 */
export function redactedFields(value: unknown, root: string): string[] {
  if (typeof value === 'string') return MARKER_INSIDE.test(value) ? [root] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => redactedFields(item, `${root}.${index}`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) => (MARKER_INSIDE.test(key) ? [`${root}.${key}`] : redactedFields(item, `${root}.${key}`)));
  return [];
}

/** Why an edit's string that holds a marker yet differs from what was shown cannot run. */
export const CHANGED_REDACTED_VALUE =
  'changed, yet still holds a redacted value, which has no original to put back: keep a redacted value exactly as shown (its original is kept) or type the whole value';

/** An approver's edit with the values it kept redacted put back, and the strings it cannot put back. */
export interface RestoredEdit {
  value: unknown;
  /** Paths (from `root`) of strings that hold a marker but differ from what was shown there: no original to put back. */
  unresolved: string[];
  /** Paths of the markers kept exactly as shown, which now hold the original value again. */
  restored: string[];
}

/**
 * An approver edits the arguments they were shown, which are the redacted ones, and an
 * edit replaces them whole. A string left exactly as shown (`[REDACTED:email]`, or a
 * sentence with one inside) stands for the value behind it, so that value is put back
 * from `original` (the arguments the shown ones were redacted from; without it, only
 * the paths are worked out). A string holding a marker that differs from what was shown
 * there has no original: it is listed in `unresolved`, never handed on as text.
 */
export function restoreRedacted(edited: unknown, shown: unknown, original: unknown, root: string): RestoredEdit {
  const result: RestoredEdit = { value: undefined, unresolved: [], restored: [] };
  result.value = restoreAt(edited, shown, original, root, result);
  return result;
}

function restoreAt(edited: unknown, shown: unknown, original: unknown, path: string, result: RestoredEdit): unknown {
  if (typeof edited === 'string') {
    if (!MARKER_INSIDE.test(edited)) return edited;
    if (edited === shown) {
      result.restored.push(path);
      return original;
    }
    result.unresolved.push(path);
    return edited;
  }
  if (Array.isArray(edited)) {
    const shownItems: unknown[] = Array.isArray(shown) ? shown : [];
    const originalItems: unknown[] = Array.isArray(original) ? original : [];
    return edited.map((item: unknown, index) => restoreAt(item, shownItems[index], originalItems[index], `${path}.${index}`, result));
  }
  if (typeof edited === 'object' && edited !== null) {
    const shownFields = isRecord(shown) ? shown : {};
    const originalFields = isRecord(original) ? original : {};
    const originalKeys = originalKeysByShown(shownFields, originalFields);
    return Object.fromEntries(
      Object.entries(edited).map(([key, item]) => {
        const itemPath = `${path}.${key}`;
        let restoredKey = key;
        if (MARKER_INSIDE.test(key)) {
          // A field whose name was shown redacted: kept exactly, it is the field behind it (named as it was).
          if (!Object.prototype.hasOwnProperty.call(shownFields, key)) result.unresolved.push(itemPath);
          else {
            result.restored.push(itemPath);
            restoredKey = originalKeys.get(key) ?? key;
          }
        }
        return [restoredKey, restoreAt(item, shownFields[key], originalFields[restoredKey], itemPath, result)];
      }),
    );
  }
  return edited;
}

/**
 * Each shown key's original: redaction keeps an object's keys in their order and number (traverse.ts, redactKey), so
 * the shown and original keys pair up by position. Without the original (only the paths are worked out), or when the
 * two do not pair up, a shown key stands for itself.
 */
function originalKeysByShown(shown: Record<string, unknown>, original: Record<string, unknown>): Map<string, string> {
  const shownKeys = Object.keys(shown);
  const originalKeys = Object.keys(original);
  const paired = shownKeys.length === originalKeys.length;
  return new Map(shownKeys.map((key, i) => [key, paired ? originalKeys[i]! : key]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
