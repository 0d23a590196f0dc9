//! How soon a form's messages are answered: `response_target = "2 working
//! days"`. One setting gives the start page's and the notice's promise and
//! each case's due date in the inbox, so they cannot disagree.

use std::fmt;

use time::{Date, Duration};

use crate::rights::is_working_day;

/// A number of days, counting every day or only working days (Monday to
/// Friday, not the site's holidays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTarget {
    pub days: u16,
    pub working: bool,
}

impl ResponseTarget {
    /// "2 working days", "1 working day", "5 days": 1 to 90 of them.
    pub fn parse(text: &str) -> Result<ResponseTarget, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (number, working, unit) = match words.as_slice() {
            [n, "working", unit] => (*n, true, *unit),
            [n, unit] => (*n, false, *unit),
            _ => return Err(format!("`{text}` is not a response target")),
        };
        let days: u16 = number
            .parse()
            .map_err(|_| format!("`{number}` is not a whole number of days"))?;
        if !(1..=90).contains(&days) {
            return Err(format!("{days} days is not between 1 and 90"));
        }
        let singular = days == 1;
        if (singular && unit != "day") || (!singular && unit != "days") {
            return Err(format!(
                "write `{days} {}day{}`",
                if working { "working " } else { "" },
                if singular { "" } else { "s" }
            ));
        }
        Ok(ResponseTarget { days, working })
    }

    /// The day a message received on `received` is due: that many days
    /// later, or that many working days later, skipping weekends and
    /// `holidays`.
    pub fn due(self, received: Date, holidays: &[Date]) -> Date {
        if !self.working {
            return received + Duration::days(i64::from(self.days));
        }
        let mut day = received;
        let mut left = self.days;
        while left > 0 {
            day = day.next_day().unwrap_or(day);
            if is_working_day(day, holidays) {
                left -= 1;
            }
        }
        day
    }
}

impl fmt::Display for ResponseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let working = if self.working { "working " } else { "" };
        let plural = if self.days == 1 { "" } else { "s" };
        write!(f, "{} {working}day{plural}", self.days)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn targets_read_and_say_themselves() {
        for text in ["2 working days", "1 working day", "5 days", "1 day"] {
            let target = ResponseTarget::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(target.to_string(), text);
        }
        for wrong in [
            "",
            "two days",
            "0 days",
            "91 days",
            "2 day",
            "1 days",
            "2 weeks",
            "2 working",
        ] {
            assert!(ResponseTarget::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let two = ResponseTarget {
            days: 2,
            working: true,
        };
        // Thursday 3 December 2026: Friday, then Monday.
        assert_eq!(two.due(date!(2026 - 12 - 03), &[]), date!(2026 - 12 - 07));
        // Received on a Saturday: Monday and Tuesday.
        assert_eq!(two.due(date!(2026 - 12 - 05), &[]), date!(2026 - 12 - 08));
        // Christmas and Boxing Day (moved to Monday 28th) are not working days.
        let holidays = [date!(2026 - 12 - 25), date!(2026 - 12 - 28)];
        assert_eq!(
            two.due(date!(2026 - 12 - 24), &holidays),
            date!(2026 - 12 - 30)
        );
        let calendar = ResponseTarget {
            days: 2,
            working: false,
        };
        assert_eq!(
            calendar.due(date!(2026 - 12 - 24), &holidays),
            date!(2026 - 12 - 26)
        );
    }
}
