-- Campaign showings. A browser appears only as a keyed hash of the random
-- number in its campaign cookie (set only with the person's consent), with
-- which campaigns it was shown on which days: what the cap needs, kept no
-- longer than the longest cap. It is never joined to anything else.
CREATE TABLE campaign_views (
    browser  BYTEA   NOT NULL,
    campaign TEXT    NOT NULL,
    -- Days since 1970-01-01, UTC.
    day      BIGINT  NOT NULL,
    shows    BIGINT  NOT NULL,
    PRIMARY KEY (browser, campaign, day)
);
CREATE INDEX campaign_views_by_day ON campaign_views (day);

-- Per campaign per day, totals only: every showing, the showings to
-- browsers without the cookie (uncapped), and reach (distinct numbers).
CREATE TABLE campaign_days (
    campaign      TEXT    NOT NULL,
    day           BIGINT  NOT NULL,
    shows         BIGINT  NOT NULL,
    uncounted     BIGINT  NOT NULL,
    reach         BIGINT  NOT NULL,
    PRIMARY KEY (campaign, day)
);

-- The last good copy of each imported campaign feed.
CREATE TABLE campaign_feeds (
    url        TEXT    PRIMARY KEY,
    body       TEXT    NOT NULL,
    fetched_at BIGINT  NOT NULL
);
