import { readFile } from 'node:fs/promises';
import { getOpenApi } from '@airlock/console';
import { DEFAULT_RETRY, retryDelayMs } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';

// The retry schedule a receiver's developer reads (docs/WEBHOOKS.md, the OpenAPI document's webhooks) is the one
// the dispatcher runs: the numbers are read from both and compared with DEFAULT_RETRY.

const DOC = new URL('../../../docs/WEBHOOKS.md', import.meta.url);

const waits = Array.from({ length: DEFAULT_RETRY.maxAttempts - 1 }, (_, i) => retryDelayMs(DEFAULT_RETRY, i + 1));
const schedule = {
  firstWaitSeconds: DEFAULT_RETRY.baseDelayMs / 1000,
  capHours: DEFAULT_RETRY.maxDelayMs / 3_600_000,
  attempts: DEFAULT_RETRY.maxAttempts,
  lastAfterHours: (waits.reduce((sum, ms) => sum + ms, 0) / 3_600_000).toFixed(1),
};

describe('the documented webhook retry schedule', () => {
  it('docs/WEBHOOKS.md states the schedule DEFAULT_RETRY makes', async () => {
    const text = (await readFile(DOC, 'utf8')).replace(/\s+/g, ' ');
    const stated =
      /`AIRLOCK_WEBHOOKS_RETRY_BASE_MS` \(default (\d+) s\) after the first failure, doubling \(±20% jitter\) up to (\d+) h, for (\d+) attempts \(the last about ([\d.]+) h after the first/.exec(
        text,
      );
    expect(stated, 'the Delivery section states the schedule').not.toBeNull();
    const [, first, cap, attempts, last] = stated!;
    expect({ firstWaitSeconds: Number(first), capHours: Number(cap), attempts: Number(attempts), lastAfterHours: last }).toEqual(schedule);
  });

  it('the served OpenAPI document states it for every webhook', async () => {
    const document = (await (await getOpenApi()).json()) as { webhooks: Record<string, { post: { responses: { default: { description: string } } } }> };
    const expected = `${schedule.firstWaitSeconds} s doubling (±20% jitter) to a ${schedule.capHours} h cap, ${schedule.attempts} attempts over about ${schedule.lastAfterHours} h`;
    for (const [type, webhook] of Object.entries(document.webhooks)) expect(webhook.post.responses.default.description, type).toContain(expected);
  });
});
