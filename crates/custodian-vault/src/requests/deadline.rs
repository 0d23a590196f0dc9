//! When a data protection request must be answered (UK GDPR Article 12(3),
//! as the ICO explains it):
//!
//! - one calendar month, counted from the day the request arrives (whether a
//!   working day or not) to the corresponding date of the next month: 3 March
//!   to 3 April;
//! - where the next month has no corresponding date, the last day of that
//!   month: 31 January to 28 (or 29) February;
//! - where the date falls on a weekend or a holiday, the next working day;
//! - extendable by up to two further months where the request is complex or
//!   one of many, with the reason recorded and the person told within the
//!   first month;
//! - while we wait for proof of identity the clock stops; the days it stood
//!   still are added to the start.
//!
//! Dates, not instants: a request that arrives at 23:59 has the same deadline
//! as one at 00:01. Everything here is pure so that it can be tested across
//! month ends without a clock.

use custodian_policy::rights::is_working_day;
use time::{Date, Duration, Month};

/// The most a deadline can be extended by, in months (Article 12(3)).
pub const MAX_EXTENSION_MONTHS: u8 = 2;

/// The state of a request's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// The day the request reached us, by any channel.
    pub received: Date,
    /// Days the clock stood still while we waited for proof of identity,
    /// over pauses that have ended.
    pub paused_days: i64,
    /// The day the current pause began, while one is running.
    pub paused_since: Option<Date>,
    /// Further months granted (0, 1 or 2).
    pub extended_months: u8,
}

/// What the deadline is today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The clock is running: answer by this day.
    By(Date),
    /// The clock is stopped while we wait for proof of identity.
    Paused,
}

/// Why an extension cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionRefused {
    #[error("a request can be extended by at most {MAX_EXTENSION_MONTHS} further months")]
    TooLong,
    #[error("give the reason for the extension: the person must be told why")]
    NoReason,
    #[error("the person must be told of an extension within the first month, which ended on {0}")]
    TooLate(Date),
    #[error("the clock is stopped while we wait for proof of identity: resume it first")]
    Paused,
}

impl Clock {
    pub fn new(received: Date) -> Clock {
        Clock {
            received,
            paused_days: 0,
            paused_since: None,
            extended_months: 0,
        }
    }

    /// The day the clock effectively started: the day received, moved on by
    /// the days it stood still.
    fn start(&self) -> Date {
        self.received
            .checked_add(Duration::days(self.paused_days))
            .unwrap_or(self.received)
    }

    /// The deadline without any extension: one month from the start.
    pub fn first_month_ends(&self, holidays: &[Date]) -> Date {
        next_working_day(add_months(self.start(), 1), holidays)
    }

    /// The deadline now, with any extension.
    pub fn due(&self, holidays: &[Date]) -> Due {
        if self.paused_since.is_some() {
            return Due::Paused;
        }
        let months = 1 + u32::from(self.extended_months);
        Due::By(next_working_day(add_months(self.start(), months), holidays))
    }

    /// Whether `today` is past the deadline (never while paused).
    pub fn overdue(&self, today: Date, holidays: &[Date]) -> bool {
        matches!(self.due(holidays), Due::By(d) if today > d)
    }

    /// Stop the clock from `today` while we wait for proof of identity. A
    /// second pause while one runs changes nothing.
    pub fn pause(&mut self, today: Date) {
        if self.paused_since.is_none() {
            self.paused_since = Some(today.max(self.received));
        }
    }

    /// Start the clock again: the days it stood still move the deadline.
    pub fn resume(&mut self, today: Date) {
        if let Some(since) = self.paused_since.take() {
            self.paused_days += (today - since).whole_days().max(0);
        }
    }

    /// Extend by `months` more (the total at most two), told to the person
    /// on `told_on`, which must fall within the first month.
    pub fn extend(
        &mut self,
        months: u8,
        reason: &str,
        told_on: Date,
        holidays: &[Date],
    ) -> Result<(), ExtensionRefused> {
        if self.paused_since.is_some() {
            return Err(ExtensionRefused::Paused);
        }
        if months == 0 || self.extended_months.saturating_add(months) > MAX_EXTENSION_MONTHS {
            return Err(ExtensionRefused::TooLong);
        }
        if reason.trim().is_empty() {
            return Err(ExtensionRefused::NoReason);
        }
        let first = self.first_month_ends(holidays);
        if told_on > first {
            return Err(ExtensionRefused::TooLate(first));
        }
        self.extended_months += months;
        Ok(())
    }
}

/// The corresponding date `months` later, or the last day of that month
/// where it has no such date (31 January + 1 month = 28 or 29 February).
pub fn add_months(date: Date, months: u32) -> Date {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months as i32;
    let year = index.div_euclid(12);
    let month_number = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(12);
    let month = Month::try_from(month_number).unwrap_or(Month::December);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last)).unwrap_or(date)
}

