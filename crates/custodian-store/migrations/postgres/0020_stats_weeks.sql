-- Weekly sums of the daily pageviews and counts (week = day / 7), kept in
-- the same transaction as the days: a year's top pages or browsers then
-- read 52 weeks and at most 12 edge days, not 365 days of rows.
CREATE TABLE stats_page_weeks (
    site  TEXT    NOT NULL,
    week  BIGINT  NOT NULL,
    path  TEXT    NOT NULL,
    views BIGINT  NOT NULL,
    PRIMARY KEY (site, week, path)
);

CREATE TABLE stats_count_weeks (
    site      TEXT    NOT NULL,
    dimension TEXT    NOT NULL,
    week      BIGINT  NOT NULL,
    value     TEXT    NOT NULL,
    count     BIGINT  NOT NULL,
    PRIMARY KEY (site, dimension, week, value)
);

INSERT INTO stats_page_weeks
SELECT site, day / 7, path, SUM(views) FROM stats_page_days GROUP BY site, day / 7, path;

INSERT INTO stats_count_weeks
SELECT site, dimension, day / 7, value, SUM(count) FROM stats_counts GROUP BY site, dimension, day / 7, value;

-- The edge days of a range, one dimension at a time.
CREATE INDEX stats_counts_by_dimension ON stats_counts (site, dimension, day);
