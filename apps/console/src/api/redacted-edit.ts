import { ApiError } from './errors.js';

// The guardrails' redaction marker (`[REDACTED:email]`, …): what the stored, shown arguments hold in place of a value.
const REDACTION_MARKER = /\[REDACTED:[a-z_]+\]/;

/** The dotted path of the first string in `value` that still holds a redaction marker. */
function redactedPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return REDACTION_MARKER.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = redactedPath(item, `${path}.${index}`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = redactedPath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * An approver edits the arguments they were shown, which are the redacted ones,
 * and an edit replaces the arguments whole: a marker left in it would reach the
 * tool as literal text in place of the agent's value (an email address, a card
 * number). Such an edit is refused, naming the field, instead of run.
 */
export function refuseRedactedEdit(editedArgs: Record<string, unknown> | undefined): void {
  if (!editedArgs) return;
  const path = redactedPath(editedArgs, 'editedArgs');
  if (!path) return;
  const message = 'still holds a redacted value: the tool would receive the placeholder, not the original. Type the full value, or deny with feedback for the agent instead';
  throw new ApiError(400, 'invalid_request', `${path} ${message}`, [{ path, message }]);
}
