-- Campaign showings. A browser appears only as a keyed hash of the random
-- number in its campaign cookie (set only with the person's consent), with
-- which campaigns it was shown on which days: what the cap needs, kept no
-- longer than the longest cap. It is never joined to anything else.
CREATE TABLE campaign_views (
    browser  BLOB    NOT NULL,
    campaign TEXT    NOT NULL,
    -- Days since 1970-01-01, UTC.
    day      INTEGER NOT NULL,
    shows    INTEGER NOT NULL,
    PRIMARY KEY (browser, campaign, day)
) WITHOUT ROWID;
CREATE INDEX campaign_views_by_day ON campaign_views (day);

-- Per campaign per day, totals only: every showing, the showings to
-- browsers without the cookie (uncapped), and reach (distinct numbers).
CREATE TABLE campaign_days (
    campaign      TEXT    NOT NULL,
    day           INTEGER NOT NULL,
    shows         INTEGER NOT NULL,
    uncounted     INTEGER NOT NULL,
    reach         INTEGER NOT NULL,
    PRIMARY KEY (campaign, day)
) WITHOUT ROWID;

-- The last good copy of each imported campaign feed.
CREATE TABLE campaign_feeds (
    url        TEXT    PRIMARY KEY,
    body       TEXT    NOT NULL,
    fetched_at INTEGER NOT NULL
);
