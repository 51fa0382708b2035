import Link from 'next/link';

/** What `notFound()` and an unknown address render, with HTTP 404: in the console's words, with a way back. */
export default function NotFound() {
  return (
    <main id="content" className="narrow">
      <h1>Not found</h1>
      <p>Nothing is at this address: the link may be mistyped, or the action, agent or user it names does not exist here.</p>
      <p>
        <Link href="/">Back to the inbox</Link>
      </p>
    </main>
  );
}
