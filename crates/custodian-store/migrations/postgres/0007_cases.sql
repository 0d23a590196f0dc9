-- A message sent through a form, as staff handle it. Its answers are
-- records in the vault (source 'case:<id>'); this row holds only what
-- casework needs to sort and route it: no personal value. It lives as long
-- as its records do: retention and erasure remove a case whose records are
-- all gone. Only custodian-store/src/personal names it in SQL.
CREATE TABLE cases (
    id          TEXT    PRIMARY KEY,
    -- What the person is given on the confirmation page: HAH-7K3M-Q9XD.
    reference   TEXT    NOT NULL UNIQUE,
    form        TEXT    NOT NULL,
    team        TEXT,
    subject_id  TEXT    NOT NULL REFERENCES subjects (id),
    -- new, assigned, replied, closed
    status      TEXT    NOT NULL,
    assigned_to TEXT,
    -- Ids of the consent questions the person answered yes, space-separated.
    permissions TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX cases_by_team ON cases (team, status, created_at);
CREATE INDEX cases_by_subject ON cases (subject_id);
