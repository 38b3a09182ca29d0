//! Relative date filters (`time-interval`) turned into absolute bounds the executor compares
//! with unit-truncated values: "the last 30 days" is the 30 whole days before today.

use time::{Date, Duration, Month, OffsetDateTime, Time};

pub const UNITS: [&str; 7] = ["minute", "hour", "day", "week", "month", "quarter", "year"];

/// The first and last unit starts covered by `n` units relative to the one holding `now`
/// (`n < 0`: the past |n| units; `n > 0`: the next n; `0`: the current one).
pub fn bounds(now: i64, n: i64, unit: &str) -> Option<(String, String)> {
    let now = OffsetDateTime::from_unix_timestamp(now).ok()?;
    let current = truncate(now, unit)?;
    let (from, to) = match n {
        0 => (0, 0),
        n if n < 0 => (n, -1),
        n => (1, n),
    };
    Some((
        format(shift(current, from, unit)?),
        format(shift(current, to, unit)?),
    ))
}

/// `"current"`, `"last"`, `"next"` or an integer.
pub fn amount(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => match s.as_str() {
            "current" => Some(0),
            "last" => Some(-1),
            "next" => Some(1),
            _ => None,
        },
        other => other.as_i64(),
    }
}

fn truncate(t: OffsetDateTime, unit: &str) -> Option<OffsetDateTime> {
    let date = t.date();
    let midnight = |d: Date| d.with_time(Time::MIDNIGHT).assume_utc();
    Some(match unit {
        "minute" => t.replace_second(0).ok()?.replace_nanosecond(0).ok()?,
        "hour" => t
            .replace_minute(0)
            .ok()?
            .replace_second(0)
            .ok()?
            .replace_nanosecond(0)
            .ok()?,
        "day" => midnight(date),
        // Weeks start on Sunday, as the executor's week buckets do.
        "week" => {
            midnight(date - Duration::days(i64::from(date.weekday().number_days_from_sunday())))
        }
        "month" => midnight(date.replace_day(1).ok()?),
        "quarter" => {
            let month = (u8::from(date.month()) - 1) / 3 * 3 + 1;
            midnight(Date::from_calendar_date(date.year(), Month::try_from(month).ok()?, 1).ok()?)
        }
        "year" => midnight(Date::from_calendar_date(date.year(), Month::January, 1).ok()?),
        _ => return None,
    })
}

fn shift(t: OffsetDateTime, k: i64, unit: &str) -> Option<OffsetDateTime> {
    let months = |m: i64| -> Option<OffsetDateTime> {
        let total = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 + m;
        let year = i32::try_from(total.div_euclid(12)).ok()?;
        let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
        Some(
            Date::from_calendar_date(year, month, 1)
                .ok()?
                .with_time(Time::MIDNIGHT)
                .assume_utc(),
        )
    };
    match unit {
        "minute" => t.checked_add(Duration::minutes(k)),
        "hour" => t.checked_add(Duration::hours(k)),
        "day" => t.checked_add(Duration::days(k)),
        "week" => t.checked_add(Duration::weeks(k)),
        "month" => months(k),
        "quarter" => months(k.checked_mul(3)?),
        "year" => months(k.checked_mul(12)?),
        _ => None,
    }
}

fn format(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-03T17:20:00Z, a Thursday.
    const NOW: i64 = 1_796_318_400;

    #[test]
    fn past_current_and_next_units() {
        assert_eq!(
            bounds(NOW, -30, "day"),
            Some(("2026-11-03T00:00:00Z".into(), "2026-12-02T00:00:00Z".into()))
        );
        assert_eq!(
            bounds(NOW, 0, "month"),
            Some(("2026-12-01T00:00:00Z".into(), "2026-12-01T00:00:00Z".into()))
        );
        assert_eq!(
            bounds(NOW, 2, "month"),
            Some(("2027-01-01T00:00:00Z".into(), "2027-02-01T00:00:00Z".into()))
        );
        assert_eq!(
            bounds(NOW, -1, "quarter"),
            Some(("2026-07-01T00:00:00Z".into(), "2026-07-01T00:00:00Z".into()))
        );
        assert_eq!(
            bounds(NOW, -1, "week"),
            Some(("2026-11-22T00:00:00Z".into(), "2026-11-22T00:00:00Z".into()))
        );
        assert_eq!(bounds(NOW, -1, "fortnight"), None);
        assert_eq!(amount(&serde_json::json!("last")), Some(-1));
    }
}
