//! Lengths of time written in plain English: "30 days", "1 year", "six months".
//!
//! Retention rules and cookie lifetimes both use them, so they share one
//! grammar and one error vocabulary.

use std::fmt;

use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

/// A count of calendar units. Months and years are calendar arithmetic, not
/// fixed numbers of seconds, so "1 month after 31 January" is 28/29 February.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub count: u32,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("expected a length of time such as \"30 days\" or \"1 year\", found nothing")]
    Empty,
    #[error("\"{0}\" is not a number: write it in digits (\"6 months\") or words up to twelve")]
    NotANumber(String),
    #[error("\"{0}\" is not a unit of time: use days, weeks, months or years")]
    UnknownUnit(String),
    #[error("a length of time needs a unit after the number, such as \"{0} days\"")]
    MissingUnit(u32),
    #[error("a period of zero keeps nothing: say how long, or use \"until ...\"")]
    Zero,
    #[error(
        "{0} years is longer than any retention this server will compute; keep it under 200 years"
    )]
    TooLong(u32),
}

impl Period {
    /// Parse "30 days", "1 year", "six months". Whitespace and case are free.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let mut words = text.split_whitespace();
        let count_word = words.next().ok_or(PeriodError::Empty)?;
        let count = parse_count(count_word)?;
        let unit_word = words.next().ok_or(PeriodError::MissingUnit(count))?;
        if let Some(extra) = words.next() {
            return Err(PeriodError::UnknownUnit(format!("{unit_word} {extra}")));
        }
        let unit = parse_unit(unit_word)?;
        if count == 0 {
            return Err(PeriodError::Zero);
        }
        let period = Period { count, unit };
        if period.approx_days() > 200 * 366 {
            return Err(PeriodError::TooLong(period.approx_days() / 365));
        }
        Ok(period)
    }

    /// Calendar addition, clamping the day of month ("31 Jan + 1 month" is the
    /// last day of February) so a deadline never lands in the following month.
    pub fn after(&self, start: OffsetDateTime) -> OffsetDateTime {
        match self.unit {
            Unit::Day => start + time::Duration::days(i64::from(self.count)),
            Unit::Week => start + time::Duration::weeks(i64::from(self.count)),
            Unit::Month => add_months(start, self.count),
            Unit::Year => add_months(start, self.count.saturating_mul(12)),
        }
    }

    /// Whether two periods are the same length of time, however written:
    /// "12 months" is "1 year", "14 days" is "2 weeks".
    pub fn same_length(&self, other: &Period) -> bool {
        self.canonical() == other.canonical()
    }

    fn canonical(&self) -> (u32, bool) {
        match self.unit {
            Unit::Day => (self.count, false),
            Unit::Week => (self.count.saturating_mul(7), false),
            Unit::Month => (self.count, true),
            Unit::Year => (self.count.saturating_mul(12), true),
        }
    }

    /// A lower bound in days: a cookie given this many days never outlasts
    /// the period, whatever the calendar.
    pub fn least_days(&self) -> u32 {
        let per = match self.unit {
            Unit::Day => 1,
            Unit::Week => 7,
            Unit::Month => 28,
            Unit::Year => 365,
        };
        self.count.saturating_mul(per)
    }

    /// An upper bound in days, for cookie Max-Age and sanity limits.
    pub fn approx_days(&self) -> u32 {
        let per = match self.unit {
            Unit::Day => 1,
            Unit::Week => 7,
            Unit::Month => 31,
            Unit::Year => 366,
        };
        self.count.saturating_mul(per)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Year => "year",
        };
        let plural = if self.count == 1 { "" } else { "s" };
        write!(f, "{} {unit}{plural}", self.count)
    }
}

fn parse_count(word: &str) -> Result<u32, PeriodError> {
    const WORDS: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    let lower = word.to_ascii_lowercase();
    if let Some(n) = WORDS.iter().position(|w| *w == lower) {
        return u32::try_from(n).map_err(|_| PeriodError::NotANumber(word.to_owned()));
    }
    if lower == "a" || lower == "an" {
        return Ok(1);
    }
    lower
        .parse::<u32>()
        .map_err(|_| PeriodError::NotANumber(word.to_owned()))
}

