-- Where a series' occurrences really are, for the external policy.
--
-- time_zone is the series' IANA zone name (Europe/Oslo), resolved from the
-- invitation's TZID (Windows names included): the policy expands the RRULE
-- at the series' local wall time, so a weekly 09:00 meeting stays at 09:00
-- across daylight saving changes. '' is UTC or unknown (rows written
-- before this migration): expanded in UTC.
--
-- moved_occurrences are the occurrences an exception (RECURRENCE-ID) moved:
-- a JSON array of {"original": ..., "start": ..., "end": ...}, instants in
-- UTC. The policy answers for them at their new time, not at the original.
ALTER TABLE scheduled_conferences ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduled_conferences ADD COLUMN moved_occurrences TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(moved_occurrences));
