import { ForbiddenMessage } from '../src/ui/errors/access-pages.js';

/** `forbidden()` outside the signed-in pages, with HTTP 403. */
export default function Forbidden() {
  return (
    <main id="content" className="narrow">
      <ForbiddenMessage />
    </main>
  );
}
