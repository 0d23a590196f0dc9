-- Site usage statistics from web server logs and the server's own pages:
-- aggregates only. No address, user agent or visitor key is ever stored;
-- a day's visitors are a count and a HyperLogLog sketch of keys hashed
-- under a salt that lived only in the memory of the run that counted them.
CREATE TABLE stats_days (
    site              TEXT    NOT NULL,
    -- Days since 1970-01-01, UTC.
    day               BIGINT  NOT NULL,
    requests          BIGINT  NOT NULL,
    pageviews         BIGINT  NOT NULL,
    visitors          BIGINT  NOT NULL,
    -- 1 while one run counted the whole day (the count is exact); 0 once
    -- runs were merged (the count is the sketch's estimate).
    visitors_exact    BIGINT  NOT NULL,
    goaccess_visitors BIGINT  NOT NULL,
    -- Lines GoAccess would fail (a host name for the client).
    goaccess_invalid  BIGINT  NOT NULL,
    bot_requests      BIGINT  NOT NULL,
    sketch            BYTEA   NOT NULL,
    goaccess_sketch   BYTEA   NOT NULL,
    PRIMARY KEY (site, day)
);

CREATE TABLE stats_pageviews (
    site  TEXT    NOT NULL,
    day   BIGINT  NOT NULL,
    hour  BIGINT  NOT NULL,
    path  TEXT    NOT NULL,
    views BIGINT  NOT NULL,
    PRIMARY KEY (site, day, hour, path)
);

-- Per day: referrer domains, browsers, operating systems, devices,
-- statuses, pages not found, and bots by family.
CREATE TABLE stats_counts (
    site      TEXT    NOT NULL,
    day       BIGINT  NOT NULL,
    dimension TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    count     BIGINT  NOT NULL,
    PRIMARY KEY (site, day, dimension, value)
);

-- How far each log file has been read, so reading it again counts nothing
-- twice: its identity (device and inode) and a hash of its first line tell
-- a rotated or replaced file from the same one grown.
CREATE TABLE log_files (
    site       TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    identity   TEXT    NOT NULL,
    first_line BYTEA   NOT NULL,
    "offset"   BIGINT  NOT NULL,
    lines      BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (site, path)
);

-- Each ingestion: totals and the first malformed line of each kind.
CREATE TABLE log_runs (
    id          TEXT    PRIMARY KEY,
    site        TEXT    NOT NULL,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT  NOT NULL,
    lines       BIGINT  NOT NULL,
    malformed   BIGINT  NOT NULL,
    report      TEXT    NOT NULL
);
