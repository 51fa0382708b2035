import { isIP } from 'node:net';
import path from 'node:path';
import { HttpMethod, TOOL_RUN_MAX_MESSAGE, TOOL_RUN_MAX_MS } from '@airlock/core';
import { z } from 'zod';
import { SandboxLimits, SandboxOptions } from '@airlock/sandbox';
import { CircuitBreakerOptions } from './circuit-breaker.js';

const MiB = 1024 * 1024;
/**
 * sql.query's caps. A call is at most two connects (the idempotency table's, once per process, and the call's) and
 * three statement timeouts (the wait on a same-key write, the statement, and COMMIT's deferred triggers, which run
 * under statement_timeout and which a cancellation no longer cuts short): 2 × 15 + 3 × 60 = 210 s, inside TOOL_RUN_MAX_MS.
 */
export const SQL_CONNECT_MAX_MS = 15_000;
export const SQL_STATEMENT_MAX_MS = 60_000;
const AbsolutePath = z
  .string()
  .refine((p) => path.isAbsolute(p) && !p.includes('\0'), 'an absolute path')
  .transform((p) => path.resolve(p));

export const ShellConfig = z
  .object({
    /** `script` (a /bin/sh string) is refused unless this is set; argv is the default. */
    allowScript: z.boolean().default(false),
    /** argv[0] allowlist: bare names are looked up on the sandbox PATH (/usr/bin:/bin), paths match exactly. Absent: any. */
    allowedCommands: z.array(z.string().min(1)).optional(),
    maxTimeoutMs: z.number().int().positive().max(TOOL_RUN_MAX_MS, TOOL_RUN_MAX_MESSAGE).default(120_000),
    /**
     * Tighter than the sandbox's own limits for this tool's runs. The output cap is
     * kept well under Temporal's 2 MB payload limit: the result travels in history.
     */
    limits: SandboxLimits.partial().default({ maxOutputBytes: 256 * 1024 }),
    /** Used when no sandbox is injected: created (detected and self-tested) once, on first use. */
    sandbox: SandboxOptions.prefault({}),
  })
  .strict();

