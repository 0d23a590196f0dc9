//! Spans of days the statistics are summed over besides single days: weeks
//! (day / 7) and blocks of four weeks (day / 28), written in the same
//! transaction as the days. A long range is read as the whole blocks inside
//! it, the whole weeks either side of those, and the days at either end:
//! a year is 12 or 13 blocks, at most 3 weeks and 6 days at either end,
//! not 365 days.

use std::collections::BTreeMap;

use super::DayCounts;

pub const DAYS_PER_WEEK: i64 = 7;
pub const DAYS_PER_BLOCK: i64 = 4 * DAYS_PER_WEEK;

/// Where one kind of span's sums are kept.
pub struct SpanTables {
    pub pages: &'static str,
    pub counts: &'static str,
    /// The column that numbers the spans: day / `days`.
    pub column: &'static str,
    pub days: i64,
}

pub const TABLES: [SpanTables; 2] = [
    SpanTables {
        pages: "stats_page_weeks",
        counts: "stats_count_weeks",
        column: "week",
        days: DAYS_PER_WEEK,
    },
    SpanTables {
        pages: "stats_page_blocks",
        counts: "stats_count_blocks",
        column: "block",
        days: DAYS_PER_BLOCK,
    },
];

/// An inclusive range of span numbers; empty when first > last.
pub type Range = (i64, i64);

const EMPTY: Range = (1, 0);

/// A range of days as whole blocks, whole weeks and single days, each part
/// in its own unit, which together cover every day once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub blocks: Range,
    /// Before the blocks and after them.
    pub weeks: [Range; 2],
    /// At the start of the range and at its end.
    pub days: [Range; 2],
}

fn is_empty((first, last): Range) -> bool {
    first > last
}

/// The spans of `len` days that lie wholly within days `from..=to`.
fn whole_spans(from: i64, to: i64, len: i64) -> Option<Range> {
    let first = (from + len - 1).div_euclid(len);
    let last = (to + 1).div_euclid(len) - 1;
    (first <= last).then_some((first, last))
}

/// Days `from..=to` as the whole weeks inside and the days either side.
fn split_weeks(from: i64, to: i64) -> (Range, Range, Range) {
    match whole_spans(from, to, DAYS_PER_WEEK) {
        Some((first, last)) => (
            (first, last),
            (from, first * DAYS_PER_WEEK - 1),
            ((last + 1) * DAYS_PER_WEEK, to),
        ),
        None => (EMPTY, (from, to), EMPTY),
    }
}

pub fn split(from: i64, to: i64) -> Split {
    match whole_spans(from, to, DAYS_PER_BLOCK) {
        None => {
            let (weeks, head, tail) = split_weeks(from, to);
            Split {
                blocks: EMPTY,
                weeks: [weeks, EMPTY],
                days: [head, tail],
            }
        }
        Some((first, last)) => {
            // Blocks start and end on weeks' edges, so each part beside
            // them has days left over at one end at most.
            let (weeks_before, head, tail) = split_weeks(from, first * DAYS_PER_BLOCK - 1);
            let days_before = if is_empty(head) { tail } else { head };
            let (weeks_after, head, tail) = split_weeks((last + 1) * DAYS_PER_BLOCK, to);
            let days_after = if is_empty(head) { tail } else { head };
            Split {
                blocks: (first, last),
                weeks: [weeks_before, weeks_after],
                days: [days_before, days_after],
            }
        }
    }
}

