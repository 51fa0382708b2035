import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { HistoryTooLongError } from './earlier-post.js';
import { classifySlackError } from './slack-errors.js';

// The WebClient's own error classes, as a failed call throws them.
const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error });

describe('classifySlackError', () => {
  it('gives up on what fails again however often it is sent', () => {
    for (const code of ['channel_not_found', 'not_in_channel', 'invalid_auth', 'token_revoked', 'msg_too_long', 'message_not_found']) {
      expect(classifySlackError(platform(code))).toEqual({ error: code, transient: false });
    }
    expect(classifySlackError(new webApi.WebAPIHTTPError(404, 'Not Found', {}, ''))).toEqual({ error: 'http_404', transient: false });
  });

  it("tries again on Slack's side, rate limits (with their Retry-After) and the network", () => {
    expect(classifySlackError(platform('internal_error'))).toEqual({ error: 'internal_error', transient: true });
    expect(classifySlackError(platform('ratelimited'))).toEqual({ error: 'ratelimited', transient: true });
    expect(classifySlackError(new webApi.WebAPIHTTPError(503, 'Service Unavailable', {}, '{"ok":false}'))).toEqual({ error: 'http_503', transient: true });
    expect(classifySlackError(new webApi.WebAPIRateLimitedError(7))).toEqual({ error: 'ratelimited', transient: true, retryAfterMs: 7000 });
    // What the client throws once a 429 outlasted its own retries.
    expect(classifySlackError(new Error('A rate limit was exceeded (url: https://slack.com/api/chat.postMessage, retry-after: 3)'))).toEqual({
      error: 'ratelimited',
      transient: true,
      retryAfterMs: 3000,
    });
    expect(classifySlackError(new webApi.WebAPIRequestError(new Error('connect ECONNREFUSED 127.0.0.1:9')))).toMatchObject({ transient: true });
    expect(classifySlackError(new Error('connection terminated'))).toEqual({ error: 'connection terminated', transient: true });
  });

  it('keeps a message owed when the history search for its earlier post could not read the whole window', () => {
    // Posting again could duplicate a message Slack already shows; owed, it is tried again and given up at the horizon.
    expect(classifySlackError(new HistoryTooLongError('C1'))).toMatchObject({ transient: true });
  });
});
