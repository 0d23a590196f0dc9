-- A subscription from someone under the policy's parental consent age, to
-- topics whose purpose rests on consent, waits for a parent or guardian
-- once its owner has confirmed their address: this holds the hash of the
-- link emailed to the parent and when it stops working. Until they agree
-- the subscription is not confirmed, so nothing is sent to it; silence
-- lets retention delete it when the link expires.
ALTER TABLE subscribers ADD COLUMN guardian_hash BYTEA;
ALTER TABLE subscribers ADD COLUMN guardian_expires_at BIGINT;
CREATE UNIQUE INDEX subscribers_by_guardian_link ON subscribers (guardian_hash);
