-- Who made a reservation, as the add-in host proved it: user_key is the
-- user's stable identity (an Exchange identity token's amurl and
-- msexchuid, an Entra tenant and object id, or an issuer and subject),
-- user_verified tells whether user_email was vouched for by the identity
-- provider (1) or only claimed by the pane (0). Reservations made before
-- keep '' and 0: nothing proved who made them.
ALTER TABLE scheduled_aliases ADD COLUMN user_key TEXT NOT NULL DEFAULT '' CHECK (length(user_key) <= 600);
ALTER TABLE scheduled_aliases ADD COLUMN user_verified INTEGER NOT NULL DEFAULT 0 CHECK (user_verified IN (0, 1));
