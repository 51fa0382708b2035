-- Operator management without SQL: disabling agents and users, key expiry,
-- and the policy each worker runs (so the console shows the live one).

-- A disabled agent is refused at admission and its keys stop working; the row stays for the audit trail.
-- AlterTable
ALTER TABLE "agents" ADD COLUMN "disabled_at" TIMESTAMPTZ(3);

-- A disabled user can no longer sign in, call the API or decide.
-- AlterTable
ALTER TABLE "users" ADD COLUMN "disabled_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN "expires_at" TIMESTAMPTZ(3);

-- One row per worker process: the policy it loaded last (written at start and on every reload).
-- CreateTable
CREATE TABLE "policy_runtimes" (
    "worker_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "loaded_at" TIMESTAMPTZ(3) NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "policy_runtimes_pkey" PRIMARY KEY ("worker_id")
);

-- CreateIndex
CREATE INDEX "policy_runtimes_loaded_at_idx" ON "policy_runtimes"("loaded_at");
