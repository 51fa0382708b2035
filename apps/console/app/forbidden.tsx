import Link from 'next/link';

/** What `forbidden()` renders, with HTTP 403: the attempt is already in the audit log. */
export default function Forbidden() {
  return (
    <main id="content" className="narrow">
      <h1>Not allowed</h1>
      <p role="alert" className="notice error">
        Administration is for admins. Your role does not allow it; the attempt has been recorded in the audit log.
      </p>
      <p>
        <Link href="/">Back to the inbox</Link>
      </p>
    </main>
  );
}