/** The form a URL's hostname takes (IPv6 compressed, IPv4 dotted, IDN punycoded), so entries compare with parsed URLs. */
function canonicalHost(host: string): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (bare.startsWith('*.')) return `*.${canonicalHost(bare.slice(2))}`;
  const parsed = URL.parse(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`);
  return parsed ? parsed.hostname.replace(/^\[(.*)\]$/, '$1') : bare;
}

export const HttpAllowEntry = z
  .object({
    /** Exact host name or IP literal; `*.example.com` matches subdomains (not example.com itself). */
    host: z.string().min(1).transform(canonicalHost),
    methods: z.array(HttpMethod).min(1),
    schemes: z
      .array(z.enum(['https', 'http']))
      .min(1)
      .default(['https']),
    /** Default: the scheme's standard port only. */
    ports: z.array(z.number().int().min(1).max(65535)).optional(),
    /**
     * For an internal service you trust by name: its own addresses may be private.
     * A redirect away from it is checked under the target's own entry.
     */
    allowPrivateAddresses: z.boolean().default(false),
  })
  .strict();
export type HttpAllowEntry = z.infer<typeof HttpAllowEntry>;
export type HttpAllowEntryInput = z.input<typeof HttpAllowEntry>;

export const HttpConfig = z
  .object({
    allow: z.array(HttpAllowEntry).default([]),
    maxRedirects: z.number().int().min(0).max(10).default(3),
    maxTimeoutMs: z.number().int().positive().max(TOOL_RUN_MAX_MS, TOOL_RUN_MAX_MESSAGE).default(30_000),
    maxRequestBytes: z.number().int().min(0).default(MiB),
    /** Kept under Temporal's 2 MB payload limit even as base64. */
    maxResponseBytes: z
      .number()
      .int()
      .min(1)
      .default(512 * 1024),
    /** Sent with the step's idempotency key so a server can drop a repeat after a worker crash; null: not sent. */
    idempotencyHeader: z.string().min(1).nullable().default('Idempotency-Key'),
  })
  .strict();

export const SqlConfig = z
  .object({
    /**
     * As a role of the tool's own: even a READ ONLY statement can cancel or end that role's other sessions
     * (pg_cancel_backend, pg_terminate_backend); docs/TOOLS.md says what to grant and revoke.
     */
    url: z.string().min(1),
    /** `mode: "write"` is refused unless set; whether a write needs approval is the policy's call. */
    allowWrites: z.boolean().default(false),
    /** A superuser can escape a read-only transaction (COPY ... PROGRAM, dblink): refused unless set. */
    allowSuperuser: z.boolean().default(false),
    /**
     * Each statement of a call (the agent's, the wait for a concurrent write with the same idempotency key, COMMIT's
     * deferred triggers). Both caps keep a call inside TOOL_RUN_MAX_MS (SQL_CONNECT_MAX_MS).
     */
    statementTimeoutMs: z.number().int().min(1).max(SQL_STATEMENT_MAX_MS, `at most ${SQL_STATEMENT_MAX_MS} ms: ${TOOL_RUN_MAX_MESSAGE}`).default(5_000),
    connectTimeoutMs: z.number().int().min(1).max(SQL_CONNECT_MAX_MS, `at most ${SQL_CONNECT_MAX_MS} ms: ${TOOL_RUN_MAX_MESSAGE}`).default(5_000),
    /** Rows returned to the agent; the rest are cut (reported) and never read from the server. */
    maxRows: z.number().int().min(1).default(1_000),
    /**
     * Bytes of the server's answer read for one statement (its rows as sent, about their text size): past it the
     * connection is dropped, a read returns the rows that came whole (`truncatedBy: 'maxResultBytes'`) and a write
     * rolls back. Bounds the worker's memory whatever one row or field holds, and is kept under Temporal's 2 MB payload limit.
     */
    maxResultBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(512 * 1024),
    /** Rows a write may change (all tables, counted by PostgreSQL); over it the transaction rolls back. */
    maxChangedRows: z.number().int().min(0).default(100),
    /** Where writes record their idempotency key, in the same transaction as the write. */
    idempotencyTable: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default('airlock_sql_runs'),
  })
  .strict();

export const FsConfig = z
  .object({
    roots: z.array(AbsolutePath).min(1),
    /** Previous contents kept for compensation; outside every root (a file tool must not reach its own backups). */
    backupDir: AbsolutePath,
    maxBytes: z
      .number()
      .int()
      .min(1)
      .default(10 * MiB),
  })
  .strict()
  .refine((c) => c.roots.every((r) => c.backupDir !== r && !c.backupDir.startsWith(`${r}/`) && !r.startsWith(`${c.backupDir}/`)), {
    message: 'backupDir must not overlap a root',
    path: ['backupDir'],
  });

/** Which built-in tools a worker offers, and their allowlists and caps. A tool is registered only when its section is present. */
export const BuiltinToolsConfig = z
  .object({
    shell: ShellConfig.optional(),
    http: HttpConfig.optional(),
    sql: SqlConfig.optional(),
    fs: FsConfig.optional(),
    /**
     * HTTP tools declared here rather than in code (see http-tools.ts): each checked
     * whole at start-up, with errors naming `httpTools[i].<field>`. The `http` section's
     * caps (sizes, redirects, idempotency header) apply to them too, not its allowlist.
     */
    httpTools: z.array(z.unknown()).optional(),
    circuitBreaker: CircuitBreakerOptions.prefault({}),
  })
  .strict();
export type BuiltinToolsConfig = z.infer<typeof BuiltinToolsConfig>;
export type BuiltinToolsConfigInput = z.input<typeof BuiltinToolsConfig>;
export type ShellConfig = z.infer<typeof ShellConfig>;
export type HttpConfig = z.infer<typeof HttpConfig>;
export type SqlConfig = z.infer<typeof SqlConfig>;
export type FsConfig = z.infer<typeof FsConfig>;

/** A refusal by the tool's own rules (allowlist, traversal, SSRF): the call was never attempted. */
export class ToolRefusedError extends Error {
  override name = 'ToolRefusedError';
}
