// Next.js calls register() once when a server starts, before it handles a request.

export async function register(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- set by Next.js per bundle (nodejs or edge), not configuration
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // Imported here so the edge bundle never pulls in Node-only telemetry.
  const { startConsoleTelemetry } = await import('./src/api/telemetry.js');
  await startConsoleTelemetry();
  const { endLongPollsOnStop } = await import('./src/api/shutdown.js');
  endLongPollsOnStop();
}
