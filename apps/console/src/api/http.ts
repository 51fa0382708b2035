/** The body size below which `next start`'s gzip (the `compression` package) means to leave a response alone. */
export const GZIP_THRESHOLD_BYTES = 1024;

/**
 * A JSON answer: BigInt (audit seq) as a decimal string, never cached by intermediaries.
 * Bodies under GZIP_THRESHOLD_BYTES carry `no-transform`: Next.js drops
 * a route's `content-length` before its gzip looks, so without it every answer was
 * compressed, an 80-byte error included (larger, and a trip through libuv's thread pool
 * on the request's path). Larger bodies are still compressed for clients that accept it.
 */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body, bigintAsString);
  const cacheControl = Buffer.byteLength(text) < GZIP_THRESHOLD_BYTES ? 'no-store, no-transform' : 'no-store';
  return new Response(text, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': cacheControl, ...headers },
  });
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
