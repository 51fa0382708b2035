import { Airlock } from '@airlock/sdk';

/** For running an example by hand: AIRLOCK_URL and AIRLOCK_API_KEY (an agent key). */
export async function connectFromEnv(): Promise<Airlock> {
  const url = process.env.AIRLOCK_URL ?? 'http://localhost:3000';
  const apiKey = process.env.AIRLOCK_API_KEY;
  if (!apiKey) throw new Error('AIRLOCK_API_KEY: set it to an agent key (airlock keys create --agent billing-bot)');
  return Airlock.connect({ url, apiKey });
}
