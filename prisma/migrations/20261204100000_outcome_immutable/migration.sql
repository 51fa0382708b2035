-- An outcome, once recorded, never changes (issue 11, item 2): the kill switch or a
-- late completion may not rewrite an executed or denied action as cancelled.
-- Writers also guard with `WHERE outcome IS NULL`; this refuses any other path.
CREATE FUNCTION actions_outcome_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.outcome IS NOT NULL AND (NEW.outcome IS DISTINCT FROM OLD.outcome OR NEW.status IS DISTINCT FROM OLD.status) THEN
    RAISE EXCEPTION 'action %: its outcome (%) is recorded and never changes', OLD.id, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER actions_outcome_immutable BEFORE UPDATE ON actions FOR EACH ROW EXECUTE FUNCTION actions_outcome_immutable();
