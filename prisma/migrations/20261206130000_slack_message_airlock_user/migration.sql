-- A direct message's row names its Airlock recipient, so a users.lookupByEmail that fails after the DM
-- was claimed or posted (a restart, an expired cache) finds that row instead of owing an unresolved
-- airlock-user:<id> row, which would be audited as given up while Slack shows the DM. Null on other rows.

-- AlterTable
ALTER TABLE "slack_messages" ADD COLUMN "airlock_user_id" TEXT;

-- Existing direct messages whose recipient is known without Slack: an unresolved row names them in its
-- target, a linked Slack account by its link. (One found by email is named from its next claim on.)
UPDATE "slack_messages" SET "airlock_user_id" = substr("target", length('airlock-user:') + 1)
WHERE "kind" = 'direct' AND "target" LIKE 'airlock-user:%';
UPDATE "slack_messages" m SET "airlock_user_id" = l."user_id"
FROM "slack_user_links" l WHERE m."kind" = 'direct' AND m."airlock_user_id" IS NULL AND l."slack_user_id" = m."target";
