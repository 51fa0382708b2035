-- CreateEnum
CREATE TYPE "GovernanceScope" AS ENUM ('agent', 'team', 'tenant');

-- CreateEnum
CREATE TYPE "BudgetPeriod" AS ENUM ('day', 'month');

-- AlterTable
ALTER TABLE "users" ADD COLUMN "groups" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "agents" ADD COLUMN "allowed_tools" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "actions" ADD COLUMN "policy_version" TEXT,
ADD COLUMN "guardrail_flags" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN "cost_estimate" DECIMAL(18,2);

-- AlterTable
ALTER TABLE "approvals" ADD COLUMN "round" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "approver_group" TEXT,
ADD COLUMN "escalation_level" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "budget_impact" JSONB;

-- AlterTable
ALTER TABLE "approvals" ALTER COLUMN "deadline" DROP NOT NULL;

-- DropIndex
DROP INDEX "approvals_action_id_key";

-- CreateIndex
CREATE UNIQUE INDEX "approvals_action_id_round_key" ON "approvals"("action_id", "round");

-- AlterTable
ALTER TABLE "approval_decisions" ADD COLUMN "edited_args" JSONB;

-- CreateTable
CREATE TABLE "kill_switches" (
    "id" TEXT NOT NULL,
    "scope" "GovernanceScope" NOT NULL,
    "target" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lifted_at" TIMESTAMPTZ(3),
    "lifted_by" TEXT,

    CONSTRAINT "kill_switches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budgets" (
    "id" TEXT NOT NULL,
    "scope" "GovernanceScope" NOT NULL,
    "target" TEXT NOT NULL,
    "period" "BudgetPeriod" NOT NULL,
    "currency" TEXT NOT NULL,
    "limit_amount" DECIMAL(18,2) NOT NULL,
    "approval_threshold" DECIMAL(18,2),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_usage" (
    "budget_id" TEXT NOT NULL,
    "period_start" DATE NOT NULL,
    "reserved" DECIMAL(18,2) NOT NULL DEFAULT 0,
    "spent" DECIMAL(18,2) NOT NULL DEFAULT 0,

    CONSTRAINT "budget_usage_pkey" PRIMARY KEY ("budget_id","period_start"),
    -- The invariant the conditional UPDATE keeps; the database enforces it too.
    CONSTRAINT "budget_usage_non_negative" CHECK ("reserved" >= 0 AND "spent" >= 0)
);

-- CreateTable
CREATE TABLE "budget_reservations" (
    "id" TEXT NOT NULL,
    "budget_id" TEXT NOT NULL,
    "action_id" TEXT NOT NULL,
    "period_start" DATE NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "status" TEXT NOT NULL,
    "actual_amount" DECIMAL(18,2),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "budget_reservations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_events" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "action_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rate_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "standing_approvals" (
    "id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "tool" TEXT NOT NULL,
    "condition" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "granted_by" TEXT NOT NULL,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_until" TIMESTAMPTZ(3) NOT NULL,
    "max_uses" INTEGER NOT NULL,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "standing_approvals_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "standing_approvals_uses_within_max" CHECK ("uses" >= 0 AND "uses" <= "max_uses")
);

-- CreateTable
CREATE TABLE "standing_approval_uses" (
    "grant_id" TEXT NOT NULL,
    "action_id" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "standing_approval_uses_pkey" PRIMARY KEY ("grant_id","action_id")
);

-- CreateIndex
CREATE INDEX "kill_switches_scope_target_idx" ON "kill_switches"("scope", "target");

-- CreateIndex
CREATE UNIQUE INDEX "budgets_scope_target_period_currency_key" ON "budgets"("scope", "target", "period", "currency");

-- CreateIndex
CREATE UNIQUE INDEX "budget_reservations_budget_id_action_id_key" ON "budget_reservations"("budget_id", "action_id");

-- CreateIndex
CREATE INDEX "budget_reservations_action_id_idx" ON "budget_reservations"("action_id");

-- CreateIndex
CREATE UNIQUE INDEX "rate_events_key_action_id_key" ON "rate_events"("key", "action_id");

-- CreateIndex
CREATE INDEX "rate_events_key_at_idx" ON "rate_events"("key", "at");

-- CreateIndex
CREATE INDEX "standing_approvals_agent_id_tool_idx" ON "standing_approvals"("agent_id", "tool");

-- AddForeignKey
ALTER TABLE "budget_usage" ADD CONSTRAINT "budget_usage_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_reservations" ADD CONSTRAINT "budget_reservations_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "standing_approval_uses" ADD CONSTRAINT "standing_approval_uses_grant_id_fkey" FOREIGN KEY ("grant_id") REFERENCES "standing_approvals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
