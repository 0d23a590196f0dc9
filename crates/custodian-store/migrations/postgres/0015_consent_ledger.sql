-- The consent ledger: one receipt per consent given, refused or withdrawn.
-- Only added to, never changed. Nothing here is personal by itself: the
-- subject is an opaque id (none for a visitor without an account, whose
-- cookie holds the random `visitor` id instead), and the words are the
-- policy's own.
CREATE TABLE consent_receipts (
    id             TEXT    PRIMARY KEY,
    subject_id     TEXT,
    visitor        TEXT,
    -- cookies:<category>, topic:<id> or case:<case id>:<question>
    scope          TEXT    NOT NULL,
    purpose        TEXT    NOT NULL,
    -- 1 given, 0 refused or withdrawn
    given          BIGINT  NOT NULL,
    policy_version BIGINT  NOT NULL,
    words          TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    at             BIGINT  NOT NULL
);
CREATE INDEX consent_receipts_by_subject ON consent_receipts (subject_id, at);
CREATE INDEX consent_receipts_by_visitor ON consent_receipts (visitor, at);
