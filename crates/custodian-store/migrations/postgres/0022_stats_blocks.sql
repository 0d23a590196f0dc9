-- Sums over blocks of four weeks (block = day / 28), beside the weekly
-- ones and kept in the same transaction: a year's top pages or browsers
-- then read 12 or 13 blocks and at most 3 weeks and 6 days at either end,
-- about a third of the rows that weeks and days alone need.
CREATE TABLE stats_page_blocks (
    site  TEXT    NOT NULL,
    block BIGINT  NOT NULL,
    path  TEXT    NOT NULL,
    views BIGINT  NOT NULL,
    PRIMARY KEY (site, block, path)
);

CREATE TABLE stats_count_blocks (
    site      TEXT    NOT NULL,
    dimension TEXT    NOT NULL,
    block     BIGINT  NOT NULL,
    value     TEXT    NOT NULL,
    count     BIGINT  NOT NULL,
    PRIMARY KEY (site, dimension, block, value)
);

INSERT INTO stats_page_blocks
SELECT site, week / 4, path, SUM(views) FROM stats_page_weeks GROUP BY site, week / 4, path;

INSERT INTO stats_count_blocks
SELECT site, dimension, week / 4, value, SUM(count) FROM stats_count_weeks GROUP BY site, dimension, week / 4, value;

-- The edge days' pageviews read from the index alone, without visiting
-- each day's wide row of 24 hourly columns.
CREATE INDEX stats_page_days_views ON stats_page_days (site, day) INCLUDE (path, views);
