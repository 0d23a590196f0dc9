-- Pageviews per day and path, with the day's 24 hours as columns: one row
-- where there were up to 24, so an ingestion writes a twentieth of the rows
-- and a year's top pages read a few hundred thousand rows, not millions.
CREATE TABLE stats_page_days (
    site  TEXT    NOT NULL,
    day   INTEGER NOT NULL,
    path  TEXT    NOT NULL,
    views INTEGER NOT NULL,
    h00    INTEGER NOT NULL,
    h01    INTEGER NOT NULL,
    h02    INTEGER NOT NULL,
    h03    INTEGER NOT NULL,
    h04    INTEGER NOT NULL,
    h05    INTEGER NOT NULL,
    h06    INTEGER NOT NULL,
    h07    INTEGER NOT NULL,
    h08    INTEGER NOT NULL,
    h09    INTEGER NOT NULL,
    h10    INTEGER NOT NULL,
    h11    INTEGER NOT NULL,
    h12    INTEGER NOT NULL,
    h13    INTEGER NOT NULL,
    h14    INTEGER NOT NULL,
    h15    INTEGER NOT NULL,
    h16    INTEGER NOT NULL,
    h17    INTEGER NOT NULL,
    h18    INTEGER NOT NULL,
    h19    INTEGER NOT NULL,
    h20    INTEGER NOT NULL,
    h21    INTEGER NOT NULL,
    h22    INTEGER NOT NULL,
    h23    INTEGER NOT NULL,
    PRIMARY KEY (site, day, path)
) WITHOUT ROWID;

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