/// Where a split's parts are read from: the blocks', weeks' and days'
/// tables, the two columns to read (a name and a number), and the filter
/// besides the site, whose parameters come after `$1`.
pub struct TopQuery {
    pub tables: [&'static str; 3],
    pub key: &'static str,
    pub number: &'static str,
    pub filter: &'static str,
    pub filter_parameters: usize,
}

pub const TOP_PAGES: TopQuery = TopQuery {
    tables: ["stats_page_blocks", "stats_page_weeks", "stats_page_days"],
    key: "path",
    number: "views",
    filter: "",
    filter_parameters: 0,
};

pub const TOP_VALUES: TopQuery = TopQuery {
    tables: ["stats_count_blocks", "stats_count_weeks", "stats_counts"],
    key: "value",
    number: "count",
    filter: " AND dimension = $2",
    filter_parameters: 1,
};

impl TopQuery {
    /// The largest totals over the five parts of a split: bind the site,
    /// the filter's parameters, the split ([`bind_split!`]) and the limit.
    pub fn sql(&self) -> String {
        let TopQuery { key, number, .. } = self;
        let mut next = 2 + self.filter_parameters;
        let mut part = |table: &str, column: &str| {
            let sql = format!(
                "SELECT {key}, {number} FROM {table} WHERE site = $1{} AND {column} >= ${} AND {column} <= ${}",
                self.filter,
                next,
                next + 1
            );
            next += 2;
            sql
        };
        let [blocks, weeks, days] = self.tables;
        let parts = [
            part(blocks, "block"),
            part(weeks, "week"),
            part(weeks, "week"),
            part(days, "day"),
            part(days, "day"),
        ];
        format!(
            "SELECT {key}, CAST(SUM({number}) AS BIGINT) AS total FROM ({}) AS parts \
             GROUP BY {key} ORDER BY total DESC, {key} LIMIT ${next}",
            parts.join(" UNION ALL ")
        )
    }
}

/// Binds a split's ten bounds in the order [`TopQuery::sql`] numbers them.
macro_rules! bind_split {
    ($query:expr, $split:expr) => {
        $query
            .bind($split.blocks.0)
            .bind($split.blocks.1)
            .bind($split.weeks[0].0)
            .bind($split.weeks[0].1)
            .bind($split.weeks[1].0)
            .bind($split.weeks[1].1)
            .bind($split.days[0].0)
            .bind($split.days[0].1)
            .bind($split.days[1].0)
            .bind($split.days[1].1)
    };
}
pub(crate) use bind_split;

/// One span's share of an ingestion: pages `(path, views)` and counts
/// `(dimension, value, count)`, summed over the span's days.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sums<'a> {
    pub pages: Vec<(&'a str, i64)>,
    pub counts: Vec<(&'static str, &'a str, i64)>,
}

/// The days' pages and counts summed by spans of `len` days, so that an
/// ingestion covering several days of a span writes each of its rows once.
/// Added day by day, PostgreSQL would keep a dead version of the row for
/// every day (one transaction cannot reuse its own), and a year's weekly
/// table would read seven times the pages it holds.
pub fn sums(days: &[DayCounts], len: i64) -> BTreeMap<i64, Sums<'_>> {
    let mut pages: BTreeMap<i64, BTreeMap<&str, i64>> = BTreeMap::new();
    let mut counts: BTreeMap<i64, BTreeMap<(&'static str, &str), i64>> = BTreeMap::new();
    for d in days {
        let span = d.day.div_euclid(len);
        let span_pages = pages.entry(span).or_default();
        for (path, hours) in &d.page_hours {
            *span_pages.entry(path.as_str()).or_default() += hours.iter().sum::<i64>();
        }
        let span_counts = counts.entry(span).or_default();
        for (dimension, value, n) in &d.counts {
            *span_counts.entry((*dimension, value.as_str())).or_default() += n;
        }
    }
    let mut spans: BTreeMap<i64, Sums<'_>> = BTreeMap::new();
    for (span, paths) in pages {
        spans.entry(span).or_default().pages = paths.into_iter().collect();
    }
    for (span, values) in counts {
        spans.entry(span).or_default().counts =
            values.into_iter().map(|((d, v), n)| (d, v, n)).collect();
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The days a split covers, each as often as it is covered.
    fn covered(s: &Split) -> Vec<i64> {
        let mut days = Vec::new();
        let mut add = |(first, last): Range, len: i64| {
            for span in first..=last {
                days.extend(span * len..(span + 1) * len);
            }
        };
        add(s.blocks, DAYS_PER_BLOCK);
        for weeks in s.weeks {
            add(weeks, DAYS_PER_WEEK);
        }
        for days in s.days {
            add(days, 1);
        }
        days.sort_unstable();
        days
    }

    #[test]
    fn every_range_is_covered_once_by_its_blocks_weeks_and_days() {
        for from in 0..120 {
            for to in from..from + 150 {
                let s = split(from, to);
                assert_eq!(
                    covered(&s),
                    (from..=to).collect::<Vec<_>>(),
                    "{from}..={to}"
                );
                let rows = |(a, b): Range| (b - a + 1).max(0);
                assert!(rows(s.weeks[0]) <= 3 && rows(s.weeks[1]) <= 3 || rows(s.blocks) == 0);
                assert!(rows(s.days[0]) + rows(s.days[1]) <= 12);
            }
        }
    }

    #[test]
    fn the_top_query_numbers_its_parameters_in_binding_order() {
        let sql = TOP_VALUES.sql();
        assert!(sql.contains(
            "stats_count_blocks WHERE site = $1 AND dimension = $2 AND block >= $3 AND block <= $4"
        ));
        assert!(sql.contains(
            "stats_counts WHERE site = $1 AND dimension = $2 AND day >= $11 AND day <= $12"
        ));
        assert!(sql.ends_with("LIMIT $13"), "{sql}");
        let sql = TOP_PAGES.sql();
        assert!(
            sql.contains(
                "SELECT path, views FROM stats_page_blocks WHERE site = $1 AND block >= $2"
            )
        );
        assert!(sql.ends_with("LIMIT $12"), "{sql}");
    }

    #[test]
    fn a_range_is_whole_blocks_then_weeks_then_days() {
        // Days 10 to 100: block 1 is days 28-55, block 2 is 56-83; week 2 is
        // 14-20, week 3 is 21-27, week 12 is 84-90, week 13 is 91-97.
        assert_eq!(
            split(10, 100),
            Split {
                blocks: (1, 2),
                weeks: [(2, 3), (12, 13)],
                days: [(10, 13), (98, 100)],
            }
        );
        // Inside one block: weeks and days only.
        assert_eq!(
            split(10, 30),
            Split {
                blocks: EMPTY,
                weeks: [(2, 3), EMPTY],
                days: [(10, 13), (28, 30)],
            }
        );
        // Inside one week: days only.
        assert_eq!(
            split(15, 18),
            Split {
                blocks: EMPTY,
                weeks: [EMPTY, EMPTY],
                days: [(15, 18), EMPTY],
            }
        );
    }

    #[test]
    fn days_of_one_span_are_summed_into_one_row_each() {
        let day = |day: i64, views: i64| DayCounts {
            day,
            page_hours: vec![("/a".to_owned(), {
                let mut hours = [0; 24];
                hours[3] = views;
                hours
            })],
            counts: vec![("browser", "Firefox".to_owned(), views)],
            ..DayCounts::default()
        };
        // Days 13 and 14: weeks 1 and 2; 15 and 16 also week 2.
        let days = [day(13, 1), day(14, 2), day(15, 3), day(16, 4)];
        let weeks = sums(&days, DAYS_PER_WEEK);
        assert_eq!(weeks.len(), 2);
        assert_eq!(
            weeks[&1],
            Sums {
                pages: vec![("/a", 1)],
                counts: vec![("browser", "Firefox", 1)]
            }
        );
        assert_eq!(weeks[&2].pages, vec![("/a", 9)]);
        assert_eq!(weeks[&2].counts, vec![("browser", "Firefox", 9)]);
        // All four in block 0.
        assert_eq!(sums(&days, DAYS_PER_BLOCK)[&0].pages, vec![("/a", 10)]);
    }
}
