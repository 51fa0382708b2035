-- Policy backtest and shadow mode: the signals an agent reported are kept with its
-- action (redacted like the arguments) so a backtest can re-evaluate rules over
-- `result`; one shadow candidate at a time; and only the actions where it
-- disagreed with the live policy (or could not be evaluated).

-- AlterTable
ALTER TABLE "actions" ADD COLUMN "signals" JSONB;

-- CreateTable
CREATE TABLE "shadow_policies" (
    "id" TEXT NOT NULL DEFAULT 'shadow',
    "version" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "set_by" TEXT NOT NULL,
    "set_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shadow_policies_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "shadow_policies_single" CHECK ("id" = 'shadow')
);

-- CreateTable
CREATE TABLE "shadow_differences" (
    "id" BIGSERIAL NOT NULL,
    "action_id" TEXT NOT NULL,
    "shadow_version" TEXT NOT NULL,
    "live_version" TEXT,
    "tool" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "live_decision" TEXT NOT NULL,
    "live_tier" TEXT NOT NULL,
    "live_rules" JSONB NOT NULL DEFAULT '[]',
    "shadow_decision" TEXT,
    "shadow_tier" TEXT,
    "shadow_rules" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "cost_estimate" DECIMAL(18,2),
    "currency" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shadow_differences_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "shadow_differences_action_id_shadow_version_key" ON "shadow_differences"("action_id", "shadow_version");

-- CreateIndex
CREATE INDEX "shadow_differences_shadow_version_created_at_idx" ON "shadow_differences"("shadow_version", "created_at");
