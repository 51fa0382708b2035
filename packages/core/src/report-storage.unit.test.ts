import { redact } from '@airlock/guardrails';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { ARGS_LIMITS, checkJsonLimits, LONE_SURROGATE_REFUSED, NUL_REFUSED } from './json-limits.js';
import {
  cutTextMarked,
  OUTPUT_NOT_STORABLE,
  REPORT_ERROR_MAX_LENGTH,
  REPORT_OUTPUT_JSON_MAX_LENGTH,
  REPORT_OUTPUT_MAX_BYTES,
  RUN_OUTPUT_LIMITS,
  storableReportResult,
  storableRunResult,
  type UnstorableOutput,
} from './report-storage.js';

// A report records a tool that has already run: its content is made storable, never refused.

const outputOf = (output: unknown) => {
  const stored = storableReportResult({ status: 'succeeded', output });
  if (stored.result.status !== 'succeeded') throw new Error('expected a success');
  return { ...stored, output: stored.result.output as UnstorableOutput };
};
const errorOf = (error: string) => {
  const stored = storableReportResult({ status: 'failed', error });
  if (stored.result.status !== 'failed') throw new Error('expected a failure');
  return { ...stored, error: stored.result.error };
};
/** What every stored form must be: within the limits, and hashable. */
const expectStorable = (value: unknown) => {
  expect(checkJsonLimits(value)).toBeUndefined();
  expect(() => canonicalJson(value)).not.toThrow();
};