/// `date`, or the first day after it that is neither a weekend nor a holiday.
pub fn next_working_day(mut date: Date, holidays: &[Date]) -> Date {
    while !is_working_day(date, holidays) {
        match date.next_day() {
            Some(next) => date = next,
            None => break,
        }
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn due(clock: &Clock) -> Date {
        match clock.due(&[]) {
            Due::By(d) => d,
            Due::Paused => date!(1900 - 01 - 01),
        }
    }

    #[test]
    fn one_calendar_month_to_the_corresponding_date() {
        // Tuesday 3 March 2026 to Friday 3 April 2026.
        assert_eq!(
            due(&Clock::new(date!(2026 - 03 - 03))),
            date!(2026 - 04 - 03)
        );
        // Counted from the day it arrives even on a weekend: Saturday 7 Nov
        // to Monday 7 December.
        assert_eq!(
            due(&Clock::new(date!(2026 - 11 - 07))),
            date!(2026 - 12 - 07)
        );
    }

    #[test]
    fn a_shorter_next_month_ends_on_its_last_day() {
        // 31 January 2026: February has 28 days; Saturday 28 Feb moves to Monday 2 March.
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(
            due(&Clock::new(date!(2026 - 01 - 31))),
            date!(2026 - 03 - 02)
        );
        // A leap year: 31 January 2028 to Tuesday 29 February 2028.
        assert_eq!(
            due(&Clock::new(date!(2028 - 01 - 31))),
            date!(2028 - 02 - 29)
        );
        // 30 and 31 March both end on 30 April.
        assert_eq!(add_months(date!(2027 - 03 - 31), 1), date!(2027 - 04 - 30));
        assert_eq!(add_months(date!(2027 - 03 - 30), 1), date!(2027 - 04 - 30));
        // Across the year end: 31 December to 31 January.
        assert_eq!(add_months(date!(2026 - 12 - 31), 1), date!(2027 - 01 - 31));
        assert_eq!(add_months(date!(2026 - 12 - 31), 2), date!(2027 - 02 - 28));
    }

    #[test]
    fn a_weekend_or_holiday_deadline_moves_to_the_next_working_day() {
        // 24 November 2026 + 1 month = Thursday 24 December; with 25 and 28
        // December as holidays (Boxing Day falls on a Saturday), the 24th stands.
        let holidays = [date!(2026 - 12 - 25), date!(2026 - 12 - 28)];
        assert_eq!(
            Clock::new(date!(2026 - 11 - 24)).due(&holidays),
            Due::By(date!(2026 - 12 - 24))
        );
        // 25 November: Friday 25 December is a holiday, then the weekend,
        // then Monday 28 is a holiday: Tuesday 29 December.
        assert_eq!(
            Clock::new(date!(2026 - 11 - 25)).due(&holidays),
            Due::By(date!(2026 - 12 - 29))
        );
    }

    #[test]
    fn an_extension_adds_up_to_two_months_with_a_reason_told_in_the_first_month() {
        let mut clock = Clock::new(date!(2026 - 01 - 31));
        assert_eq!(
            clock.extend(1, " ", date!(2026 - 02 - 10), &[]),
            Err(ExtensionRefused::NoReason)
        );
        assert_eq!(
            clock.extend(3, "complex", date!(2026 - 02 - 10), &[]),
            Err(ExtensionRefused::TooLong)
        );
        // The first month ended on Monday 2 March (28 Feb was a Saturday).
        assert_eq!(
            clock.extend(2, "complex", date!(2026 - 03 - 03), &[]),
            Err(ExtensionRefused::TooLate(date!(2026 - 03 - 02)))
        );
        assert_eq!(
            clock.extend(1, "complex", date!(2026 - 03 - 02), &[]),
            Ok(())
        );
        // 31 January + 2 months = 31 March 2026, a Tuesday.
        assert_eq!(due(&clock), date!(2026 - 03 - 31));
        assert_eq!(
            clock.extend(1, "many requests", date!(2026 - 02 - 20), &[]),
            Ok(())
        );
        // + 3 months = 30 April 2026 (April has no 31st), a Thursday.
        assert_eq!(due(&clock), date!(2026 - 04 - 30));
        assert_eq!(
            clock.extend(1, "more", date!(2026 - 02 - 20), &[]),
            Err(ExtensionRefused::TooLong),
            "two further months at most"
        );
    }

    #[test]
    fn waiting_for_proof_of_identity_stops_the_clock() {
        let mut clock = Clock::new(date!(2026 - 03 - 03));
        clock.pause(date!(2026 - 03 - 05));
        assert_eq!(clock.due(&[]), Due::Paused);
        assert!(
            !clock.overdue(date!(2027 - 01 - 01), &[]),
            "never overdue while paused"
        );
        assert_eq!(
            clock.extend(1, "complex", date!(2026 - 03 - 06), &[]),
            Err(ExtensionRefused::Paused)
        );
        // Ten days stopped: the month runs from 13 March to Monday 13 April.
        clock.resume(date!(2026 - 03 - 15));
        assert_eq!(clock.paused_days, 10);
        assert_eq!(due(&clock), date!(2026 - 04 - 13));
        // A second pause adds to the first: 30 March to 1 April is 2 days more,
        // 15 March to 15 April (a Wednesday).
        clock.pause(date!(2026 - 03 - 30));
        clock.pause(date!(2026 - 03 - 31));
        clock.resume(date!(2026 - 04 - 01));
        assert_eq!(due(&clock), date!(2026 - 04 - 15));
    }

    #[test]
    fn overdue_is_the_day_after_the_deadline() {
        let clock = Clock::new(date!(2026 - 03 - 03));
        assert!(!clock.overdue(date!(2026 - 04 - 03), &[]));
        assert!(clock.overdue(date!(2026 - 04 - 04), &[]));
    }
}
