import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { WebhookReceiver } from './receiver.js';

/** A webhook test file's fresh database and loopback receiver; read them inside tests and hooks (they exist from beforeAll on). */
export interface WebhookTestBed {
  t: TestDatabase;
  receiver: WebhookReceiver;
}

/** Registers the file's hooks: the database and receiver are made before its tests, closed and dropped after. */
export function webhookTestBed(): WebhookTestBed {
  const bed: Partial<WebhookTestBed> = {};
  beforeAll(async () => {
    bed.t = await createTestDatabase();
    bed.receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await bed.receiver?.close();
    await bed.t?.drop();
  });
  return bed as WebhookTestBed;
}
