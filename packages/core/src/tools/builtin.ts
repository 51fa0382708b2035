import { z } from 'zod';
import { defineToolSpec, TOOL_RUN_MAX_MESSAGE, TOOL_RUN_MAX_MS } from './define.js';

/**
 * The built-in tools' pure halves. Hard upper bounds live here; each worker's
 * tool config narrows them (allowlists, caps). Risk comes from the policy files.
 */

const cents = (n: number) => ({ amount: `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`, currency: 'USD' });

const Text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\0'), 'may not contain NUL');

export const shellExecSpec = defineToolSpec({
  name: 'shell.exec',
  description:
    'Runs a command in a fresh sandbox: no network, read-only system, an empty scratch directory (/scratch, the working directory) ' +
    'as the only writable place, killed at the deadline. Give argv as `command` (no shell); `script` runs under /bin/sh only where the worker allows it.',
  args: z
    .object({
      command: z.array(Text(10_000)).min(1).max(256).optional(),
      script: Text(100_000).pipe(z.string().min(1)).optional(),
      timeoutMs: z.number().int().min(1).max(TOOL_RUN_MAX_MS, TOOL_RUN_MAX_MESSAGE).default(30_000),
      stdin: z.string().max(1_000_000).optional(),
    })
    .strict()
    .refine((a) => (a.command === undefined) !== (a.script === undefined), { message: 'give exactly one of command (argv) or script' }),
  // Compute is billed per started minute of the allowed run time.
  cost: ({ timeoutMs }) => cents(Math.ceil(timeoutMs / 60_000)),
});

export const HttpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
export type HttpMethod = z.infer<typeof HttpMethod>;

export const httpRequestSpec = defineToolSpec({
  name: 'http.request',
  description:
    'Makes an HTTP(S) request from the worker to an allowlisted host and method. Private, loopback and link-local addresses are refused, ' +
    'also after DNS and on every redirect. The response body is cut at the configured size.',
  args: z
    .object({
      method: HttpMethod,
      url: z.url({ protocol: /^https?$/ }).max(4096),
      headers: z
        .record(
          z
            .string()
            .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name')
            .max(256),
          Text(8192),
        )
        .optional(),
      body: z.string().max(1_000_000).optional(),
      timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
    })
    .strict(),
  cost: () => cents(1),
});

export const SqlParam = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);

export const sqlQuerySpec = defineToolSpec({
  name: 'sql.query',
  description:
    'Runs one SQL statement against the configured database. `mode: "read"` (default) runs in a READ ONLY transaction; ' +
    '`mode: "write"` only where the worker allows writes, in a transaction rolled back when it changes more rows than the cap. ' +
    'Use $1, $2... with `params`, never string concatenation.',
  args: z
    .object({
      sql: Text(100_000).pipe(z.string().min(1)),
      params: z.array(SqlParam).max(1000).optional(),
      mode: z.enum(['read', 'write']).default('read'),
    })
    .strict(),
  cost: () => cents(1),
});

const FilePath = Text(4096).pipe(z.string().min(1));

export const fsWriteSpec = defineToolSpec({
  name: 'fs.write',
  description:
    'Writes a UTF-8 text file under an allowlisted root (a relative path is taken under the first root). ' +
    'Traversal (..) and symlinks are refused. Reversible: the previous content is backed up and restored on compensation.',
  args: z.object({ path: FilePath, content: z.string().max(10_000_000) }).strict(),
});

export const fsDeleteSpec = defineToolSpec({
  name: 'fs.delete',
  description: 'Deletes a regular file under an allowlisted root. Traversal (..) and symlinks are refused. Reversible: the content is backed up first.',
  args: z.object({ path: FilePath }).strict(),
});

export const builtinToolSpecs = [shellExecSpec, httpRequestSpec, sqlQuerySpec, fsWriteSpec, fsDeleteSpec] as const;
