'use client';

import type { ErrorInfo } from 'next/error';
import { ServerFailure } from '../src/ui/errors/server-failure.js';

/** A failure above the pages (reading the session for the top bar, the sign-in page): no top bar to keep. */
export default function RootSegmentError({ error, retry }: ErrorInfo) {
  return (
    <main id="content">
      <ServerFailure error={error} retry={retry} />
    </main>
  );
}
