//! The two time layouts logs use, read by hand: this runs once a line, and
//! a general date parser costs more than the rest of the line together.

/// `10/Oct/2000:13:55:36 -0700` as unix seconds.
pub fn time_local(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let day = digits(&b[0..2])?;
    let month = month(&b[3..6])?;
    let year = digits(&b[7..11])?;
    let (h, m, s) = (
        digits(&b[12..14])?,
        digits(&b[15..17])?,
        digits(&b[18..20])?,
    );
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let offset = offset_minutes(b[21], &b[22..24], &b[24..26])?;
    civil(year, month, day, h, m, s, offset)
}

/// `2000-10-10T13:55:36-07:00` (or `+00:00`, or `Z`) as unix seconds.
pub fn iso8601(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (h, m, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let offset = match &b[19..] {
        [b'Z'] => 0,
        [sign, h1, h2, b':', m1, m2] => offset_minutes(*sign, &[*h1, *h2], &[*m1, *m2])?,
        _ => return None,
    };
    civil(year, month, day, h, m, s, offset)
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
    })
}

fn month(b: &[u8]) -> Option<i64> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.as_slice() == b)
        .and_then(|i| i64::try_from(i + 1).ok())
}

fn offset_minutes(sign: u8, hours: &[u8], minutes: &[u8]) -> Option<i64> {
    let total = digits(hours)? * 60 + digits(minutes)?;
    match sign {
        b'+' => Some(total),
        b'-' => Some(-total),
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), then the time and offset.
fn civil(year: i64, month: i64, day: i64, h: i64, m: i64, s: i64, offset: i64) -> Option<i64> {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day)
        || h > 23
        || m > 59
        || s > 60
        || !(1970..=9999).contains(&year)
    {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s - offset * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_give_the_same_instant() {
        assert_eq!(time_local("10/Oct/2000:13:55:36 -0700"), Some(971_211_336));
        assert_eq!(iso8601("2000-10-10T13:55:36-07:00"), Some(971_211_336));
        assert_eq!(iso8601("2000-10-10T20:55:36Z"), Some(971_211_336));
        assert_eq!(
            time_local("29/Feb/2024:00:00:00 +0000"),
            Some(1_709_164_800)
        );
    }

    #[test]
    fn impossible_times_are_refused() {
        for bad in [
            "30/Feb/2024:00:00:00 +0000",
            "10/Oct/2000:24:00:00 +0000",
            "10/Foo/2000:13:55:36 -0700",
            "10/Oct/2000:13:55:36 *0700",
            "10/Oct/2000 13:55:36 -0700",
            "",
        ] {
            assert_eq!(time_local(bad), None, "{bad}");
        }
    }
}
