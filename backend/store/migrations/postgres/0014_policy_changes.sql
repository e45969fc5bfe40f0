-- PostgreSQL form of 0014: the same counter, bumped by one trigger
-- function (SQLite's triggers carry their body inline).
CREATE TABLE policy_changes (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    counter BIGINT NOT NULL
);
INSERT INTO policy_changes (id, counter) VALUES (1, 0);

CREATE FUNCTION vmr_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE policy_changes SET counter = counter + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER policy_changes_sc AFTER INSERT OR UPDATE OR DELETE ON scheduled_conferences
    FOR EACH STATEMENT EXECUTE FUNCTION vmr_policy_changed();
CREATE TRIGGER policy_changes_sa AFTER INSERT OR UPDATE OR DELETE ON scheduled_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION vmr_policy_changed();
CREATE TRIGGER policy_changes_in AFTER INSERT OR UPDATE OR DELETE ON integrations
    FOR EACH STATEMENT EXECUTE FUNCTION vmr_policy_changed();
