import { NextResponse, type NextRequest } from 'next/server';
import { RETURN_PATH_HEADER } from './src/ui/auth/return-path.js';

// Pages learn which path was asked for, so a signed-out visit (a link from Slack) returns there after sign-in.
export function proxy(request: NextRequest): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(RETURN_PATH_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: [
    {
      // Pages only: the API, Next's assets and the sign-in pages never redirect to sign in.
      source: '/((?!api/|_next/|favicon.ico|sign-in|set-password).*)',
      // Not a server action (a decision: its latency is a target, and its caller is signed in) or a prefetch: navigations only.
      missing: [
        { type: 'header', key: 'next-action' },
        { type: 'header', key: 'next-router-prefetch' },
      ],
    },
  ],
};
