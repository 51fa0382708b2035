import type { z } from 'zod';

/** zod's own message for a field that is missing altogether: `Invalid input: expected string, received undefined`. */
const MISSING = /^Invalid input: expected (.+), received undefined$/;

/**
 * One line per problem, each naming the field path: what 4xx bodies and CLI messages show.
 * A field the schema does not know is named by its own path (`foo`, `args.x`), not its
 * object's; a missing one says so (`required: expected string`).
 */
export function describeZodIssues(error: z.ZodError, root?: string): { path: string; message: string }[] {
  const pathOf = (path: readonly PropertyKey[]) => [root, ...path.map(String)].filter((p) => p !== undefined && p !== '').join('.') || '(root)';
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // One issue per key: zod's own message names them all, so each gets its own; a schema's message (why agentId is refused) stands.
      const own = issue.message.startsWith('Unrecognized key');
      return issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: own ? `Unrecognized key: "${key}"` : issue.message }));
    }
    const missing = issue.code === 'invalid_type' ? MISSING.exec(issue.message) : null;
    return [{ path: pathOf(issue.path), message: missing ? `required: expected ${missing[1]}` : issue.message }];
  });
}

export function formatZodError(error: z.ZodError, root?: string): string {
  return describeZodIssues(error, root)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
