import { NotFoundMessage } from '../src/ui/errors/access-pages.js';

/** An address no route serves, with HTTP 404 (a signed-in page's `notFound()` keeps the top bar: app/(console)/not-found.tsx). */
export default function NotFound() {
  return (
    <main id="content" className="narrow">
      <NotFoundMessage />
    </main>
  );
}
