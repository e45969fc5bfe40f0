-- Lists read only these columns, in name order: a covering index answers
-- them without touching the table rows and their settings text.
CREATE INDEX integrations_list ON integrations (name, id, uuid, description, url, room_mailbox,
    authentication_method, enable_dynamic_vmrs, enable_personal_vmrs, updated_at);
