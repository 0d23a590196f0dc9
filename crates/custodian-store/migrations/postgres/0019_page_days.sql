-- Pageviews per day and path, with the day's 24 hours as columns: one row
-- where there were up to 24, so an ingestion writes a twentieth of the rows
-- and a year's top pages read a few hundred thousand rows, not millions.
CREATE TABLE stats_page_days (
    site  TEXT    NOT NULL,
    day   BIGINT  NOT NULL,
    path  TEXT    NOT NULL,
    views BIGINT  NOT NULL,
    h00    BIGINT  NOT NULL,
    h01    BIGINT  NOT NULL,
    h02    BIGINT  NOT NULL,
    h03    BIGINT  NOT NULL,
    h04    BIGINT  NOT NULL,
    h05    BIGINT  NOT NULL,
    h06    BIGINT  NOT NULL,
    h07    BIGINT  NOT NULL,
    h08    BIGINT  NOT NULL,
    h09    BIGINT  NOT NULL,
    h10    BIGINT  NOT NULL,
    h11    BIGINT  NOT NULL,
    h12    BIGINT  NOT NULL,
    h13    BIGINT  NOT NULL,
    h14    BIGINT  NOT NULL,
    h15    BIGINT  NOT NULL,
    h16    BIGINT  NOT NULL,
    h17    BIGINT  NOT NULL,
    h18    BIGINT  NOT NULL,
    h19    BIGINT  NOT NULL,
    h20    BIGINT  NOT NULL,
    h21    BIGINT  NOT NULL,
    h22    BIGINT  NOT NULL,
    h23    BIGINT  NOT NULL,
    PRIMARY KEY (site, day, path)
);

INSERT INTO stats_page_days
SELECT site, day, path, SUM(views),
       SUM(CASE WHEN hour = 0 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 1 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 2 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 3 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 4 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 5 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 6 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 7 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 8 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 9 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 10 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 11 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 12 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 13 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 14 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 15 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 16 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 17 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 18 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 19 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 20 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 21 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 22 THEN views ELSE 0 END),
       SUM(CASE WHEN hour = 23 THEN views ELSE 0 END)
FROM stats_pageviews
GROUP BY site, day, path;

DROP TABLE stats_pageviews;
