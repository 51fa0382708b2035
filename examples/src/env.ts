import { Airlock, AirlockApiError, InvalidRequestError } from '@airlock/sdk';

// `npm start` creates `demo-agent` (allowed the demo tools, refunds included) and prints its key once.
const GET_A_KEY = 'the agent key `npm start` printed on its first start, or mint one: `npm run airlock -- keys mint --agent demo-agent`';

/**
 * For running an example by hand: AIRLOCK_URL and AIRLOCK_API_KEY (an agent key). A missing or
 * malformed one, a server that does not answer and a key it refuses each end the process with one
 * line saying what to set (exit 2), not a stack trace from deep inside an agent framework.
 */
export async function connectFromEnv(): Promise<Airlock> {
  const url = process.env.AIRLOCK_URL ?? 'http://localhost:3000';
  const apiKey = process.env.AIRLOCK_API_KEY;
  if (!apiKey) return exitWith(`AIRLOCK_API_KEY is not set: set it to ${GET_A_KEY}`);
  let airlock: Airlock;
  try {
    airlock = await Airlock.connect({ url, apiKey });
  } catch (error) {
    if (error instanceof InvalidRequestError) return exitWith(`AIRLOCK_URL: ${error.issues.replace(/^url: /, '')}`);
    throw error;
  }
  // One cheap call first, so a wrong URL or key is said plainly before any framework runs.
  try {
    await airlock.me();
  } catch (error) {
    if (!(error instanceof AirlockApiError)) throw error;
    if (error.status === 401 || error.status === 403) return exitWith(`AIRLOCK_API_KEY: ${url} refused it (${error.message}): use ${GET_A_KEY}`);
    return exitWith(`AIRLOCK_URL: ${error.message}${error.code === 'unreachable' ? ' (is Airlock running? `npm start` serves it on http://localhost:3000)' : ''}`);
  }
  return airlock;
}

function exitWith(message: string): never {
  console.error(message);
  process.exit(2);
}