describe('storableReportResult: an output', () => {
  it('stores one over REPORT_OUTPUT_MAX_BYTES of JSON as its JSON text, cut, though every field is within the limits', () => {
    const under = Array.from({ length: 10 }, () => 'x'.repeat(100_000));
    expect(storableReportResult({ status: 'succeeded', output: under })).toEqual({ result: { status: 'succeeded', output: under } });
    const over = Array.from({ length: 25 }, () => 'x'.repeat(100_000)); // 2.5 MB: past Temporal's 2 MB payload limit
    const bytes = JSON.stringify(over).length;
    expect(bytes).toBeGreaterThan(REPORT_OUTPUT_MAX_BYTES);
    const { output, altered } = outputOf(over);
    const problem = `output: JSON of ${bytes} bytes; at most ${REPORT_OUTPUT_MAX_BYTES} stored as sent`;
    expect(output).toMatchObject({ airlock: OUTPUT_NOT_STORABLE, problem });
    expect(output.json.length).toBeLessThanOrEqual(REPORT_OUTPUT_JSON_MAX_LENGTH);
    expect(altered).toEqual({ field: 'output', problem, cutCharacters: bytes - output.json.indexOf('… [cut by Airlock') });
    expectStorable(output);
  });

  it('keeps one within the limits as sent, unaltered', () => {
    const output = { rows: [{ id: 2 ** 60, text: 'refund 👍', escaped: '\\u0000' }] };
    expect(storableReportResult({ status: 'succeeded', output })).toEqual({ result: { status: 'succeeded', output } });
    expect(storableReportResult({ status: 'succeeded', output: null })).toEqual({ result: { status: 'succeeded', output: null } });
  });

  it('stores one with a NUL as its JSON text, losslessly, naming the problem and its path', () => {
    const { output, altered, sentJson } = outputOf({ rows: ['a', 'b\u0000c'] });
    expect(output).toEqual({ airlock: OUTPUT_NOT_STORABLE, problem: `output.rows.1: ${NUL_REFUSED}`, json: '{"rows":["a","b\\u0000c"]}' });
    expect(JSON.parse(output.json)).toEqual({ rows: ['a', 'b\u0000c'] });
    expect(altered).toEqual({ field: 'output', problem: `output.rows.1: ${NUL_REFUSED}` });
    expect(sentJson).toBe(output.json);
    expectStorable(output);
  });

  it('escapes a lone surrogate (well-formed JSON text), in a value or a member name', () => {
    const { output } = outputOf(['ok', 'x\ud83d']);
    expect(output).toMatchObject({ problem: `output.1: ${LONE_SURROGATE_REFUSED}`, json: '["ok","x\\ud83d"]' });
    expectStorable(output);
    const keyed = outputOf({ inner: { ['k\udc00']: 1 } }).output;
    expect(keyed).toMatchObject({ problem: `output.inner: a key ${LONE_SURROGATE_REFUSED}`, json: '{"inner":{"k\\udc00":1}}' });
    expectStorable(keyed);
  });

  it('keeps 12,000 array elements whole as text: the entry limit, not the size, was broken', () => {
    const list = Array.from({ length: 12_000 }, (_, i) => i);
    const { output, altered } = outputOf(list);
    expect(output.problem).toBe(`output: more than ${ARGS_LIMITS.maxEntries} keys and array elements in all; too many`);
    expect(JSON.parse(output.json)).toEqual(list);
    expect(altered?.cutCharacters).toBeUndefined();
    expectStorable(output);
  });

  it('cuts JSON text longer than one stored string, on a code-point boundary, marking how much was cut', () => {
    const text = `${'x'.repeat(REPORT_OUTPUT_JSON_MAX_LENGTH - 60)}${'😀'.repeat(100)}`;
    const { output, altered } = outputOf({ text });
    const full = JSON.stringify({ text });
    expect(output.problem).toBe(`output.text: string of ${text.length} characters; at most ${ARGS_LIMITS.maxStringLength} allowed`);
    expect(output.json.length).toBeLessThanOrEqual(REPORT_OUTPUT_JSON_MAX_LENGTH);
    const marker = /… \[cut by Airlock: (\d+) of (\d+) characters\]$/.exec(output.json);
    expect(marker?.slice(1).map(Number)).toEqual([altered?.cutCharacters, full.length]);
    const kept = output.json.slice(0, output.json.length - marker![0].length);
    expect(full.startsWith(kept)).toBe(true);
    expect(kept.length + altered!.cutCharacters!).toBe(full.length);
    expectStorable(output);
  });

  it('writes nesting too deep for JSON.stringify without overflowing, and a cycle from an in-process caller', () => {
    const deep = JSON.parse(`${'['.repeat(50_000)}"bottom"${']'.repeat(50_000)}`) as unknown;
    const { output } = outputOf({ rows: deep });
    expect(output.problem).toMatch(/^output\.rows(\.0)+: nested 33 levels deep; at most 32 levels allowed$/);
    expect(output.json).toBe(`{"rows":${'['.repeat(50_000)}"bottom"${']'.repeat(50_000)}}`);
    expectStorable(output);
    const cycle: Record<string, unknown> = { a: 1, shared: [1], again: undefined };
    cycle.self = cycle;
    cycle.again = cycle.shared;
    expect(outputOf(cycle).output.json).toBe('{"a":1,"shared":[1],"again":[1],"self":"[cycle]"}');
  });

  it('writes what JSON has no text for as JSON.stringify does: Infinity as null, undefined members dropped', () => {
    const { output } = outputOf({ total: Number.POSITIVE_INFINITY, gone: undefined, list: [undefined, -0, 1.5] });
    expect(output).toMatchObject({ problem: 'output.total: must be a finite number', json: '{"total":null,"list":[null,0,1.5]}' });
  });
});

