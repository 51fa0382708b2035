-- CreateTable
CREATE TABLE "slack_seen_requests" (
    "key" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_seen_requests_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "slack_seen_requests_expires_at_idx" ON "slack_seen_requests"("expires_at");
