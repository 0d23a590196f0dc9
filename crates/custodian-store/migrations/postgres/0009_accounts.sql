-- An account for a member of the public. Its email address, user name and
-- password hash are records in the vault (source 'account:<id>'); this row
-- holds only keyed hashes to find it by, and its state. An account lives
-- as long as its records do: retention and erasure remove one whose records
-- are all gone. Only custodian-store/src/personal names it in SQL.
CREATE TABLE accounts (
    id                 TEXT    PRIMARY KEY,
    subject_id         TEXT    NOT NULL UNIQUE REFERENCES subjects (id),
    username_index     BYTEA   NOT NULL UNIQUE,
    email_index        BYTEA   NOT NULL,
    -- Empty until the person follows the link sent to their address.
    verified_at        BIGINT,
    -- Raised when the password or address changes: a session signed in
    -- before then no longer counts.
    credential_version BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    last_sign_in_at    BIGINT
);
-- One verified account per address; unverified ones may wait beside it.
CREATE UNIQUE INDEX accounts_by_verified_email ON accounts (email_index) WHERE verified_at IS NOT NULL;
CREATE INDEX accounts_by_email ON accounts (email_index);

-- Links sent by email (confirm an address, reset a password, confirm a new
-- address): only a hash of the random token is kept; each works once.
CREATE TABLE account_tokens (
    token_hash BYTEA   PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- verify, reset, change_email
    purpose    TEXT    NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX account_tokens_by_account ON account_tokens (account_id);
