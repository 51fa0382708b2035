import { z } from 'zod';

/**
 * One line per problem, each naming the field path: what 4xx bodies and CLI messages show.
 * A field the schema does not know is named by its own path (`foo`, `args.x`), not its
 * object's; a missing one says so (`required: expected string`). Both are told from the
 * issue's structure (its code, `keys`, `expected`), and zod's own message from a schema's by
 * asking zod's error map, so a zod release that rewords its messages changes none of ours.
 */
export function describeZodIssues(error: z.ZodError, root?: string): { path: string; message: string }[] {
  const pathOf = (path: readonly PropertyKey[]) => [root, ...path.map(String)].filter((p) => p !== undefined && p !== '').join('.') || '(root)';
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // One issue per key: zod's own message names them all, so each gets its own; a schema's message (why agentId is refused) stands.
      const own = isZodOwnMessage(issue, 'input' in issue ? issue.input : undefined);
      return issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: own ? `Unrecognized key: "${key}"` : issue.message }));
    }
    return [{ path: pathOf(issue.path), message: isMissing(issue) ? `required: expected ${issue.expected}` : issue.message }];
  });
}

/** A field that is not there at all: the input was undefined (as reported, or as zod's own message for it says). */
function isMissing(issue: z.core.$ZodIssue): issue is z.core.$ZodIssueInvalidType {
  if (issue.code !== 'invalid_type') return false;
  if ('input' in issue && issue.input !== undefined) return false;
  return isZodOwnMessage(issue, undefined);
}

/**
 * Whether the message is the one zod's error map (its locale) gives this issue raised for `input`:
 * anything else was the schema's own (`z.strictObject(..., { error })`). The issue as zod keeps it
 * drops its input unless the parse reported it, so the caller says which input it means.
 */
function isZodOwnMessage(issue: z.core.$ZodIssue, input: unknown): boolean {
  const own = z.config().localeError?.({ ...issue, input } as z.core.$ZodRawIssue);
  return (typeof own === 'string' ? own : own?.message) === issue.message;
}

export function formatZodError(error: z.ZodError, root?: string): string {
  return describeZodIssues(error, root)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
