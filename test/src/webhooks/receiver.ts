import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/** The action a received webhook is about. */
export function actionIdOf(received: ReceivedWebhook): unknown {
  return (JSON.parse(received.body) as { data: { actionId?: unknown } }).data.actionId;
}

/** A request the receiver holds open, unanswered. */
interface HeldRequest {
  headers: IncomingHttpHeaders;
  body: string;
  res: ServerResponse;
}

/**
 * A webhook receiver on loopback that records every request. `answer` decides
 * the status (503 while "down"), `answerHeaders` what it sends with it (a
 * `Retry-After`); `hold` keeps requests open until answered (`release`) or dropped.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  answer: () => number = () => 204;
  answerHeaders: () => OutgoingHttpHeaders = () => ({});
  hold = false;
  private readonly held: HeldRequest[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: ReturnType<typeof createServer>) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), res };
        if (receiver.hold) receiver.held.push(request);
        else receiver.respond(request, receiver.answer());
        receiver.notify();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Accepted (2xx) deliveries whose JSON body matches. */
  accepted(matches: (body: { type: string; data: Record<string, unknown> }) => boolean = () => true): ReceivedWebhook[] {
    return this.received.filter((r) => r.status < 300 && matches(JSON.parse(r.body) as { type: string; data: Record<string, unknown> }));
  }

  async waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received.map((r) => [r.status, r.body.slice(0, 80)]))}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, 100);
        this.waiters.add(done);
      });
    }
  }

  /** Drops every held request without an answer (the connection resets). */
  dropHeld(): void {
    for (const { res } of this.held.splice(0)) res.destroy();
  }

  /** Answers every held request with `status`; they count as received from now on. */
  release(status: number): void {
    for (const request of this.held.splice(0)) this.respond(request, status);
  }

  private respond({ headers, body, res }: HeldRequest, status: number): void {
    this.received.push({ headers, body, status });
    res.writeHead(status, this.answerHeaders()).end();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  async close(): Promise<void> {
    this.dropHeld();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
