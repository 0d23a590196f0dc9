-- A form sent by someone under the policy's parental consent age waits for
-- a parent or guardian: its case is held (status 'awaiting_guardian', not
-- in any inbox) and this row holds the hash of the link emailed to them.
-- Nothing personal: the address it went to is a vault record of the case.
-- Deciding deletes the row; a case that is never decided is deleted by
-- retention when its records' capped deadlines pass, and the row with it.
CREATE TABLE guardian_requests (
    id         TEXT    PRIMARY KEY,
    case_id    TEXT    NOT NULL UNIQUE REFERENCES cases (id) ON DELETE CASCADE,
    token_hash BLOB    NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
