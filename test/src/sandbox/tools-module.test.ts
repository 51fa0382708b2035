import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadToolsModule, ToolsModuleError } from '@airlock/tools';
import { workerSettings } from '@airlock/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool } from './support.js';

// Packs live outside this repository, as a user's would: no node_modules next to them.
let dir: string;
const pack = async (name: string, source: string) => {
  const file = path.join(dir, name);
  await writeFile(file, source);
  return file;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-tools-module-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TS_PACK = `
import type { ToolsModuleKit } from '@airlock/tools';

interface Greeting { text: string; loud: boolean }

export default ({ z, defineTool }: ToolsModuleKit) => [
  defineTool({
    name: 'acme.greet',
    description: 'Greets someone.',
    args: z.object({ who: z.string().min(1), loud: z.boolean().default(false) }).strict(),
    execute: async ({ who, loud }): Promise<Greeting> => ({ text: loud ? \`HELLO \${who.toUpperCase()}\` : \`hello \${who}\`, loud }),
    cost: () => ({ amount: '0.01', currency: 'USD' }),
  }),
];
`;

describe('AIRLOCK_TOOLS_MODULE: a user tool pack', () => {
  it('loads a TypeScript pack from outside the repository and its tools run', async () => {
    const file = await pack('acme-tools.ts', TS_PACK);
    const tools = await loadToolsModule(file);
    expect(tools.map((t) => t.name)).toEqual(['acme.greet']);
    await expect(callTool(tools[0], { who: 'ada', loud: true })).resolves.toEqual({ text: 'HELLO ADA', loud: true });
    expect(tools[0]!.args.safeParse({ who: '' }).success).toBe(false);
    expect(tools[0]!.cost?.({})).toEqual({ amount: '0.01', currency: 'USD' });
  });

  it('loads a JavaScript pack exporting `tools`', async () => {
    const file = await pack(
      'plain.mjs',
      `const any = { parse: (v) => v, safeParse: (v) => ({ success: true, data: v }) };
       export const tools = [{ name: 'plain.ping', description: 'Answers pong.', args: any, execute: async () => 'pong' }];`,
    );
    const tools = await loadToolsModule(file);
    await expect(callTool(tools[0], {})).resolves.toBe('pong');
  });

  it('the worker start-up adds the pack to its tools', async () => {
    const file = await pack('for-worker.ts', TS_PACK);
    const settings = await workerSettings({ AIRLOCK_TOOLS_MODULE: file }, () => undefined);
    try {
      expect(settings.tools.map((t) => t.name)).toContain('acme.greet');
    } finally {
      settings.stop();
    }
  });

  it.each([
    ['a syntax error', 'broken-syntax.ts', 'export default [ defineTool({ name: ', /broken-syntax\.ts: cannot be loaded: /],
    [
      'args that are no zod schema',
      'no-schema.ts',
      `export default [{ name: 'acme.bad', description: 'x', args: { type: 'object' }, execute: async () => 1 }];`,
      /no-schema\.ts: tool "acme\.bad": args must be a zod schema/,
    ],
    [
      'a missing execute',
      'no-execute.ts',
      `export default ({ z }) => [{ name: 'acme.lazy', description: 'x', args: z.object({}) }];`,
      /no-execute\.ts: tool "acme\.lazy": execute must be a function/,
    ],
    [
      'a bad name',
      'bad-name.ts',
      `export default ({ z }) => [{ name: 'Acme Tool', description: 'x', args: z.object({}), execute: async () => 1 }];`,
      /bad-name\.ts: tool "Acme Tool": name must be a dotted lower-case name/,
    ],
    [
      'a name taken by a demo tool',
      'clash.ts',
      `export default ({ z }) => [{ name: 'demo.echo', description: 'x', args: z.object({}), execute: async () => 1 }];`,
      /clash\.ts: tool "demo\.echo": the name is already taken/,
    ],
    ['a factory that throws', 'throws.ts', `export default () => { throw new Error('no licence key'); };`, /throws\.ts: its default export threw: no licence key/],
    ['no tools exported', 'empty.ts', `export const nothing = 1;`, /empty\.ts: export an array of tools/],
  ])('%s stops the worker with a message naming the module and the tool', async (_case, name, source, message) => {
    const file = await pack(name, source);
    await expect(workerSettings({ AIRLOCK_TOOLS_MODULE: file }, () => undefined)).rejects.toThrow(message);
    await expect(loadToolsModule(file, ['demo.echo'])).rejects.toThrow(ToolsModuleError);
    await expect(loadToolsModule(file, ['demo.echo'])).rejects.toThrow(`AIRLOCK_TOOLS_MODULE ${file}: `);
  });

  it('a missing file is named', async () => {
    await expect(loadToolsModule(path.join(dir, 'nope.ts'))).rejects.toThrow(/AIRLOCK_TOOLS_MODULE .*nope\.ts: no such file/);
  });
});
