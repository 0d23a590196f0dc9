-- Staff accounts. The password is an Argon2id hash; the TOTP secret is
-- sealed by the vault; totp_last_step stops a code being used twice.
CREATE TABLE staff (
    username       TEXT    PRIMARY KEY,
    role           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    totp_sealed    BLOB    NOT NULL,
    totp_last_step INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);

-- Failed sign-ins per account (keyed by a hash), shared by every instance.
CREATE TABLE sign_in_throttle (
    key_hash     BLOB    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);
