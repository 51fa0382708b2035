-- Slack deliveries that failed with a passing error (HTTP 5xx, a rate limit, the network) are
-- recorded on their message row instead of only in the notifier's memory: a restart of any
-- length retries them, with the same backoff, until Slack takes them or the notifier gives up
-- (audited as slack.delivery_failed). Null / 0 on every row that owes nothing.

-- AlterTable
ALTER TABLE "slack_messages" ADD COLUMN "owed_since" TIMESTAMPTZ(3),
ADD COLUMN "failed_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "retry_at" TIMESTAMPTZ(3),
ADD COLUMN "last_error" TEXT;

-- CreateIndex
CREATE INDEX "slack_messages_retry_at_idx" ON "slack_messages"("retry_at");
