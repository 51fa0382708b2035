import Link from 'next/link';

/** What `notFound()` and an unknown address show: in the console's words, with a way back. */
export function NotFoundMessage() {
  return (
    <>
      <h1>Not found</h1>
      <p>Nothing is at this address: the link may be mistyped, or the action, agent or user it names does not exist here.</p>
      <p>
        <Link href="/">Back to the inbox</Link>
      </p>
    </>
  );
}

/** What `forbidden()` shows: the attempt is already in the audit log. */
export function ForbiddenMessage() {
  return (
    <>
      <h1>Not allowed</h1>
      <p role="alert" className="notice error">
        Administration is for admins. Your role does not allow it; the attempt has been recorded in the audit log.
      </p>
      <p>
        <Link href="/">Back to the inbox</Link>
      </p>
    </>
  );
}
