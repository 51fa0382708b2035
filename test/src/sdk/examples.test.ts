import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlockServer, type AirlockServer } from '../adapters/airlock-server.js';
import { spawnChild } from '../support/child.js';

// The TypeScript examples run as a new developer runs them (README, each file's header): `npx tsx examples/src/<name>.ts 25.00`.
const repoRoot = join(import.meta.dirname, '../../..');
const tsx = join(repoRoot, 'node_modules/.bin/tsx');
const examples = ['ai-sdk-refund.ts', 'langgraph-refund.ts', 'openai-agents-refund.ts'];
const GET_A_KEY = 'use the agent key `npm start` printed on its first start, or mint one: `npm run airlock -- keys mint --agent demo-agent`';

let server: AirlockServer;

beforeAll(async () => {
  server = await startAirlockServer();
});
afterAll(async () => {
  await server?.close();
});

async function runExample(example: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const args = example === 'openai-agents-refund.ts' ? ['start', '25.00', join(repoRoot, '.data/test-tmp/examples-unused-run.json')] : ['25.00'];
  const { AIRLOCK_URL: _url, AIRLOCK_API_KEY: _key, ...rest } = process.env;
  const child = await spawnChild(example, tsx, [join(repoRoot, 'examples/src', example), ...args], { cwd: repoRoot, env: { ...rest, ...env } });
  const { code } = await child.exited;
  return { code, output: child.output().trim() };
}

describe('the TypeScript examples, run by hand against a running Airlock', { timeout: 180_000 }, () => {
  it.each(examples)('%s runs a refund the policy allows with the agent key', async (example) => {
    const { code, output } = await runExample(example, { AIRLOCK_URL: server.api.url, AIRLOCK_API_KEY: server.keys.agent });
    expect({ code, output }).toEqual({ code: 0, output: 'Refund done: {"refundId":"re_pay_123","amount":"25.00"}' });
  });

  it.each(examples)('%s with a key the server refuses says so in one line and which key to use (exit 2), not a stack trace', async (example) => {
    const wrong = await runExample(example, { AIRLOCK_URL: server.api.url, AIRLOCK_API_KEY: 'alk_revoked_or_mistyped' });
    expect(wrong).toEqual({ code: 2, output: `AIRLOCK_API_KEY: ${server.api.url} refused it (unknown or revoked API key): ${GET_A_KEY}` });
    // A person's key is not an agent's.
    const person = await runExample(example, { AIRLOCK_URL: server.api.url, AIRLOCK_API_KEY: server.keys.alice });
    expect(person.code).toBe(2);
    expect(person.output).toMatch(/^AIRLOCK_API_KEY: .* refused it \(this endpoint takes an agent API key; .*\): use the agent key/);
  });

  it.each(examples)('%s with nothing listening at AIRLOCK_URL names the server and asks whether Airlock runs (exit 2)', async (example) => {
    const { code, output } = await runExample(example, { AIRLOCK_URL: 'http://127.0.0.1:9', AIRLOCK_API_KEY: server.keys.agent });
    expect(code).toBe(2);
    expect(output).toMatch(
      /^AIRLOCK_URL: cannot reach Airlock at http:\/\/127\.0\.0\.1:9 \(GET \/api\/v1\/agents\/me\): .+ \(is Airlock running\? `npm start` serves it on http:\/\/localhost:3000\)$/,
    );
    expect(output.split('\n')).toHaveLength(1);
  });

  it('without a key, says which key to set (the demo agent `npm start` creates), in one line', async () => {
    const { code, output } = await runExample('ai-sdk-refund.ts', { AIRLOCK_URL: server.api.url });
    expect({ code, output }).toEqual({
      code: 2,
      output: `AIRLOCK_API_KEY is not set: set it to the agent key \`npm start\` printed on its first start, or mint one: \`npm run airlock -- keys mint --agent demo-agent\``,
    });
  });
});
