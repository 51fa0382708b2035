import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { appendAudit, EXPORT_FORMAT, verifyAuditExport } from '@airlock/db';
import { createLogger } from '@airlock/telemetry';
import { AuditExporter, JsonlFileSink, OtlpLogSink } from '@airlock/worker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';

// Issue #16: audit events streamed to a SIEM sink in seq order, at least once,
// from a cursor in audit_cursors that moves only after the sink confirmed.

let t: TestDatabase;
let dir: string;
const warnings: string[] = [];
const logger = createLogger({
  name: 'airlock-worker',
  level: 'info',
  format: 'json',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line.includes('"level":"warn"') || line.includes('"level":40')),
      );
      done();
    },
  }),
});

beforeEach(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-siem-'));
});
afterEach(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

async function appendRows(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++)
    await appendAudit(t.db, uncatalogued({ eventKey: `e-${i}`, actionId: `a-${i % 4}`, type: 'test.event', actor: 'user:alice', payload: { i, amount: `${i}.50` } }));
}

/** Polls (no fixed delay) until `done` holds. */
async function until(done: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function fileSeqs(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { seq: number }).seq);
}

async function cursorOf(consumer: string): Promise<number | undefined> {
  const { rows } = await t.db.pool.query<{ seq: string }>('SELECT seq::text AS seq FROM audit_cursors WHERE consumer = $1', [consumer]);
  return rows[0] ? Number(rows[0].seq) : undefined;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SIEM export', () => {
  it('file sink: every event once and in order, the lines verify as a chain, and a restarted worker resumes from the cursor', async () => {
    const file = path.join(dir, 'audit.jsonl');
    await appendRows(0, 30);
    const first = new AuditExporter({ db: t.db, sink: new JsonlFileSink({ file }), logger, batchSize: 7 });
    first.start();
    await until(async () => (await fileSeqs(file)).length >= 30);
    await appendRows(30, 5);
    await until(async () => (await fileSeqs(file)).length >= 35);
    await first.stop();
    expect(await fileSeqs(file)).toEqual(range(1, 35));
    expect(await cursorOf('siem:file')).toBe(35);

    // Rows appended while no worker runs; the next worker starts at the cursor, not at the beginning.
    await appendRows(35, 5);
    const second = new AuditExporter({ db: t.db, sink: new JsonlFileSink({ file }), logger, batchSize: 7 });
    second.start();
    await until(async () => (await fileSeqs(file)).length >= 40);
    await second.stop();
    expect(await fileSeqs(file)).toEqual(range(1, 40));

    // The lines are the export format's event lines: with a header in front they verify as the whole chain.
    const asExport = path.join(dir, 'as-export.jsonl');
    await writeFile(asExport, `${JSON.stringify({ format: EXPORT_FORMAT, version: 1, exportedAt: new Date().toISOString() })}\n${await readFile(file, 'utf8')}`);
    expect(await verifyAuditExport(asExport)).toMatchObject({ ok: true, checkedRows: 40 });
  });

  it('file sink rotates by size without splitting or losing an event', async () => {
    const file = path.join(dir, 'audit.jsonl');
    await appendRows(0, 40);
    const exporter = new AuditExporter({ db: t.db, sink: new JsonlFileSink({ file, maxBytes: 4096 }), logger, batchSize: 5 });
    exporter.start();
    await until(async () => (await cursorOf('siem:file')) === 40);
    await exporter.stop();
    const names = (await readdir(dir)).filter((name) => name.startsWith('audit.jsonl')).sort();
    expect(names.length).toBeGreaterThan(1);
    // Rotated files sort by their timestamp; the live file holds the newest events.
    const rotated = names.filter((name) => name !== 'audit.jsonl');
    const all: number[] = [];
    for (const name of [...rotated, 'audit.jsonl']) all.push(...(await fileSeqs(path.join(dir, name))));
    expect(all).toEqual(range(1, 40));
  });

  it('OTLP sink: a receiver answering 503 holds the cursor; after it recovers every event arrives, in order, with no gap', async () => {
    let healthy = false;
    let refused = 0;
    const received: number[] = [];
    const server: Server = createServer((request, response) => {
      void bodyOf(request).then((body) => {
        if (request.url !== '/v1/logs') {
          response.writeHead(404).end();
          return;
        }
        if (!healthy) {
          refused += 1;
          response.writeHead(503, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        received.push(...seqsOfOtlp(body));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
    const exporter = new AuditExporter({ db: t.db, sink: new OtlpLogSink({ url, timeoutMs: 5_000 }), logger, batchSize: 10, retryBaseMs: 10, maxRetryMs: 200 });
    try {
      await appendRows(0, 25);
      exporter.start();
      // At least two failed deliveries of the exporter (each may hold the OTLP exporter's own retries).
      await until(() => warnings.filter((line) => line.includes('audit export to otlp failed')).length >= 2);
      expect(refused).toBeGreaterThan(0);
      expect(received).toEqual([]);
      expect(await cursorOf('siem:otlp')).toBe(0);

      healthy = true;
      await until(async () => (await cursorOf('siem:otlp')) === 25);
      await appendRows(25, 5);
      await until(async () => (await cursorOf('siem:otlp')) === 30);
    } finally {
      await exporter.stop();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(received).toEqual(range(1, 30));
  });
});

function bodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

interface OtlpLogsRequest {
  resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string }; attributes: { key: string; value: { intValue?: string | number } }[] }[] }[] }[];
}

/** The seq of each log record, from the `airlock.audit.seq` attribute, checked against the record's body line. */
function seqsOfOtlp(body: string): number[] {
  const request = JSON.parse(body) as OtlpLogsRequest;
  return request.resourceLogs.flatMap((r) =>
    r.scopeLogs.flatMap((s) =>
      s.logRecords.map((record) => {
        const seq = Number(record.attributes.find((a) => a.key === 'airlock.audit.seq')?.value.intValue);
        expect((JSON.parse(record.body.stringValue) as { kind: string; seq: number }).seq).toBe(seq);
        return seq;
      }),
    ),
  );
}