// Once an output is text, only patterns (an e-mail address, a card number) can be found in it: values under
// credential-named keys must be redacted while it is still a value.
describe('an output stored as its JSON text is redacted as a value first', () => {
  const secrets = ['sid=9f8e7d6c5b4a', '4321', 'dXNlcjpodW50ZXIy', '884213'];
  const output = { session: { cookie: 'sid=9f8e7d6c5b4a', pin: 4321, authorization: 'Basic dXNlcjpodW50ZXIy', otp: '884213' }, note: 'bad\u0000byte' };

  it.each([
    ['a report', storableReportResult],
    ['a worker run', storableRunResult],
  ])('%s: credential-named values are redacted by their key, the rest kept, the hash still of what was sent', (_door, storable) => {
    const { result, altered, sentJson } = storable({ status: 'succeeded', output });
    const stored = (result as { output: UnstorableOutput }).output;
    expect(JSON.parse(stored.json)).toEqual({
      session: { cookie: '[REDACTED:secret]', pin: '[REDACTED:secret]', authorization: '[REDACTED:secret]', otp: '[REDACTED:secret]' },
      note: 'bad\u0000byte',
    });
    for (const secret of secrets) expect(JSON.stringify([result, altered])).not.toContain(secret);
    // Two reports that differ only in a redacted value are still two reports.
    expect(sentJson).toBe(JSON.stringify(output));
    expectStorable(stored);
  });

  it('redacts what patterns find too, in values and keys, and keeps cycles and BigInts written as before', () => {
    const cycle: Record<string, unknown> = { 'dana@example.test': 'card 4111 1111 1111 1111', id: 12n };
    cycle.self = cycle;
    expect(runOutputOf(cycle).output.json).toBe('{"[REDACTED:email]":"card [REDACTED:card]","id":"12","self":"[cycle]"}');
  });
});

describe('storableReportResult: an error', () => {
  it('keeps one of 1 to 4,000 characters of Unicode text without NUL as sent', () => {
    expect(storableReportResult({ status: 'failed', error: 'disk full 💾' })).toEqual({ result: { status: 'failed', error: 'disk full 💾' } });
    expect(errorOf('e'.repeat(REPORT_ERROR_MAX_LENGTH)).altered).toBeUndefined();
  });

  it('replaces NUL and lone surrogates with U+FFFD, keeping whole pairs', () => {
    const { error, altered } = errorOf('bad\u0000 \ud800 \udfff 😀 end');
    expect(error).toBe('bad\uFFFD \uFFFD \uFFFD 😀 end');
    expect(altered).toEqual({
      field: 'error',
      problem: 'error: 3 NUL or lone surrogate characters (PostgreSQL cannot store them) replaced with U+FFFD',
      replacedCharacters: 3,
    });
  });

  it('cuts one over 4,000 characters on a code-point boundary, never half an emoji, marking the cut', () => {
    const sent = `${'a'.repeat(3_999)}😀 and more text`;
    const { error, altered, sentJson } = errorOf(sent);
    expect(error.length).toBeLessThanOrEqual(REPORT_ERROR_MAX_LENGTH);
    expect(error).toMatch(/^a+… \[cut by Airlock: \d+ of 4015 characters\]$/);
    expect(altered).toEqual({ field: 'error', problem: 'error: string of 4015 characters; at most 4000 kept', cutCharacters: expect.any(Number) as number });
    expect(sentJson).toBe(JSON.stringify(sent));
    expectStorable(error);
    // Where the cut would fall between the two halves of a pair, the whole pair goes.
    const plain = cutTextMarked('x'.repeat(5_000), REPORT_ERROR_MAX_LENGTH);
    const kept = 5_000 - plain.cut;
    const onTheEmoji = `${'b'.repeat(kept - 1)}😀${'c'.repeat(5_000 - kept - 1)}`;
    const stored = errorOf(onTheEmoji);
    expect(stored.error).toBe(`${'b'.repeat(kept - 1)}… [cut by Airlock: ${plain.cut + 1} of 5000 characters]`);
    expect(stored.altered?.cutCharacters).toBe(plain.cut + 1);
    expectStorable(stored.error);
  });

  it('records an empty error as a failure without a message', () => {
    expect(errorOf('')).toMatchObject({ error: 'the agent reported a failure without an error message', altered: { field: 'error', problem: 'error: empty' } });
  });
});

