-- How each row's hash was computed: 1 = the canonical JSON before RFC 8785 (every
-- existing row), 2 = RFC 8785 (JCS). Old rows keep verifying under their version.
-- ADD COLUMN with a constant default rewrites no row, so the append-only triggers never fire.
ALTER TABLE "audit_events" ADD COLUMN "hash_version" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "audit_events" ALTER COLUMN "hash_version" SET DEFAULT 2;

-- Signed statements "row seq has hash H", numbered without gaps; also published
-- outside the database (file, webhook, log) so a rewrite by a superuser shows.
CREATE TABLE "audit_checkpoints" (
    "n" BIGINT NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("n")
);

CREATE TRIGGER "audit_checkpoints_no_update_or_delete"
  BEFORE UPDATE OR DELETE ON "audit_checkpoints"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();

CREATE TRIGGER "audit_checkpoints_no_truncate"
  BEFORE TRUNCATE ON "audit_checkpoints"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();
