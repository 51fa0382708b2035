-- A subscription's event filter is never NULL (empty = every event), as Prisma's
-- String[] with a default expects.

-- AlterTable
ALTER TABLE "webhook_subscriptions" ALTER COLUMN "events" SET DEFAULT ARRAY[]::TEXT[];
UPDATE "webhook_subscriptions" SET "events" = ARRAY[]::TEXT[] WHERE "events" IS NULL;
ALTER TABLE "webhook_subscriptions" ALTER COLUMN "events" SET NOT NULL;
