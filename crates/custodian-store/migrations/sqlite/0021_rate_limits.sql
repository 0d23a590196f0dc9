-- Attempts per client per minute, shared by every instance so that a limit
-- holds however many serve the site. The client is 20 bits of a keyed hash
-- of its address: about 4,000 IPv4 addresses share each value, so no row
-- can name anyone. Rows of earlier minutes are deleted as new ones come.
CREATE TABLE rate_limits (
    -- What is limited: `submissions`.
    bucket   TEXT   NOT NULL,
    client   BIGINT NOT NULL,
    -- Minutes since 1970-01-01, UTC.
    minute   BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (bucket, client, minute)
);
CREATE INDEX rate_limits_by_minute ON rate_limits (minute);
