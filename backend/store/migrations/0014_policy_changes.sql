-- A counter the external policy watches: every write that can change its
-- answers (a scheduled conference, a reservation, an integration) bumps
-- it in the same transaction, so a change is never missed, whatever the
-- order in which workers commit or how their timestamps sort.
CREATE TABLE policy_changes (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    counter INTEGER NOT NULL
);
INSERT INTO policy_changes (id, counter) VALUES (1, 0);

CREATE TRIGGER policy_changes_sc_insert AFTER INSERT ON scheduled_conferences
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER policy_changes_sc_update AFTER UPDATE ON scheduled_conferences
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER policy_changes_sc_delete AFTER DELETE ON scheduled_conferences
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;

CREATE TRIGGER policy_changes_sa_insert AFTER INSERT ON scheduled_aliases
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER policy_changes_sa_update AFTER UPDATE ON scheduled_aliases
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER policy_changes_sa_delete AFTER DELETE ON scheduled_aliases
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;

CREATE TRIGGER policy_changes_in_insert AFTER INSERT ON integrations
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER policy_changes_in_update AFTER UPDATE ON integrations
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER policy_changes_in_delete AFTER DELETE ON integrations
BEGIN UPDATE policy_changes SET counter = counter + 1 WHERE id = 1; END;
