'use client';

import type { ErrorInfo } from 'next/error';

/** The id Next gives an error thrown on the server: the same id is on the server log's line (`onRequestError` in instrumentation.ts). */
export function errorReference(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('digest' in error)) return undefined;
  return typeof error.digest === 'string' && error.digest ? error.digest : undefined;
}

/**
 * A page that failed, in the console's words: what happened, the reference to look up in the
 * server log, a retry (the cause is often passing: the database or Temporal restarting) and a way
 * back: a full page load, which does not depend on the client state the failure left behind.
 */
export function ServerFailure({ error, retry }: Pick<ErrorInfo, 'error' | 'retry'>) {
  const reference = errorReference(error);
  return (
    <section aria-labelledby="failure-heading" className="narrow">
      <h1 id="failure-heading">This page could not be shown</h1>
      {reference ? (
        <>
          <p>The server failed while preparing it: a service it reads (the database, Temporal) may be unreachable or restarting.</p>
          <p>
            Reference <code className="mono">{reference}</code>: the console’s server log has an entry with <code>{`"digest":"${reference}"`}</code> and the details. Give it to
            whoever runs Airlock.
          </p>
        </>
      ) : (
        <p>It failed in this browser; the browser’s developer console has the details. Reloading the page usually helps.</p>
      )}
      <button type="button" className="primary" onClick={() => retry()}>
        Try again
      </button>
      <p>
        <a href="/">Back to the inbox</a>
      </p>
    </section>
  );
}
