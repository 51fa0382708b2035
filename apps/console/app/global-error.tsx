'use client';

import type { ErrorInfo } from 'next/error';
import { ServerFailure } from '../src/ui/errors/server-failure.js';
import './console.css';

/** The root layout itself failed: this replaces it, so it brings its own document and styles. */
export default function GlobalError({ error, retry }: ErrorInfo) {
  return (
    <html lang="en">
      <body>
        <title>Airlock console: this page could not be shown</title>
        <main id="content">
          <ServerFailure error={error} retry={retry} />
        </main>
      </body>
    </html>
  );
}
