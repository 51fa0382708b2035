import type { Db } from '@airlock/db';
import { listDeliveries, OpsError, type DeliveryRecord } from '@airlock/ops';

/** The page's search params as Next hands them over. */
export type SearchParams = Record<string, string | string[] | undefined>;

export interface DeliveryLogView {
  deliveries: DeliveryRecord[];
  /** The event id the log is filtered by, as typed (kept in the field, refused or not). */
  eventId: string;
  /** Why the filter was refused, naming the field; the log is then left empty rather than shown unfiltered. */
  refusal?: string;
}

/**
 * The delivery log for /webhooks?eventId=…: the same use case and validation as
 * REST's `eventId=` and the CLI's `--event`, so a malformed id is refused in the
 * same words, here under the field's label.
 */
export async function deliveryLogFor(db: Db, params: SearchParams): Promise<DeliveryLogView> {
  const given = params.eventId;
  const eventId = (Array.isArray(given) ? given[0] : given)?.trim() ?? '';
  try {
    return { deliveries: await listDeliveries(db, { limit: 100, ...(eventId ? { eventId } : {}) }), eventId };
  } catch (error) {
    if (!(error instanceof OpsError) || error.code !== 'invalid') throw error;
    const issue = error.issues.find((i) => i.path === 'eventId');
    return { deliveries: [], eventId, refusal: `Event id: ${issue?.message ?? error.message}` };
  }
}
