-- Outbound mail. The recipient and every personal part of a message live
-- in the vault (source `outbox:<id>`); a row here holds only what the
-- worker needs to schedule it.
CREATE TABLE outbox (
    id              TEXT    PRIMARY KEY,
    subject_id      TEXT    NOT NULL,
    template        TEXT    NOT NULL,
    status          TEXT    NOT NULL, -- queued, sent, failed
    attempts        BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Every delivery attempt, and how it went.
CREATE TABLE outbox_attempts (
    outbox_id TEXT    NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempt   BIGINT  NOT NULL,
    at        BIGINT  NOT NULL,
    outcome   TEXT    NOT NULL, -- sent, retry, failed
    error     TEXT    NOT NULL,
    PRIMARY KEY (outbox_id, attempt)
);

-- Periodic jobs. Time is cut into slots of each job's interval; an
-- instance runs a job only after inserting its (name, slot) row, so however
-- many instances share the database, each slot runs once.
CREATE TABLE job_runs (
    name  TEXT    NOT NULL,
    slot  BIGINT  NOT NULL,
    owner TEXT    NOT NULL,
    at    BIGINT  NOT NULL,
    PRIMARY KEY (name, slot)
);
