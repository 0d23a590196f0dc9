-- The audit log: append-only, each entry holding the hash of the one before,
-- so an entry altered, removed or reordered breaks the chain. It names
-- subjects by their opaque id, never by anything personal.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    subject   TEXT,
    detail    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log (actor, seq);
