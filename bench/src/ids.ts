import { randomBytes } from 'node:crypto';

const tag = randomBytes(3).toString('hex');
let seq = 0;

/** Unique per process run: workflow ids and idempotency keys never collide across runs on one server. */
export const nextId = (prefix: string): string => `${prefix}-${tag}-${++seq}`;
