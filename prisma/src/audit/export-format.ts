import { z } from 'zod';

/** The export's first line names the format; docs/AUDIT-FORMAT.md is its spec. */
export const EXPORT_FORMAT = 'airlock-audit-export';

export const ExportHeader = z.object({ format: z.literal(EXPORT_FORMAT), version: z.literal(1), exportedAt: z.string() });

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const ExportCheckpointLine = z
  .object({
    kind: z.literal('checkpoint'),
    n: z.number().int().positive(),
    seq: z.number().int().positive(),
    hash: Hex64,
    signedAt: z.string(),
    keyId: z.string(),
    signature: z.string(),
  })
  .transform(({ kind: _kind, ...checkpoint }) => checkpoint);

// Strict: every member is hashed or checked, so one added to a line (an "approvedBy" beside the payload) is refused, not passed over.
export const ExportEventLine = z
  .strictObject({
    kind: z.literal('event'),
    seq: z.number().int().positive(),
    hashVersion: z.number().int(),
    eventKey: z.string(),
    actionId: z.string().nullable(),
    type: z.string(),
    actor: z.string(),
    // Any JSON value: the hash covers it exactly as parsed. Present: a line without one has nothing to hash.
    payload: z.unknown().refine((payload) => payload !== undefined, { message: 'required' }),
    createdAt: z.string(),
    prevHash: Hex64,
    hash: Hex64,
  })
  .transform(({ kind: _kind, ...row }) => row);
