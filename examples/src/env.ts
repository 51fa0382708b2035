import { Airlock, InvalidRequestError } from '@airlock/sdk';

/**
 * For running an example by hand: AIRLOCK_URL and AIRLOCK_API_KEY (an agent key). A missing or
 * malformed one ends the process with one line saying what to set (exit 2), not a stack trace.
 */
export async function connectFromEnv(): Promise<Airlock> {
  const url = process.env.AIRLOCK_URL ?? 'http://localhost:3000';
  const apiKey = process.env.AIRLOCK_API_KEY;
  if (!apiKey) return exitWith('AIRLOCK_API_KEY is not set: set it to an agent key (`npm run airlock -- keys mint --agent billing-bot` prints one)');
  try {
    return await Airlock.connect({ url, apiKey });
  } catch (error) {
    if (error instanceof InvalidRequestError) return exitWith(`AIRLOCK_URL: ${error.issues.replace(/^url: /, '')}`);
    throw error;
  }
}

function exitWith(message: string): never {
  console.error(message);
  process.exit(2);
}
