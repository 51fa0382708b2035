import type { z } from 'zod';

/** One line per problem, each naming the field path: what 4xx bodies and CLI messages show. */
export function describeZodIssues(error: z.ZodError, root?: string): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: [root, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.') || '(root)',
    message: issue.message,
  }));
}

export function formatZodError(error: z.ZodError, root?: string): string {
  return describeZodIssues(error, root)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
