/** A run that never finishes (e.g. a local activity retrying forever) fails the benchmark instead of hanging it. */
export const RUN_TIMEOUT_MS = 60_000;

export function within<T>(promise: Promise<T>, what: string, ms = RUN_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000}s (see the worker log above)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
