import { consoleConfig } from '../../env.js';
import { apiContext } from '../../api/runtime-context.js';
import { auditFeed, type AuditSignal } from '../../api/audit-feed.js';
import { signedInUser } from '../auth/session.js';

const HEARTBEAT_MS = 15_000;

/** GET /api/console/events: Server-Sent Events, one `audit` event per batch of new audit rows, for signed-in people. */
export async function liveEvents(request: Request): Promise<Response> {
  if (!(await signedInUser())) return new Response('sign in first', { status: 401 });
  const encoder = new TextEncoder();
  let cleanup = () => undefined as void;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const unsubscribe = auditFeed(apiContext().db, consoleConfig().DATABASE_URL).subscribe((signals: AuditSignal[]) => {
        send(`event: audit\ndata: ${JSON.stringify(signals)}\n\n`);
      });
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
      cleanup = () => {
        clearInterval(heartbeat);
        unsubscribe();
      };
      request.signal.addEventListener('abort', () => {
        cleanup();
        try {
          controller.close();
        } catch {
          // Already closed by the client going away.
        }
      });
      send('retry: 3000\nevent: ready\ndata: {}\n\n');
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Keeps `next start`'s gzip (and proxies) from buffering the stream.
      'content-encoding': 'none',
      'x-accel-buffering': 'no',
    },
  });
}
