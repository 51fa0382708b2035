import { NotFoundMessage } from '../../src/ui/errors/access-pages.js';

/** `notFound()` on a signed-in page (an unknown action, agent or user), with HTTP 404, inside the top bar. */
export default function ConsoleNotFound() {
  return (
    <div className="narrow">
      <NotFoundMessage />
    </div>
  );
}
