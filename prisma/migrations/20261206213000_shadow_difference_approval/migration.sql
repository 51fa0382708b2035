-- Shadow mode compares what people must do to approve: each side's approval
-- requirement (quorum, role, group, deadline...; null unless it asks for one), and a
-- difference is recorded when only those terms differ. Rows recorded before stay null.

-- AlterTable
ALTER TABLE "shadow_differences" ADD COLUMN "live_approval" JSONB,
ADD COLUMN "shadow_approval" JSONB;
