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
  'changed, yet still holds a redacted value, which has no original to put back: keep a redacted value exactly as shown (its original is kept; in a list whose items were removed, added or reordered, only in an item kept exactly as shown and unlike the others) or type the whole value';

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
 * there has no original: it is listed in `unresolved`, never handed on as text. So is a
 * kept marker in a list item that cannot be told for sure which shown item it is
 * (shownCounterparts): guessing by position ran the tool on an item the approver removed.
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
    const counterparts = shownCounterparts(edited, shownItems);
    return edited.map((item: unknown, index) => {
      const at = counterparts[index];
      // No sure counterpart (a new item, or one that could be either of two): a marker in it has no one original.
      return at === undefined ? restoreAt(item, undefined, undefined, `${path}.${index}`, result) : restoreAt(item, shownItems[at], originalItems[at], `${path}.${index}`, result);
    });
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
 * For each edited item, the index of the shown item it is, where that cannot be mistaken. Restoring by position
 * alone put a deleted or moved item's original into its neighbour: Ann's entry deleted, Bob's kept
 * `[REDACTED:email]` got Ann's address. Decided from what was shown only, so a check without the originals
 * (ops' checkEditedArgs) refuses exactly what the workflow's review refuses.
 * - Every shown item still in its place, exactly as shown (new items may follow): by position.
 * - The same number of items, one changed in its place (a field edited beside a kept marker): by position,
 *   unless the changed item is now exactly another shown one (renamed, or that one copied? It cannot tell).
 * - Otherwise (items deleted, moved or added): an item exactly as one shown item, and no other, is that one.
 * Anything else has none, so its markers are unresolved and the edit is refused, naming them.
 */
function shownCounterparts(edited: readonly unknown[], shown: readonly unknown[]): (number | undefined)[] {
  const editedForms = edited.map(canonicalJson);
  const shownForms = shown.map(canonicalJson);
  const changed = editedForms.flatMap((form, i) => (i < shown.length && form !== shownForms[i] ? [i] : []));
  if (edited.length >= shown.length && changed.length === 0) return edited.map((_, i) => (i < shown.length ? i : undefined));
  const shownAt = new Map<string, number[]>();
  shownForms.forEach((form, i) => {
    const at = shownAt.get(form);
    if (at) at.push(i);
    else shownAt.set(form, [i]);
  });
  if (edited.length === shown.length && changed.length === 1) return editedForms.map((form, i) => (i === changed[0] && shownAt.has(form) ? undefined : i));
  return editedForms.map((form) => {
    const matches = shownAt.get(form);
    return matches?.length === 1 ? matches[0] : undefined;
  });
}

/** A JSON value as text with every object's keys sorted, so equal values (whatever their key order) read alike. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, item: unknown) =>
      isRecord(item)
        ? Object.fromEntries(
            Object.keys(item)
              .sort()
              .map((key) => [key, item[key]]),
          )
        : item,
    ) ?? 'undefined'
  );
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
