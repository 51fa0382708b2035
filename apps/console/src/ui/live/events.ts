import { consoleConfig } from '../../env.js';
import { apiContext } from '../../api/runtime-context.js';
import { auditFeed, type AuditSignal } from '../../api/audit-feed.js';
import { sessionStateOf } from '../auth/session.js';

const HEARTBEAT_MS = 15_000;

/** Rows that can end someone's session (a person disabled, a password reset, a key revoked): the session is checked before they go out. */
function mayEndSessions(signals: AuditSignal[]): boolean {
  return signals.some((signal) => signal.type.startsWith('user.') || signal.type.startsWith('api_key.'));
}

/**
 * GET /api/console/events: Server-Sent Events, one `audit` event per batch of new audit rows, for signed-in people.
 * The stream outlives the check at connect, so the session is checked again with every heartbeat and before
 * any batch that may have ended it: once the person is disabled, their password reset or their key revoked,
 * the stream closes (the browser's reconnect is then refused) instead of going on forever.
 */
export async function liveEvents(request: Request): Promise<Response> {
  const stillSignedIn = async () => (await sessionStateOf(request.headers)).status === 'signed_in';
  if (!(await stillSignedIn())) return new Response('sign in first', { status: 401 });
  const encoder = new TextEncoder();
  let end = () => undefined as void;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      // Every write waits its turn, so a batch held for a session check keeps its place in seq order.
      let turn = Promise.resolve();
      const write = (text: string, checkFirst: boolean) => {
        turn = turn.then(async () => {
          if (!open) return;
          // A check that fails (the database unreachable) closes too: the reconnect checks again.
          if (checkFirst && !(await stillSignedIn().catch(() => false))) return end();
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            end();
          }
        });
      };
      const unsubscribe = auditFeed(apiContext().db, consoleConfig().DATABASE_URL).subscribe((signals: AuditSignal[]) => {
        write(`event: audit\ndata: ${JSON.stringify(signals)}\n\n`, mayEndSessions(signals));
      });
      const heartbeat = setInterval(() => write(': keep-alive\n\n', true), HEARTBEAT_MS);
      end = () => {
        if (!open) return;
        open = false;
        clearInterval(heartbeat);
        unsubscribe();
        try {
          controller.close();
        } catch {
          // Already closed by the client going away.
        }
      };
      request.signal.addEventListener('abort', () => end());
      write('retry: 3000\nevent: ready\ndata: {}\n\n', false);
    },
    cancel() {
      end();
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
