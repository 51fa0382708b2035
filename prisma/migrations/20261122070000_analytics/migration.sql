-- Indexes for the console at scale (bench/CONSOLE.md has the measurements).
-- Plain CREATE INDEX: the migrator runs each migration in one transaction, where
-- CONCURRENTLY is not allowed; on a large existing log this blocks audit appends
-- while the indexes build (7.6 s in all on a million audit rows here, bench/CONSOLE.md).

-- Analytics windows: requests by creation time, rounds by closing time,
-- decisions by decision time, money by when it last moved.
-- CreateIndex
CREATE INDEX "actions_created_at_idx" ON "actions"("created_at");

-- CreateIndex
CREATE INDEX "approvals_closed_at_idx" ON "approvals"("closed_at");

-- CreateIndex
CREATE INDEX "approval_decisions_decided_at_idx" ON "approval_decisions"("decided_at");

-- CreateIndex
CREATE INDEX "budget_reservations_updated_at_idx" ON "budget_reservations"("updated_at");

-- The inbox's tool menu: the distinct tools of actions waiting now, from the index alone.
-- CreateIndex
CREATE INDEX "actions_status_tool_idx" ON "actions"("status", "tool");

-- Audit log filters, newest first by seq: a page reads 51 index entries, however rare the match.
-- CreateIndex
CREATE INDEX "audit_events_actor_seq_idx" ON "audit_events"("actor", "seq");

-- CreateIndex
CREATE INDEX "audit_events_type_seq_idx" ON "audit_events"("type", "seq");

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at");
