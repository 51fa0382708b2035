'use client';

import type { ErrorInfo } from 'next/error';
import { ServerFailure } from '../../src/ui/errors/server-failure.js';

/** A console page that failed to load: shown inside the console's top bar, which still works. */
export default function ConsolePageError({ error, retry }: ErrorInfo) {
  return <ServerFailure error={error} retry={retry} />;
}
