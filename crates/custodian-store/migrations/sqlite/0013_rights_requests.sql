-- A person's request about their data: to see it (access), put it right
-- (correction), delete it (erasure) or stop a use of it (objection), made in
-- the portal or received by post, phone or email and entered by staff. This
-- row holds the clock and the status only; what was asked, the reason for an
-- extension and what staff did are vault records under `request:<id>`.
-- Days are ISO dates (YYYY-MM-DD): the law counts calendar days.
CREATE TABLE rights_requests (
    id                TEXT    PRIMARY KEY,
    reference         TEXT    NOT NULL UNIQUE,
    subject_id        TEXT    NOT NULL,
    -- access, correction, erasure, objection
    kind              TEXT    NOT NULL,
    -- portal, email, post, phone, in_person
    channel           TEXT    NOT NULL,
    received_on       TEXT    NOT NULL,
    -- open, waiting_for_identity, done, refused
    status            TEXT    NOT NULL,
    paused_days       INTEGER NOT NULL DEFAULT 0,
    paused_since      TEXT,
    extended_months   INTEGER NOT NULL DEFAULT 0,
    extension_told_on TEXT,
    -- "portal", or the member of staff who entered it
    entered_by        TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    closed_at         INTEGER
);
CREATE INDEX rights_requests_by_status ON rights_requests (status, received_on);
CREATE INDEX rights_requests_by_subject ON rights_requests (subject_id);

-- One-time codes that prove control of an address for the portal: the
-- keyed hash of the address (as the vault finds people by), a hash of the
-- code, the session it was sent to, and how often it was tried. Counting
-- rows per address limits how many codes an address can be sent.
CREATE TABLE identity_codes (
    id           TEXT    PRIMARY KEY,
    email_index  BLOB   NOT NULL,
    code_hash    BLOB   NOT NULL,
    session_hash BLOB   NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    used_at      INTEGER
);
CREATE INDEX identity_codes_by_email ON identity_codes (email_index, created_at);
