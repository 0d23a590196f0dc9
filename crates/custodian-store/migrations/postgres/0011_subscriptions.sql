-- A subscription to email updates. The address, the topics chosen (and a
-- postal address, where the site offers post) are vault records under
-- 'subscriber:<id>'; this row holds only a keyed hash of the address, the
-- hash of the confirmation link, and when it was confirmed. Nothing but
-- the confirmation is sent until then. Only custodian-store/src/personal
-- names it in SQL.
CREATE TABLE subscribers (
    id                 TEXT    PRIMARY KEY,
    subject_id         TEXT    NOT NULL REFERENCES subjects (id),
    email_index        BYTEA   NOT NULL,
    confirm_hash       BYTEA   UNIQUE,
    confirm_expires_at BIGINT NOT NULL,
    confirmed_at       BIGINT,
    created_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX subscribers_by_confirmed_email ON subscribers (email_index) WHERE confirmed_at IS NOT NULL;
CREATE INDEX subscribers_by_subject ON subscribers (subject_id);

-- An update an editor sends: its words are not personal, so they are kept
-- here once, rendered, rather than in every recipient's message. Recipients
-- are queued in pages; `cursor` is the last subscription queued, so a
-- restarted server carries on where it stopped.
CREATE TABLE sends (
    id          TEXT    PRIMARY KEY,
    subject     TEXT    NOT NULL,
    markdown    TEXT    NOT NULL,
    html        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    -- Topic ids, space-separated.
    topics      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    cursor      TEXT    NOT NULL,
    queued      BIGINT NOT NULL,
    queued_all  BIGINT NOT NULL
);
ALTER TABLE outbox ADD COLUMN send_id TEXT;
CREATE INDEX outbox_by_send ON outbox (send_id, status);
-- One message per person per update, however often queueing is resumed.
CREATE UNIQUE INDEX outbox_one_per_recipient ON outbox (send_id, subject_id);
