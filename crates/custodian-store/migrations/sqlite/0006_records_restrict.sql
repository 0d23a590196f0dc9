-- Records no longer vanish with their subject (ON DELETE CASCADE): a subject
-- can only be deleted once its records are, so a race between deleting a
-- subject and storing a record fails loudly instead of silently losing an
-- acknowledged record. SQLite cannot alter a constraint: rebuild the table.
CREATE TABLE records_new (
    id              TEXT    PRIMARY KEY,
    subject_id      TEXT    NOT NULL REFERENCES subjects (id),
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
INSERT INTO records_new SELECT id, subject_id, category, purpose, source, field, collected_at, retention_event, event_at, delete_after, ciphertext FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_by_subject ON records (subject_id);
CREATE INDEX records_by_deadline ON records (delete_after);
CREATE INDEX records_by_source ON records (source, retention_event);