fn parse_unit(word: &str) -> Result<Unit, PeriodError> {
    match word.to_ascii_lowercase().as_str() {
        "day" | "days" => Ok(Unit::Day),
        "week" | "weeks" => Ok(Unit::Week),
        "month" | "months" => Ok(Unit::Month),
        "year" | "years" => Ok(Unit::Year),
        _ => Err(PeriodError::UnknownUnit(word.to_owned())),
    }
}

fn add_months(start: OffsetDateTime, months: u32) -> OffsetDateTime {
    let zero_based = i64::from(start.month() as u8) - 1 + i64::from(months);
    let year = i64::from(start.year()) + zero_based.div_euclid(12);
    let month_index = u8::try_from(zero_based.rem_euclid(12) + 1).unwrap_or(1);
    let month = Month::try_from(month_index).unwrap_or(Month::January);
    let year = i32::try_from(year).unwrap_or(time::Date::MAX.year());
    let day = start.day().min(time::util::days_in_month(month, year));
    match Date::from_calendar_date(year, month, day) {
        Ok(date) => start.replace_date(date),
        // Only reachable past the year 9999; saturate rather than fail.
        Err(_) => start.replace_date(Date::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_digits_words_and_plurals() {
        assert_eq!(
            Period::parse("30 days"),
            Ok(Period {
                count: 30,
                unit: Unit::Day
            })
        );
        assert_eq!(
            Period::parse("one year"),
            Ok(Period {
                count: 1,
                unit: Unit::Year
            })
        );
        assert_eq!(
            Period::parse(" Six  Months "),
            Ok(Period {
                count: 6,
                unit: Unit::Month
            })
        );
        assert_eq!(
            Period::parse("a week"),
            Ok(Period {
                count: 1,
                unit: Unit::Week
            })
        );
    }

    #[test]
    fn explains_what_is_wrong() {
        assert_eq!(Period::parse(""), Err(PeriodError::Empty));
        assert_eq!(
            Period::parse("3 fortnights"),
            Err(PeriodError::UnknownUnit("fortnights".into()))
        );
        assert_eq!(
            Period::parse("many days"),
            Err(PeriodError::NotANumber("many".into()))
        );
        assert_eq!(Period::parse("3"), Err(PeriodError::MissingUnit(3)));
        assert_eq!(Period::parse("0 days"), Err(PeriodError::Zero));
        assert!(matches!(
            Period::parse("500 years"),
            Err(PeriodError::TooLong(_))
        ));
    }

    #[test]
    fn month_arithmetic_clamps_to_the_end_of_the_month() {
        let p = Period::parse("1 month").map_err(|e| e.to_string());
        assert_eq!(
            p.map(|p| p.after(datetime!(2025-01-31 12:00 UTC))),
            Ok(datetime!(2025-02-28 12:00 UTC))
        );
        let y = Period::parse("1 year").map_err(|e| e.to_string());
        assert_eq!(
            y.map(|p| p.after(datetime!(2024-02-29 0:00 UTC))),
            Ok(datetime!(2025-02-28 0:00 UTC))
        );
    }

    #[test]
    fn compares_lengths_however_written() {
        let p = |t| {
            Period::parse(t).unwrap_or(Period {
                count: 0,
                unit: Unit::Day,
            })
        };
        assert!(p("12 months").same_length(&p("1 year")));
        assert!(p("14 days").same_length(&p("2 weeks")));
        assert!(!p("30 days").same_length(&p("1 month")));
    }

    #[test]
    fn displays_canonically() {
        assert_eq!(
            Period {
                count: 1,
                unit: Unit::Year
            }
            .to_string(),
            "1 year"
        );
        assert_eq!(
            Period {
                count: 3,
                unit: Unit::Day
            }
            .to_string(),
            "3 days"
        );
    }
}
