-- Sums over blocks of four weeks (block = day / 28), beside the weekly
-- ones and kept in the same transaction: a year's top pages or browsers
-- then read 12 or 13 blocks and at most 3 weeks and 6 days at either end,
-- about a third of the rows that weeks and days alone need.
CREATE TABLE stats_page_blocks (
    site  TEXT    NOT NULL,
    block INTEGER NOT NULL,
    path  TEXT    NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (site, block, path)
) WITHOUT ROWID;

CREATE TABLE stats_count_blocks (
    site      TEXT    NOT NULL,
    dimension TEXT    NOT NULL,
    block     INTEGER NOT NULL,
    value     TEXT    NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (site, dimension, block, value)
) WITHOUT ROWID;

INSERT INTO stats_page_blocks
SELECT site, week / 4, path, SUM(views) FROM stats_page_weeks GROUP BY site, week / 4, path;

INSERT INTO stats_count_blocks
SELECT site, dimension, week / 4, value, SUM(count) FROM stats_count_weeks GROUP BY site, dimension, week / 4, value;

-- PostgreSQL also gets a covering index for the edge days' pageviews; here
-- the days' table is already stored in its key's order (WITHOUT ROWID).
