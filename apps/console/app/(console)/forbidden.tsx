import { ForbiddenMessage } from '../../src/ui/errors/access-pages.js';

/** `forbidden()` from the admin pages, with HTTP 403, inside the top bar: the person keeps their way around. */
export default function ConsoleForbidden() {
  return (
    <div className="narrow">
      <ForbiddenMessage />
    </div>
  );
}
