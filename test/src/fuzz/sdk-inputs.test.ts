import { ActionRequest } from '@airlock/core';
import { actionHandle, InvalidRequestError } from '@airlock/core/gateway';
import { connectTemporal, type AirlockTemporal } from '@airlock/sdk/temporal';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzSeed, hugeString, nestedJunk, trickyStrings } from './arbitraries.js';

// The SDK's contract for `start` (and so `run`, which is start + result): a bad
// request is an InvalidRequestError naming the field, thrown before anything
// reaches Temporal; a good one is accepted. Nothing else is ever thrown.

let h: Harness;
let airlock: AirlockTemporal;
/** Accepted actions, terminated afterwards: they wait on a task queue no worker polls, so the fuzz measures the SDK, not the worker. */
const started: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
  airlock = await connectTemporal({ address: inject('temporalAddress'), taskQueue: `${h.taskQueue}-sdk-fuzz` });
});
afterAll(async () => {
  for (const actionId of started) await actionHandle(h.client, actionId).terminate('sdk fuzz done');
  await airlock?.close();
  await h?.close();
});

const valid = {
  agentId: 'billing-bot',
  tool: 'demo.echo',
  args: { message: 'hi' },
  rationale: 'fuzz',
  idempotencyKey: 'k',
  requestedBy: 'alice',
  signals: { confidence: 0.9 },
};
const fields = Object.keys(valid) as (keyof typeof valid)[];

const identifierish = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/), trickyStrings, hugeString);
const toolish = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){0,2}$/),
  trickyStrings,
  hugeString,
  fc.constantFrom('Payments.Refund', 'payments..refund', '.x', 'x.', '1x'),
);

/** Inputs to `start`: a valid request with fields broken, dropped or added, or something that is not a request at all. */
const sdkInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: fc.tuple(fc.constantFrom(...fields), nestedJunk).map(([field, junk]) => ({ ...valid, [field]: junk })) },
  { weight: 4, arbitrary: fc.constantFrom(...fields).map((field) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== field))) },
  { weight: 15, arbitrary: fc.record({ agentId: identifierish, tool: toolish, idempotencyKey: fc.oneof(trickyStrings, hugeString) }).map((v) => ({ ...valid, ...v })) },
  {
    weight: 5,
    arbitrary: fc.record({ args: nestedJunk, signals: fc.oneof(nestedJunk, fc.dictionary(trickyStrings, nestedJunk, { maxKeys: 3 })) }).map((v) => ({ ...valid, ...v })),
  },
  { weight: 5, arbitrary: fc.constantFrom('rationale', 'idempotencyKey').chain((field) => hugeString.map((huge) => ({ ...valid, [field]: huge }))) },
  { weight: 10, arbitrary: nestedJunk },
  { weight: 5, arbitrary: fc.constantFrom(undefined, null, 0, '', [], () => 1, Symbol('x'), new Date(0), new Map(), Object.create(null) as object) },
  { weight: 5, arbitrary: fc.anything({ maxDepth: 2 }) },
);

/** The first field zod blames must appear in the error message (`args.amount: ...`, `(root): ...`). */
function expectedPaths(input: unknown): string[] {
  const parsed = ActionRequest.safeParse(input);
  if (parsed.success) return [];
  // An empty record key names its parent (`signals`), as the gateway prints it; an unknown field names itself.
  const named = (path: readonly PropertyKey[]) =>
    path
      .map(String)
      .filter((p) => p !== '')
      .join('.') || '(root)';
  return parsed.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => named([...issue.path, key])) : [named(issue.path)]));
}

describe('SDK input fuzz (Airlock.start / run)', () => {
  it(
    `${FUZZ_RUNS} random requests → InvalidRequestError naming the field, or accepted; nothing else thrown`,
    async () => {
      let accepted = 0;
      let refused = 0;
      let n = 0;
      await fc.assert(
        fc.asyncProperty(sdkInput, fc.boolean(), async (input, viaRun) => {
          const paths = expectedPaths(input);
          // A valid request would start a real workflow: give it a fresh key so each is its own action.
          const request = paths.length === 0 ? { ...(input as object), idempotencyKey: `fuzz-${n++}` } : input;
          try {
            // `run` is start + result: an invalid request must fail it the same way, before any wait.
            if (viaRun && paths.length > 0) await airlock.run(request as Parameters<AirlockTemporal['run']>[0]);
            const handle = await airlock.start(request as Parameters<AirlockTemporal['start']>[0]);
            if (paths.length > 0) throw new Error(`accepted an invalid request (${paths.join(', ')})`);
            if (!handle.created) throw new Error(`a fresh idempotency key was not a new action: ${handle.actionId}`);
            started.push(handle.actionId);
            accepted++;
          } catch (error) {
            if (!(error instanceof InvalidRequestError)) throw new Error(`start threw ${String(error)}`, { cause: error });
            if (paths.length === 0) throw new Error(`refused a request the schema accepts: ${error.message}`, { cause: error });
            const named = paths.find((p) => error.message.includes(`${p}:`));
            if (!named) throw new Error(`"${error.message.slice(0, 300)}" names none of ${paths.join(', ')}`, { cause: error });
            refused++;
          }
        }),
        { seed: fuzzSeed('sdk-start'), numRuns: FUZZ_RUNS },
      );
      expect(accepted).toBeGreaterThan(0);
      // Valid requests start real workflows: keep them a small share.
      expect(accepted).toBeLessThan(FUZZ_RUNS * 0.1);
      expect(refused + accepted).toBe(FUZZ_RUNS);
    },
    FUZZ_TIMEOUT_MS,
  );
});
