import { z } from 'zod';
import { isWellFormedText, LONE_SURROGATE_REFUSED } from './json-limits.js';

/**
 * Text an agent or a person sends that Airlock hashes and stores (a rationale, an idempotency key, a
 * decision's comment): no NUL, which PostgreSQL text cannot hold, and no lone surrogate, which canonical
 * JSON cannot hash. Either would fail its write on every retry, after Temporal accepted the request.
 */
export const storedText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => !text.includes('\u0000'), { message: 'must not contain NUL characters' })
    .refine(isWellFormedText, { message: LONE_SURROGATE_REFUSED });
