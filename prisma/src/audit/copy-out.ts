import type pg from 'pg';

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
    this.peakBufferedRows = Math.max(this.peakBufferedRows, this.queue.reduce((n, b) => n + b.length, 0));
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

// COPY's text format escapes only these (and writes NULL as \N).
const ESCAPES: Record<string, string> = { '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}
