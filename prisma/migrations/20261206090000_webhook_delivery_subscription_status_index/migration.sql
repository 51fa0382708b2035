-- The dispatcher looks, before every claim (about once a second per worker), for pending
-- deliveries of removed webhooks to cancel: one probe per removed webhook on (subscription_id,
-- status). Without it the look-up read every pending delivery (a live receiver that is down
-- leaves tens of thousands) or a removed webhook's whole history.

-- CreateIndex
CREATE INDEX "webhook_deliveries_subscription_id_status_idx" ON "webhook_deliveries"("subscription_id", "status");
