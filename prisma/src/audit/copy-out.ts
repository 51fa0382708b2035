import type pg from 'pg';
import { binaryCopyHeaderLength, isBinaryCopyTrailer } from './copy-binary.js';
import { unescapeField } from './copy-text.js';

/** The part of pg's connection a COPY TO STDOUT needs (pg calls `submit` with it). */
interface CopyConnection {
  query(text: string): void;
  stream: { pause(): void; resume(): void };
}

/**
 * A `COPY … TO STDOUT` read as a stream of items (batches of rows, chunks of
 * bytes) that the subclass frames from pg's CopyData messages. Backpressure: the
 * socket is paused while `maxQueued` items wait for the caller, so memory stays
 * bounded whatever the table's size.
 */
abstract class CopyOutStream<T> implements pg.Submittable {
  private readonly queue: T[] = [];
  private connection: CopyConnection | undefined;
  private paused = false;
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly sql: string,
    private readonly maxQueued: number,
  ) {}

  submit(connection: CopyConnection): void {
    this.connection = connection;
    connection.query(this.sql);
  }

  /** One CopyData message is one row (text: its fields, tab-separated, then a newline; binary: one tuple). */
  abstract handleCopyData(message: { chunk: Buffer }): void;

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

  /** Hands what has been framed so far to the queue (through `enqueue`). */
  protected abstract flush(): void;

  protected enqueue(item: T): void {
    this.queue.push(item);
    if (!this.paused && this.queue.length >= this.maxQueued) {
      this.paused = true;
      this.connection?.stream.pause();
    }
    this.notify();
  }

  protected queued(): readonly T[] {
    return this.queue;
  }

  /** Items in order; ends when the COPY does, or throws its error. */
  protected async *items(): AsyncGenerator<T> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        if (this.paused && this.queue.length < this.maxQueued) {
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

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * `COPY … TO STDOUT` (text format) as batches of rows, each row its fields as
 * strings (null for SQL NULL). PostgreSQL streams the rows with no round trip
 * per page and pg hands over one row per message without parsing it, which
 * costs about a third of a SELECT's per-row work on the client.
 */
export class CopyOutRows extends CopyOutStream<(string | null)[][]> {
  private batch: (string | null)[][] = [];
  /** Most rows held at once (queued batches plus the one filling): what a test of constant memory looks at. */
  peakBufferedRows = 0;

  constructor(
    sql: string,
    private readonly batchSize: number,
    maxQueuedBatches = 2,
  ) {
    super(sql, maxQueuedBatches);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    const line = message.chunk.toString('utf8', 0, message.chunk.length - 1);
    this.batch.push(line.split('\t').map(unescapeField));
    if (this.batch.length >= this.batchSize) this.flush();
  }

  /** Batches in order; ends when the COPY does, or throws its error. */
  batches(): AsyncGenerator<(string | null)[][]> {
    return this.items();
  }

  protected flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.peakBufferedRows = Math.max(
      this.peakBufferedRows,
      this.queued().reduce((n, b) => n + b.length, batch.length),
    );
    this.enqueue(batch);
  }
}

/** A chunk of whole binary COPY tuples in a buffer of its own (so it can be transferred to a worker thread). */
export interface CopyChunk {
  bytes: Buffer;
  rows: number;
}

/**
 * `COPY … TO STDOUT (FORMAT binary)` as chunks of `chunkRows` tuples, each the
 * tuples' raw bytes copied into one buffer (the file header and trailer left
 * out): no string or array per row on this thread, which only frames and
 * forwards. A chunk counts as held until the caller `release`s it, so
 * `peakBufferedRows` covers chunks being checked elsewhere too.
 */
export class CopyOutChunks extends CopyOutStream<CopyChunk> {
  private buffer: Buffer;
  private length = 0;
  private rows = 0;
  private heldRows = 0;
  private headerRead = false;
  private headerError = false;
  peakBufferedRows = 0;

  constructor(
    sql: string,
    private readonly chunkRows: number,
    maxQueuedChunks = 1,
    private readonly chunkBytes = 256 * 1024,
  ) {
    super(sql, maxQueuedChunks);
    this.buffer = Buffer.allocUnsafeSlow(chunkBytes);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    const data = message.chunk;
    // PostgreSQL sends the file header with the first tuple (or with the trailer, for no rows), and the trailer alone.
    let from = 0;
    if (!this.headerRead) {
      this.headerRead = true;
      try {
        from = binaryCopyHeaderLength(data);
      } catch (error) {
        this.headerError = true;
        this.handleError(error as Error);
      }
    }
    if (this.headerError || from === data.length || isBinaryCopyTrailer(data, from)) return;
    const length = data.length - from;
    if (this.length + length > this.buffer.length) this.grow(this.length + length);
    data.copy(this.buffer, this.length, from);
    this.length += length;
    this.rows += 1;
    this.hold(1);
    if (this.rows >= this.chunkRows) this.flush();
  }

  /** Chunks in order; ends when the COPY does, or throws its error. */
  chunks(): AsyncGenerator<CopyChunk> {
    return this.items();
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

  protected flush(): void {
    if (this.rows === 0) return;
    const chunk = { bytes: this.buffer.subarray(0, this.length), rows: this.rows };
    this.buffer = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, this.buffer.length));
    this.length = 0;
    this.rows = 0;
    this.enqueue(chunk);
  }
}
