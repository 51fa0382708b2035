import type pg from 'pg';
import { unescapeField } from './copy-text.js';

/** The part of pg's connection a COPY TO STDOUT needs (pg calls `submit` with it). */
interface CopyConnection {
  query(text: string): void;
  stream: { pause(): void; resume(): void };
}

/**
 * `COPY … TO STDOUT` (text format) as batches of rows, each row its fields as
 * strings (null for SQL NULL). PostgreSQL streams the rows with no round trip
 * per page and pg hands over one row per message without parsing it, which
 * costs about a third of a SELECT's per-row work on the client. Backpressure:
 * the socket is paused while `maxQueuedBatches` batches wait for the caller,
 * so memory stays bounded whatever the table's size.
 */
export class CopyOutRows implements pg.Submittable {
  private batch: (string | null)[][] = [];
  private readonly queue: (string | null)[][][] = [];
  private connection: CopyConnection | undefined;
  private paused = false;
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  /** Most rows held at once (queued batches plus the one filling): what a test of constant memory looks at. */
  peakBufferedRows = 0;

  constructor(
    private readonly sql: string,
    private readonly batchSize: number,
    private readonly maxQueuedBatches = 2,
  ) {}

  submit(connection: CopyConnection): void {
    this.connection = connection;
    connection.query(this.sql);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    // One CopyData message is one row: its fields, tab-separated, then a newline.
    const line = message.chunk.toString('utf8', 0, message.chunk.length - 1);
    this.batch.push(line.split('\t').map(unescapeField));
    if (this.batch.length >= this.batchSize) this.flush();
  }

  handleCommandComplete(): void {
    this.flush();
  }

  handleReadyForQuery(): void {
    this.done = true;
    this.notify();
  }

  handleError(error: Error): void {
    this.error = error;
    this.done = true;
    this.notify();
  }

  /** Batches in order; ends when the COPY does, or throws its error. */
  async *batches(): AsyncGenerator<(string | null)[][]> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        if (this.paused && this.queue.length < this.maxQueuedBatches) {
          this.paused = false;
          this.connection?.stream.resume();
        }
        yield next;
        continue;
      }
      if (this.error) throw this.error;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.queue.push(this.batch);
    this.peakBufferedRows = Math.max(
      this.peakBufferedRows,
      this.queue.reduce((n, b) => n + b.length, 0),
    );
    this.batch = [];
    if (!this.paused && this.queue.length >= this.maxQueuedBatches) {
      this.paused = true;
      this.connection?.stream.pause();
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** A chunk of whole COPY text rows in a buffer of its own (so it can be transferred to a worker thread). */
export interface CopyChunk {
  bytes: Buffer;
  rows: number;
}

/**
 * `COPY … TO STDOUT` (text format) as chunks of `chunkRows` rows, each the
 * rows' raw bytes copied into one buffer: no string or array per row on this
 * thread, which only frames and forwards. Backpressure as `CopyOutRows`: the
 * socket is paused while `maxQueuedChunks` chunks wait; a chunk counts as held
 * until the caller `release`s it, so `peakBufferedRows` covers chunks being
 * checked elsewhere too.
 */
export class CopyOutChunks implements pg.Submittable {
  private buffer: Buffer;
  private length = 0;
  private rows = 0;
  private readonly queue: CopyChunk[] = [];
  private connection: CopyConnection | undefined;
  private paused = false;
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private heldRows = 0;
  peakBufferedRows = 0;

  constructor(
    private readonly sql: string,
    private readonly chunkRows: number,
    private readonly maxQueuedChunks = 1,
    private readonly chunkBytes = 256 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(chunkBytes);
  }

  submit(connection: CopyConnection): void {
    this.connection = connection;
    connection.query(this.sql);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    const row = message.chunk;
    if (this.length + row.length > this.buffer.length) this.grow(this.length + row.length);
    row.copy(this.buffer, this.length);
    this.length += row.length;
    this.rows += 1;
    this.hold(1);
    if (this.rows >= this.chunkRows) this.flush();
  }

  handleCommandComplete(): void {
    this.flush();
  }

  handleReadyForQuery(): void {
    this.done = true;
    this.notify();
  }

  handleError(error: Error): void {
    this.error = error;
    this.done = true;
    this.notify();
  }

  /** Chunks in order; ends when the COPY does, or throws its error. */
  async *chunks(): AsyncGenerator<CopyChunk> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        if (this.paused && this.queue.length < this.maxQueuedChunks) {
          this.paused = false;
          this.connection?.stream.resume();
        }
        yield next;
        continue;
      }
      if (this.error) throw this.error;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The caller is done with a chunk's rows. */
  release(chunk: CopyChunk): void {
    this.heldRows -= chunk.rows;
  }

  private hold(rows: number): void {
    this.heldRows += rows;
    if (this.heldRows > this.peakBufferedRows) this.peakBufferedRows = this.heldRows;
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.buffer.length));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  private flush(): void {
    if (this.rows === 0) return;
    this.queue.push({ bytes: this.buffer.subarray(0, this.length), rows: this.rows });
    this.buffer = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, this.buffer.length));
    this.length = 0;
    this.rows = 0;
    if (!this.paused && this.queue.length >= this.maxQueuedChunks) {
      this.paused = true;
      this.connection?.stream.pause();
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
