-- CreateTable
CREATE TABLE "slack_messages" (
    "action_id" TEXT NOT NULL,
    "round" INTEGER NOT NULL,
    "target" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT,
    "ts" TEXT,
    "rendered_hash" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_messages_pkey" PRIMARY KEY ("action_id","round","target")
);

-- CreateTable
CREATE TABLE "slack_user_links" (
    "slack_user_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_user_links_pkey" PRIMARY KEY ("slack_user_id")
);

-- CreateTable
CREATE TABLE "audit_cursors" (
    "consumer" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_cursors_pkey" PRIMARY KEY ("consumer")
);

-- CreateIndex
CREATE INDEX "slack_user_links_user_id_idx" ON "slack_user_links"("user_id");

-- Wakes audit-log consumers (the Slack notifier) the moment an append commits; they
-- read the rows themselves from their cursor, so a missed notification only costs a poll.
-- Statement level: one notification per insert statement, delivered at commit.
CREATE FUNCTION "audit_events_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('airlock_audit', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "audit_events_notify_insert"
  AFTER INSERT ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_notify"();
