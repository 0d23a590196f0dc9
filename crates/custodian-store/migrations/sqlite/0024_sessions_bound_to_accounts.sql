-- Staff sessions hold the account's id and credential version, never the
-- username: a removed account's name given to someone new does not make
-- an old session theirs. Removing an account, changing its role or its
-- password raises the version and deletes its sessions, found by `owner`.
ALTER TABLE staff ADD COLUMN id TEXT;
UPDATE staff SET id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX staff_by_id ON staff (id);
ALTER TABLE staff ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 1;

-- Who a session belongs to (`staff:<id>` or `account:<id>`), so every
-- session of an account can be ended at once. Anonymous sessions have none.
ALTER TABLE sessions ADD COLUMN owner TEXT;
CREATE INDEX sessions_by_owner ON sessions (owner) WHERE owner IS NOT NULL;

-- Server secrets (link signing, CSRF, rate-limit and campaign keys) are
-- sealed under the vault's master key; `sealed` marks those that are. Rows
-- written before this migration are sealed in place at the next start.
ALTER TABLE server_secrets ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
