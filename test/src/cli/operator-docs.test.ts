import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { workerSettings } from '@airlock/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';

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
