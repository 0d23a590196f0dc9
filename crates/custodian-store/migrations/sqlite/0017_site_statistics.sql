-- Site usage statistics from web server logs and the server's own pages:
-- aggregates only. No address, user agent or visitor key is ever stored;
-- a day's visitors are a count and a HyperLogLog sketch of keys hashed
-- under a salt that lived only in the memory of the run that counted them.
-- On SQLite the tables are WITHOUT ROWID: each is one B-tree ordered by its
-- key, which halves the work of the many upserts an ingestion makes.
CREATE TABLE stats_days (
    site              TEXT    NOT NULL,
    -- Days since 1970-01-01, UTC.
    day               INTEGER NOT NULL,
    requests          INTEGER NOT NULL,
    pageviews         INTEGER NOT NULL,
    visitors          INTEGER NOT NULL,
    -- 1 while one run counted the whole day (the count is exact); 0 once
    -- runs were merged (the count is the sketch's estimate).
    visitors_exact    INTEGER NOT NULL,
    goaccess_visitors INTEGER NOT NULL,
    -- Lines GoAccess would fail (a host name for the client).
    goaccess_invalid  INTEGER NOT NULL,
    bot_requests      INTEGER NOT NULL,
    sketch            BLOB    NOT NULL,
    goaccess_sketch   BLOB    NOT NULL,
    PRIMARY KEY (site, day)
) WITHOUT ROWID;

CREATE TABLE stats_pageviews (
    site  TEXT    NOT NULL,
    day   INTEGER NOT NULL,
    hour  INTEGER NOT NULL,
    path  TEXT    NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (site, day, hour, path)
) WITHOUT ROWID;

-- Per day: referrer domains, browsers, operating systems, devices,
-- statuses, pages not found, and bots by family.
CREATE TABLE stats_counts (
    site      TEXT    NOT NULL,
    day       INTEGER NOT NULL,
    dimension TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (site, day, dimension, value)
) WITHOUT ROWID;

-- How far each log file has been read, so reading it again counts nothing
-- twice: its identity (device and inode) and a hash of its first line tell
-- a rotated or replaced file from the same one grown.
CREATE TABLE log_files (
    site       TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    identity   TEXT    NOT NULL,
    first_line BLOB    NOT NULL,
    "offset"   INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (site, path)
);

-- Each ingestion: totals and the first malformed line of each kind.
CREATE TABLE log_runs (
    id          TEXT    PRIMARY KEY,
    site        TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    lines       INTEGER NOT NULL,
    malformed   INTEGER NOT NULL,
    report      TEXT    NOT NULL
);
