import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import GlobalError from '../../../app/global-error.js';

// Next shows app/global-error.tsx only when the root layout itself fails, and this console's root
// layout reads nothing (app/layout.tsx is static markup: no session, no database, no metadata to
// generate), so no failure of a running console reaches it; a failure reading the session is
// app/error.tsx's (console-errors.e2e.test.ts). What it shows is checked here instead.
describe('the page shown when the root layout fails', () => {
  const render = (error: unknown) => renderToStaticMarkup(createElement(GlobalError, { error, retry: () => undefined, reset: () => undefined }));

  it('is a whole document, since it replaces the root layout, with the reference to look up, a retry and a way back', () => {
    const html = render(Object.assign(new Error('relation "users" does not exist'), { digest: '2903746529' }));
    expect(html).toMatch(/^<html lang="en">.*<body>.*<\/body><\/html>$/s);
    expect(html).toContain('<title>Airlock console: this page could not be shown</title>');
    expect(html).toContain('<h1 id="failure-heading">This page could not be shown</h1>');
    expect(html).toContain('Reference <code class="mono">2903746529</code>');
    expect(html).toMatch(/<button[^>]*>Try again<\/button>/);
    expect(html).toContain('<a href="/">Back to the inbox</a>');
    // The person sees no detail of the failure: it is in the server log under the reference.
    expect(html).not.toContain('relation');
  });
});
