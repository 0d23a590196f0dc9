-- Browsers counted by the measurement cookie, for people who said yes to
-- it: per site and day, a HyperLogLog sketch of the numbers' keyed hashes
-- and its estimate. No number or hash is stored; sketches of several days
-- merge to count the different browsers over a range.
CREATE TABLE measured_days (
    site     TEXT    NOT NULL,
    -- Days since 1970-01-01, UTC.
    day      BIGINT NOT NULL,
    browsers BIGINT NOT NULL,
    sketch   BYTEA NOT NULL,
    PRIMARY KEY (site, day)
);
