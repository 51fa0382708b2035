import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { demoToolSpecs } from '@airlock/core';
import { createAgent, createUser } from '@airlock/db';
import { workerSettings } from '@airlock/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const exec = promisify(execFile);

// What the operator-facing docs show, used as a new operator would: copied into a file as it stands.

/** The fenced blocks of a Markdown section (from its heading or bold lead-in to the next one), with their languages. */
async function blocksAfter(file: string, lead: string): Promise<{ lang: string; body: string }[]> {
  const text = await readFile(path.join(repoRoot, file), 'utf8');
  const start = text.indexOf(lead);
  if (start < 0) throw new Error(`${file}: no section starting ${lead}`);
  const end = text.indexOf(lead.startsWith('#') ? '\n#' : '\n**', start + lead.length);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? '', body: m[2] ?? '' }));
}

describe("README's own-tools examples, copied into files", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('the tools config and the tools module load as they are shown', async () => {
    const [config, pack] = await blocksAfter('README.md', '**Your own tools, without forking**');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-docs-tools-'));
    dirs.push(dir);
    // Copied whole: a comment line in the JSON block was "Unexpected token '/' ... is not valid JSON" at start-up.
    await writeFile(path.join(dir, 'tools.json'), config?.body ?? '');
    await writeFile(path.join(dir, 'tools.ts'), pack?.body ?? '');
    // The header's variable, as the operator sets it for the worker.
    process.env.CRM_TOKEN = 'crm-token-for-the-docs-test';
    const settings = await workerSettings({ AIRLOCK_TOOLS_CONFIG: path.join(dir, 'tools.json'), AIRLOCK_TOOLS_MODULE: path.join(dir, 'tools.ts') }, () => undefined);
    try {
      expect(settings.tools.map((t) => t.name)).toEqual(['crm.create_ticket', 'acme.greet']);
    } finally {
      settings.stop();
      delete process.env.CRM_TOKEN;
    }
  });

  it("docs/TOOLS.md's pack loads as shown", async () => {
    const pack = (await blocksAfter('docs/TOOLS.md', '## Your own pack')).find((b) => b.lang === 'ts');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-docs-pack-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'tools.ts'), pack?.body ?? '');
    const settings = await workerSettings({ AIRLOCK_TOOLS_MODULE: path.join(dir, 'tools.ts') }, () => undefined);
    settings.stop();
    expect(settings.tools.map((t) => t.name)).toEqual(['acme.greet']);
  });
});

// shell.exec ships (packages/tools) but the demo agent npm start seeds may request only the demo pack;
// docs/TOOLS.md says how to grant it, and what it shows must work as copied.
describe('docs/TOOLS.md: letting an agent use shell.exec', () => {
  let database: TestDatabase | undefined;
  const dirs: string[] = [];
  afterAll(async () => {
    await database?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('the tools config enables shell.exec, and the CLI line adds it to the demo agent’s tools, keeping the demo pack', { timeout: 300_000 }, async () => {
    const blocks = await blocksAfter('docs/TOOLS.md', '### Letting an agent use `shell.exec`');
    const config = blocks.find((b) => b.lang === 'json');
    const command = blocks.find((b) => b.lang === 'sh')?.body.trim() ?? '';
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-docs-shell-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'tools.json'), config?.body ?? '');
    const settings = await workerSettings({ AIRLOCK_TOOLS_CONFIG: path.join(dir, 'tools.json') }, () => undefined);
    settings.stop();
    expect(settings.tools.map((t) => t.name)).toEqual(['shell.exec']);

    // What npm start's first start seeds: the admin, and the demo agent allowed exactly the demo pack.
    database = await createTestDatabase();
    await createUser(database.db, { id: 'admin', role: 'admin' });
    await createAgent(database.db, { id: 'demo-agent', name: 'Demo agent', team: 'demo', allowedTools: demoToolSpecs.map((spec) => spec.name) });
    expect(command).toMatch(/^npm run airlock -- agents update demo-agent /);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: '' };
    delete env.NODE_OPTIONS;
    const { stdout } = await exec('sh', ['-c', command], { cwd: repoRoot, env });
    expect(stdout).toContain('updated agent demo-agent');
    const agent = await database.db.prisma.agent.findUniqueOrThrow({ where: { id: 'demo-agent' } });
    expect(agent.allowedTools).toContain('shell.exec');
    const allowed = (tool: string) => agent.allowedTools.some((pattern) => pattern === tool || (pattern.endsWith('*') && tool.startsWith(pattern.slice(0, -1))));
    for (const spec of demoToolSpecs) expect(allowed(spec.name), spec.name).toBe(true);
  });
});
