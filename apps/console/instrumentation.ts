// Next.js calls register() once when a server starts, before it handles a request.

import type { Instrumentation } from 'next';

export async function register(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- set by Next.js per bundle (nodejs or edge), not configuration
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // Imported here so the edge bundle never pulls in Node-only telemetry.
  const { startConsoleTelemetry } = await import('./src/api/telemetry.js');
  await startConsoleTelemetry();
  const { endLongPollsOnStop } = await import('./src/api/shutdown.js');
  endLongPollsOnStop();
}

// Next.js calls onRequestError for every error it catches on the server; the error page shows the same digest.
export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  // eslint-disable-next-line no-restricted-properties -- set by Next.js per bundle (nodejs or edge), not configuration
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { logRequestError } = await import('./src/api/request-error-log.js');
  logRequestError(error, request, context);
};
