-- A staff account added in the staff area waits here for its person: the
-- SHA-256 of the link emailed to them (the link itself is never stored),
-- good once, until it expires. Until then the account has no password and
-- cannot sign in.
CREATE TABLE staff_enrolments (
    token_hash BLOB    PRIMARY KEY,
    staff_id   TEXT    NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX staff_enrolments_by_staff ON staff_enrolments (staff_id);
