-- A delivery a worker has claimed and is attempting carries its lease: until it runs out the
-- attempt may be on the wire. Removing the webhook leaves such a delivery to its attempt (counted
-- as in flight in webhook.removed) instead of cancelling it while the receiver may be taking it;
-- the attempt's result is recorded, and a retry it would have led to is cancelled and audited
-- (webhook.delivery_cancelled). Null on every delivery no attempt holds.

-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN "leased_until" TIMESTAMPTZ(3);