// A tool the worker ran: the same stored form, strings and entries bounded by the output's size alone.
const runOutputOf = (output: unknown) => {
  const stored = storableRunResult({ status: 'succeeded', output });
  if (stored.result.status !== 'succeeded') throw new Error('expected a success');
  return { ...stored, output: stored.result.output as UnstorableOutput };
};
/** The most the stored form can take in a Temporal payload: its JSON, its `json` text escaped once more. */
const payloadBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(JSON.stringify(value))).length;

describe('storableRunResult: a worker run', () => {
  it("keeps a built-in tool's output of its default size as returned: a 256 KiB stdout, 1,000 rows of 12 columns", () => {
    const shell = { exitCode: 0, stdout: 'o'.repeat(256 * 1024), stderr: '', truncated: false };
    expect(storableRunResult({ status: 'succeeded', output: shell })).toEqual({ result: { status: 'succeeded', output: shell } });
    const rows = Array.from({ length: 1_000 }, (_, i) => Object.fromEntries(Array.from({ length: 12 }, (_, c) => [`c${c}`, i])));
    expect(checkJsonLimits(rows)).toBeDefined(); // a report of them would be stored as text
    expect(storableRunResult({ status: 'succeeded', output: { rows } })).toEqual({ result: { status: 'succeeded', output: { rows } } });
    expect(RUN_OUTPUT_LIMITS).toEqual({ ...ARGS_LIMITS, maxStringLength: REPORT_OUTPUT_MAX_BYTES, maxEntries: REPORT_OUTPUT_MAX_BYTES });
  });

  it('stores 3 MB of JSON as its JSON text, cut, far under the 2 MB payload limit', () => {
    const output = Array.from({ length: 30 }, () => 'x'.repeat(100_000));
    const bytes = JSON.stringify(output).length;
    const { output: stored, altered } = runOutputOf(output);
    const problem = `output: JSON of ${bytes} bytes; at most ${REPORT_OUTPUT_MAX_BYTES} stored as sent`;
    expect(stored).toMatchObject({ airlock: OUTPUT_NOT_STORABLE, problem });
    expect(altered).toEqual({ field: 'output', problem, cutCharacters: bytes - stored.json.indexOf('… [cut by Airlock') });
    expectStorable(stored);
  });

  it('counts bytes as JSON writes them: 400,000 control characters are 2.4 MB', () => {
    const output = { stdout: '\u0001'.repeat(200_000), stderr: '\u0001'.repeat(200_000) };
    const { output: stored } = runOutputOf(output);
    expect(stored.problem).toBe(`output: JSON of ${JSON.stringify(output).length} bytes; at most ${REPORT_OUTPUT_MAX_BYTES} stored as sent`);
    // The worst case of escaping: every character of the kept text escaped again, still well under 2 MB.
    expect(payloadBytes(stored)).toBeLessThan(1024 * 1024);
    expectStorable(stored);
  });

  it('stores what has no JSON form or cannot be stored (a BigInt, a NUL, a cycle) as text, never throwing', () => {
    expect(runOutputOf({ id: 12n }).output).toEqual({ airlock: OUTPUT_NOT_STORABLE, problem: 'output.id: a bigint is not a JSON value', json: '{"id":"12"}' });
    expect(runOutputOf({ text: 'a\u0000b' }).output.problem).toBe(`output.text: ${NUL_REFUSED}`);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(runOutputOf(cycle).output).toMatchObject({ problem: expect.stringMatching(/nested 33 levels deep/) as string, json: '{"a":1,"self":"[cycle]"}' });
    expect(storableRunResult({ status: 'succeeded', output: undefined })).toEqual({ result: { status: 'succeeded', output: undefined } });
  });

  it('cuts a multi-megabyte error to 4,000 characters like a report, and names an empty one as the tool', () => {
    const stored = storableRunResult({ status: 'failed', error: `boom ${'e'.repeat(3_000_000)}` });
    expect(stored.result).toEqual({ status: 'failed', error: expect.stringMatching(/^boom e+… \[cut by Airlock: \d+ of 3000005 characters\]$/) as string });
    expect(stored.altered).toMatchObject({ field: 'error', problem: 'error: string of 3000005 characters; at most 4000 kept' });
    expect(storableRunResult({ status: 'failed', error: '' })).toMatchObject({
      result: { status: 'failed', error: 'the tool failed without an error message' },
      altered: { field: 'error', problem: 'error: empty' },
    });
  });
});

