-- The vault's tables. Only custodian-vault reads or writes them, through
-- Store::personal_data(); nothing here is plaintext personal data.

-- Keys the vault needs besides subject keys (the blind-index key), each
-- wrapped under the master key named by master_key_id.
CREATE TABLE vault_keys (
    name          TEXT    PRIMARY KEY,
    wrapped       BLOB    NOT NULL,
    master_key_id TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

-- A person. Found by a keyed hash of their email address (never the
-- address), or, while provisional, by a hash of their anonymous session.
-- Their data key is stored only wrapped; deleting this row destroys it.
CREATE TABLE subjects (
    id            TEXT    PRIMARY KEY,
    email_index   BLOB    UNIQUE,
    session_index BLOB    UNIQUE,
    verified      INTEGER NOT NULL,
    wrapped_key   BLOB    NOT NULL,
    master_key_id TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

-- One personal value, encrypted under its subject's key with the record id,
-- field and subject bound in as associated data. Category, purpose and
-- source come from the policy; the deadline from the purpose's retention
-- rule, and stays empty until the event it hangs on happens.
CREATE TABLE records (
    id              TEXT    PRIMARY KEY,
    subject_id      TEXT    NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    category        TEXT    NOT NULL,
    purpose         TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    field           TEXT    NOT NULL,
    collected_at    INTEGER NOT NULL,
    retention_event TEXT    NOT NULL,
    event_at        INTEGER,
    delete_after    INTEGER,
    ciphertext      BLOB    NOT NULL
);
CREATE INDEX records_by_subject ON records (subject_id);
CREATE INDEX records_by_deadline ON records (delete_after);
CREATE INDEX records_by_source ON records (source, retention_event);

-- What is left after an erasure: when, and how much was kept and why.
-- Nothing that identifies the person.
CREATE TABLE tombstones (
    subject_id TEXT    PRIMARY KEY,
    erased_at  INTEGER NOT NULL,
    deleted    INTEGER NOT NULL,
    kept       INTEGER NOT NULL
);
