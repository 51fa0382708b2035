/** The attempt's tool went on past its limit. */
export class ToolOverran extends Error {
  constructor(readonly limitMs: number) {
    super(
      `the tool ran longer than ${limitMs} ms and was stopped, without retry (a run must end inside the executor's activity timeout); ` +
        'what it did before it was stopped may have taken effect',
    );
    this.name = 'ToolOverran';
  }
}

/**
 * Runs `body` with a signal that aborts when `outer` does or when `limitMs` has passed. Past the limit it rejects with
 * ToolOverran, whether or not the body heeds the signal: a tool that never looks at it cannot hold the attempt.
 */
export async function withinRunLimit<T>(outer: AbortSignal, limitMs: number, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const overran = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ToolOverran(limitMs);
      // Rejected before the abort, so the race below settles with the overrun, not with what the body throws on seeing it.
      reject(error);
      stop.abort(error);
    }, limitMs);
  });
  const running = Promise.resolve().then(() => body(AbortSignal.any([outer, stop.signal])));
  // A body that settles after the overrun has been answered is no one's to handle.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, overran]);
  } finally {
    clearTimeout(timer);
  }
}