describe('cutTextMarked', () => {
  it('fits prefix and marker within the maximum for any length, the count in the marker exact', () => {
    for (const length of [10, 99, 100, 101, 999, 1_000, 1_001, 10_050]) {
      const text = 'y'.repeat(length);
      const { text: cut, cut: count } = cutTextMarked(text, 100);
      expect(cut.length).toBeLessThanOrEqual(100);
      if (length <= 100) expect(cut).toBe(text);
      else expect(cut).toBe(`${'y'.repeat(length - count)}… [cut by Airlock: ${count} of ${length} characters]`);
    }
  });
});

// Redacting a whole output of tens of megabytes held the worker's event loop for seconds (heartbeats included): past
// four times what is kept, only about twice what is kept is redacted. The text kept must be the one redacting the
// whole gives, and hold nothing redaction would have hidden.
describe('storableRunResult: a huge output, redacted in part', () => {
  const keptOf = (output: unknown) => {
    const stored = storableRunResult({ status: 'succeeded', output });
    if (stored.result.status !== 'succeeded') throw new Error('expected a success');
    const { json } = stored.result.output as UnstorableOutput;
    return { json, text: json.replace(/… \[cut by Airlock: \d+ of \d+ characters\]$/, ''), altered: stored.altered };
  };
  const rows = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ id: i, email: `user${i}@example.com`, note: `card 4111 1111 1111 1111 row ${i}`, password: `hunter${i}` }));

  it.each([
    ['rows with addresses, cards and credential-named keys', { rows: rows(20_000) }],
    ['one string far longer than what is kept', { log: `start ${'ann@example.com paid with 4111 1111 1111 1111; '.repeat(40_000)}` }],
    ['nesting, with the cut inside an inner array', { a: { b: [{ c: rows(5_000) }, { d: 'x'.repeat(600_000) }] } }],
    // Redaction shrinks each long credential to a marker: the redacted part is shorter than what is kept, so the whole is redacted.
    ['long values that redaction shrinks to markers', { tokens: Array.from({ length: 300 }, (_, i) => ({ token: `${i}`.padEnd(5_000, 'z') })) }],
  ])('%s: the text kept is what redacting the whole gives', (_, output) => {
    const { text, altered } = keptOf(output);
    const whole = keptOfWhole(output);
    expect(text).toBe(whole.text);
    expect(text).not.toMatch(/user\d+@example\.com|ann@example\.com|4111 1111|hunter\d/);
    expect(altered?.cutCharacters ?? 0).toBe(whole.cut === 0 ? 0 : altered?.cutCharacters);
  });

  it("counts what was cut on the redacted part's text and the rest as sent", () => {
    const output = { log: 'x'.repeat(3 * 1024 * 1024) };
    const { json, altered } = keptOf(output);
    const total = JSON.stringify(output).length;
    expect(json).toMatch(new RegExp(`… \\[cut by Airlock: ${altered?.cutCharacters} of ${total} characters\\]$`));
    expect(json.length).toBeLessThanOrEqual(REPORT_OUTPUT_JSON_MAX_LENGTH);
  });
});

/** The kept text as redacting the whole output gives it (the rule for every output before 7 Dec 2026). */
function keptOfWhole(output: unknown): { text: string; cut: number } {
  const { text, cut } = cutTextMarked(JSON.stringify(redact(output).value), REPORT_OUTPUT_JSON_MAX_LENGTH);
  return { text: text.replace(/… \[cut by Airlock: \d+ of \d+ characters\]$/, ''), cut };
}
