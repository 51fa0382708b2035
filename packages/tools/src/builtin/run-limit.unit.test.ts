import { readFileSync } from 'node:fs';
import path from 'node:path';
import { httpRequestSpec, shellExecSpec, sleepSpec, TOOL_RUN_MAX_MS, TOOL_RUN_STOP_MS } from '@airlock/core';
import { SANDBOX_RUN_MAX_MS, SandboxOptions } from '@airlock/sandbox';
import { describe, expect, it } from 'vitest';
import { SQL_CONNECT_MAX_MS, SQL_STATEMENT_MAX_MS } from './config.js';
import { builtinTools } from './index.js';

// A tool runs inside the executor activity; a run allowed past that activity's start-to-close timeout is timed out,
// retried (without limit) and runs again each time. Every duration the tools layer lets a caller or a config ask for
// stays under TOOL_RUN_MAX_MS, itself a minute under the executor's timeout, read here from the workflow's own source
// so that neither can change alone.

const WORKFLOW_ACTIVITIES = path.resolve(import.meta.dirname, '../../../../workflows/src/activities.ts');
/** What admission, recording and a slow worker get besides the tool, inside one attempt. */
const MARGIN_MS = 60_000;

const UNIT_MS: Record<string, number> = { ms: 1, millisecond: 1, milliseconds: 1, second: 1_000, seconds: 1_000, minute: 60_000, minutes: 60_000 };

/** The startToCloseTimeout of `export const <name> = proxyActivities<...>({ ... })` in workflows/src/activities.ts, in ms. */
function startToCloseMs(source: string, name: string): number {
  const block = new RegExp(`export const ${name} = proxyActivities<[^>]*>\\(\\{([\\s\\S]*?)\\n\\}\\);`).exec(source)?.[1];
  const timeout = block && /startToCloseTimeout:\s*'(\d+)\s*([a-z]+)'/.exec(block);
  const unit = timeout ? UNIT_MS[timeout[2] ?? ''] : undefined;
  if (!timeout || unit === undefined) throw new Error(`no startToCloseTimeout like '5 minutes' for ${name} in ${WORKFLOW_ACTIVITIES}: read it anew here`);
  return Number(timeout[1]) * unit;
}

describe('tool run limit', () => {
  it('is under the start-to-close timeout of both executors, with a minute to spare', () => {
    const source = readFileSync(WORKFLOW_ACTIVITIES, 'utf8');
    for (const executor of ['executor', 'waitingExecutor']) {
      expect(TOOL_RUN_MAX_MS + MARGIN_MS, executor).toBeLessThanOrEqual(startToCloseMs(source, executor));
    }
  });

  it("the executor stops any tool (a pack's too) after the built-in bound and with time left to record it", () => {
    const source = readFileSync(WORKFLOW_ACTIVITIES, 'utf8');
    expect(TOOL_RUN_STOP_MS).toBeGreaterThan(TOOL_RUN_MAX_MS);
    for (const executor of ['executor', 'waitingExecutor']) {
      expect(TOOL_RUN_STOP_MS + 30_000, executor).toBeLessThanOrEqual(startToCloseMs(source, executor));
    }
  });

  it('bounds what an agent may ask for: shell.exec timeoutMs, http.request timeoutMs, demo.sleep ms', () => {
    const over = TOOL_RUN_MAX_MS + 1;
    expect(shellExecSpec.args.safeParse({ command: ['true'], timeoutMs: TOOL_RUN_MAX_MS }).success).toBe(true);
    expect(shellExecSpec.args.safeParse({ command: ['true'], timeoutMs: over }).error?.issues[0]).toMatchObject({
      path: ['timeoutMs'],
      message: expect.stringContaining(`at most ${TOOL_RUN_MAX_MS} ms`),
    });
    expect(httpRequestSpec.args.safeParse({ method: 'GET', url: 'https://example.com/', timeoutMs: over }).success).toBe(false);
    expect(sleepSpec.args.safeParse({ ms: TOOL_RUN_MAX_MS }).success).toBe(true);
    expect(sleepSpec.args.safeParse({ ms: over }).error?.issues[0]).toMatchObject({ path: ['ms'], message: expect.stringContaining(`at most ${TOOL_RUN_MAX_MS} ms`) });
  });

  it("refuses a tools config allowing longer, naming the setting; the sandbox's own cap is the same", () => {
    const over = TOOL_RUN_MAX_MS + 1;
    expect(() => builtinTools({ shell: { maxTimeoutMs: over } })).toThrow(/shell\.maxTimeoutMs: at most 240000 ms \(4 minutes\)/);
    expect(() => builtinTools({ shell: { sandbox: { maxTimeoutMs: over } } })).toThrow(/shell\.sandbox\.maxTimeoutMs: at most 240000 ms/);
    expect(() => builtinTools({ http: { maxTimeoutMs: over } })).toThrow(/http\.maxTimeoutMs: at most 240000 ms/);
    expect(() => builtinTools({ sql: { url: 'postgresql://localhost/x', statementTimeoutMs: SQL_STATEMENT_MAX_MS + 1 } })).toThrow(/sql\.statementTimeoutMs: at most 60000 ms/);
    expect(() => builtinTools({ sql: { url: 'postgresql://localhost/x', connectTimeoutMs: SQL_CONNECT_MAX_MS + 1 } })).toThrow(/sql\.connectTimeoutMs: at most 15000 ms/);
    expect(() => builtinTools({ shell: { maxTimeoutMs: TOOL_RUN_MAX_MS, sandbox: { maxTimeoutMs: TOOL_RUN_MAX_MS } }, http: { maxTimeoutMs: TOOL_RUN_MAX_MS } })).not.toThrow();

    expect(SANDBOX_RUN_MAX_MS).toBe(TOOL_RUN_MAX_MS);
    expect(SandboxOptions.parse({}).maxTimeoutMs).toBe(TOOL_RUN_MAX_MS);
    // sql.query: two connects, a wait on a same-key write, the statement and COMMIT's deferred triggers.
    expect(2 * SQL_CONNECT_MAX_MS + 3 * SQL_STATEMENT_MAX_MS).toBeLessThanOrEqual(TOOL_RUN_MAX_MS);
  });
});
