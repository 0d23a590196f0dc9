-- Published versions of the privacy notice. A version is immutable once
-- published: /privacy/versions shows each one and the diff between them.
CREATE TABLE policy_versions (
    sequence        BIGINT PRIMARY KEY,
    content_hash    TEXT    NOT NULL,
    published_at    BIGINT  NOT NULL, -- unix seconds, UTC
    policy_json     TEXT    NOT NULL,
    notice_markdown TEXT    NOT NULL
);

-- Sessions shared by every instance. The cookie holds a random id; only its
-- SHA-256 is stored, so reading this table does not let anyone take a
-- session over. `data` holds server state such as one-time messages, never
-- personal data (that goes through the vault).
CREATE TABLE sessions (
    id_hash    BYTEA   PRIMARY KEY,
    data       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Keys every instance must share, such as the one that signs CSRF tokens.
-- Not the vault's master key, which never enters the database.
CREATE TABLE server_secrets (
    name       TEXT    PRIMARY KEY,
    value      BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL
);
