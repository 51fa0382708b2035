import { Session } from 'node:inspector/promises';

interface WorkerMessage {
  sessionId: string;
  message: string;
}

/**
 * A full garbage collection in every worker thread of this process: the SDK runs the
 * workflows in threads of their own, each a V8 isolate with its own heap, which
 * `global.gc()` on the main thread never touches. Through the inspector's NodeWorker
 * domain (the one a debugger uses to reach worker threads), each thread is asked for
 * `HeapProfiler.collectGarbage` and answered before this resolves. Returns how many
 * threads collected.
 */
export async function collectThreadGarbage(): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    const threads: string[] = [];
    session.on('NodeWorker.attachedToWorker', (event: { params: { sessionId: string } }) => threads.push(event.params.sessionId));
    // Every running thread is reported attached before `enable` answers.
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    await Promise.all(threads.map((sessionId, index) => collectIn(session, sessionId, index + 1)));
    await session.post('NodeWorker.disable');
    return threads.length;
  } finally {
    session.disconnect();
  }
}

function collectIn(session: Session, sessionId: string, id: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (event: { params: WorkerMessage }) => {
      if (event.params.sessionId !== sessionId) return;
      const reply = JSON.parse(event.params.message) as { id?: number; error?: { message: string } };
      if (reply.id !== id) return;
      session.off('NodeWorker.receivedMessageFromWorker', onMessage);
      if (reply.error) reject(new Error(`garbage collection in a worker thread failed: ${reply.error.message}`));
      else resolve();
    };
    session.on('NodeWorker.receivedMessageFromWorker', onMessage);
    session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }) }).catch(reject);
  });
}
