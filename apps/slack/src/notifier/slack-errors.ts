/** Why a Slack call failed, and whether a later attempt may succeed where this one did not. */
export interface SlackFailure {
  /** Slack's error code (`channel_not_found`), `http_<status>`, or the message of any other error. */
  error: string;
  /** Slack's side (5xx, internal_error…), a rate limit or the network: worth another attempt. */
  transient: boolean;
  /** A rate limit's Retry-After, when Slack gave one: no attempt before it. */
  retryAfterMs?: number;
}

/** Slack's own `{ ok: false }` errors that say "not now", not "never" (docs.slack.dev: each method's error list). */
const TRANSIENT_PLATFORM_ERRORS: ReadonlySet<string> = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

// @slack/web-api's error codes (its ErrorCode enum), matched as strings: the notifier is given any WebClient.
const PLATFORM_ERROR = 'slack_webapi_platform_error';
const HTTP_ERROR = 'slack_webapi_http_error';
const REQUEST_ERROR = 'slack_webapi_request_error';
const RATE_LIMITED_ERROR = 'slack_webapi_rate_limited_error';

/** The WebClient's message once a 429 outlasted its own retries (a plain Error, with the header's seconds in it). */
const RATE_LIMIT_MESSAGE = /rate limit was exceeded.*retry-after: (\d+)/i;

interface WebApiErrorShape {
  code?: unknown;
  data?: { error?: unknown };
  statusCode?: unknown;
  retryAfter?: unknown;
  message?: unknown;
}

/**
 * Sorts a failed Web API call: a permanent error (`channel_not_found`, `not_in_channel`,
 * `invalid_auth`, `msg_too_long`…) fails again however often it is sent, so it is given up at
 * once; anything else, including errors that are not Slack's (a database hiccup around the
 * call), is tried again.
 */
export function classifySlackError(error: unknown): SlackFailure {
  const shape: WebApiErrorShape = typeof error === 'object' && error !== null ? error : {};
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  switch (shape.code) {
    case PLATFORM_ERROR: {
      const code = typeof shape.data?.error === 'string' ? shape.data.error : 'unknown_error';
      return { error: code, transient: TRANSIENT_PLATFORM_ERRORS.has(code) };
    }
    case HTTP_ERROR: {
      const status = typeof shape.statusCode === 'number' ? shape.statusCode : 0;
      // Slack answers 200 or 429 (docs.slack.dev "Web API basics"); a 5xx or 408 is its side or a proxy's, and passes.
      return { error: `http_${status}`, transient: status >= 500 || status === 408 || status === 429 };
    }
    case RATE_LIMITED_ERROR:
      return { error: 'ratelimited', transient: true, ...(typeof shape.retryAfter === 'number' ? { retryAfterMs: shape.retryAfter * 1000 } : {}) };
    case REQUEST_ERROR:
      return { error: message, transient: true };
    default: {
      const limited = RATE_LIMIT_MESSAGE.exec(message);
      if (limited) return { error: 'ratelimited', transient: true, retryAfterMs: Number(limited[1]) * 1000 };
      return { error: message, transient: true };
    }
  }
}
