import { appendFileSync } from 'node:fs';
import type { InitializeHook, LoadHook } from 'node:module';

// The load hook of module-recorder.ts; it runs on Node's hooks thread.
let log = '';

export const initialize: InitializeHook<{ log: string }> = (data) => {
  log = data.log;
};

export const load: LoadHook = (url, context, nextLoad) => {
  appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
};
