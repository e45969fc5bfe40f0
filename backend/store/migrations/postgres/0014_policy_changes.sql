-- PostgreSQL form of 0014: the same counter, spread over 64 rows, one per
-- connection (its backend pid picks it, so every statement of a
-- transaction bumps the same row). Instances commit decisions and
-- reservations at once; in serializable transactions two that bump the
-- same row cannot both commit, so one row would make them take turns
-- (and retry). The policy watches the sum, which every committed change
-- still moves.
CREATE TABLE policy_changes (
    id      BIGINT PRIMARY KEY CHECK (id BETWEEN 1 AND 64),
    counter BIGINT NOT NULL
);
INSERT INTO policy_changes (id, counter) SELECT g, 0 FROM generate_series(1, 64) AS g;

CREATE FUNCTION vmr_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    shard bigint := 1 + pg_backend_pid() % 64;
BEGIN
    UPDATE policy_changes SET counter = counter + 1 WHERE id = shard;
    RETURN NULL;
END $$;

CREATE TRIGGER policy_changes_sc AFTER INSERT OR UPDATE OR DELETE ON scheduled_conferences
    FOR EACH STATEMENT EXECUTE FUNCTION vmr_policy_changed();
CREATE TRIGGER policy_changes_sa AFTER INSERT OR UPDATE OR DELETE ON scheduled_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION vmr_policy_changed();
CREATE TRIGGER policy_changes_in AFTER INSERT OR UPDATE OR DELETE ON integrations
    FOR EACH STATEMENT EXECUTE FUNCTION vmr_policy_changed();
