-- Each time personal data is passed outside the organisation: to whom (a
-- recipient id from the policy), whether the full message or a version
-- with identifying answers removed, by which member of staff and when.
-- Why, and the address it went to, are kept with the case in the vault.
-- Nothing here is personal: the subject is an opaque id.
CREATE TABLE disclosures (
    id         TEXT    PRIMARY KEY,
    subject_id TEXT    NOT NULL,
    case_id    TEXT,
    recipient  TEXT    NOT NULL,
    -- full, or redacted
    version    TEXT    NOT NULL,
    -- permission (the person agreed), or none (identifying answers removed)
    basis      TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX disclosures_by_subject ON disclosures (subject_id);
