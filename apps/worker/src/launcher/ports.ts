import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForPortOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Rejects early when this settles first (the process that should listen has exited). */
  gaveUp?: Promise<string>;
}

/** Resolves once something accepts TCP connections on host:port. */
export async function waitForPort({ host, port, timeoutMs, signal, gaveUp }: WaitForPortOptions): Promise<void> {
  let failure: string | undefined;
  void gaveUp?.then((reason) => {
    failure = reason;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (failure !== undefined) throw new Error(failure);
    if (await accepts(host, port)) return;
    if (Date.now() > deadline) throw new Error(`nothing accepted connections on ${host}:${port} within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(50);
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Fails with a message naming the setting when a port we are about to give an
 * embedded server is taken: otherwise a readiness probe could be answered by
 * whatever already listens there.
 */
export async function assertPortFree(host: string, port: number, setting: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} (${setting}) is already in use: is another Airlock running? Stop it or set ${setting} to a free port`
            : `cannot use port ${port} (${setting}): ${error.message}`,
        ),
      );
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
