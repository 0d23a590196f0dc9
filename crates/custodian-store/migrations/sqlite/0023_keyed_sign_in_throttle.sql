-- Failed sign-ins are now counted under a keyed hash of the name tried
-- (HMAC under the vault's index key), not a plain SHA-256 of it, which
-- anyone holding a copy of the database could test names against. The
-- counts kept under the old hashes are only lockout state: start afresh.
DELETE FROM sign_in_throttle;
