-- The delivery log is filtered by event id (REST eventId=, CLI --event, the console's
-- /webhooks?eventId=): the `webhook-id` a receiver saw, to find every delivery of it.

-- CreateIndex
CREATE INDEX "webhook_deliveries_event_id_idx" ON "webhook_deliveries"("event_id");
