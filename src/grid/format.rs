//! Display formatting of cells: readable dates, numbers with one precision per column, nulls
//! shown distinctly, long text cut with an ellipsis. Display only: the data stays exact.

use crate::data::{Cell, Column, ResultSet};
use std::borrow::Cow;
use std::fmt::Write as _;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a null is shown in the grid.
pub const NULL_TEXT: &str = "∅";

/// How many rows (after the header) decide a column's format and fitted width.
pub const SAMPLE_ROWS: usize = 500;

/// What the grid shows a column's values as, decided once per result from its type and a sample.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnFormat {
    /// Whole numbers, optionally with thousands separators.
    Integer { thousands: bool },
    /// Decimal numbers, all with the same number of decimals.
    Decimal { decimals: usize, thousands: bool },
    /// Dates and timestamps at the coarsest precision that loses nothing the sample shows.
    Temporal(TimeUnit),
    /// Anything else: text, booleans, JSON.
    Plain,
}

/// The precision a temporal column is shown at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimeUnit {
    Year,
    Month,
    Day,
    Minute,
    Second,
    /// A time of day without a date.
    TimeOfDay,
}

/// Options the explorer may set for all columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatOptions {
    /// Group thousands in numbers (`12,345`).
    pub thousands: bool,
}

impl ColumnFormat {
    /// Decides a column's format from its declared type and the first [`SAMPLE_ROWS`] rows.
    pub fn infer(rs: &ResultSet, col: usize, options: FormatOptions) -> ColumnFormat {
        let Some(column) = rs.columns.get(col) else {
            return ColumnFormat::Plain;
        };
        let sample = (0..rs.row_count().min(SAMPLE_ROWS)).map(|r| rs.cell(r, col));
        if column.is_temporal() {
            return ColumnFormat::Temporal(time_unit(column, sample));
        }
        let mut any_float = false;
        let mut all_numeric = true;
        let mut max_abs: f64 = 0.0;
        let mut fractional = false;
        let mut any = false;
        for cell in sample {
            match cell {
                Cell::Null => {}
                Cell::Int(i) => {
                    any = true;
                    max_abs = max_abs.max((*i as f64).abs());
                }
                Cell::Float(f) => {
                    any = true;
                    any_float = true;
                    max_abs = max_abs.max(f.abs());
                    fractional |= f.fract() != 0.0;
                }
                // Big integers arrive as strings; they stay numbers for display purposes.
                Cell::Text(t) if column.is_numeric() && t.parse::<f64>().is_ok() => any = true,
                _ => all_numeric = false,
            }
        }
        let numeric = (column.is_numeric() || any) && all_numeric;
        if !numeric {
            return ColumnFormat::Plain;
        }
        let float_type = matches!(
            column.value_type(),
            "type/Float" | "type/Decimal" | "type/Currency"
        );
        if any_float || (float_type && !any) {
            let decimals = if !fractional && any_float {
                0
            } else if max_abs > 0.0 && max_abs < 1.0 {
                4
            } else {
                2
            };
            ColumnFormat::Decimal {
                decimals,
                thousands: options.thousands,
            }
        } else {
            ColumnFormat::Integer {
                thousands: options.thousands,
            }
        }
    }

    /// True when values are right-aligned (numbers).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            ColumnFormat::Integer { .. } | ColumnFormat::Decimal { .. }
        )
    }

    /// The text the grid shows for a cell of this column (one line).
    pub fn display<'a>(&self, cell: &'a Cell) -> Cow<'a, str> {
        match (self, cell) {
            (_, Cell::Null) => Cow::Borrowed(NULL_TEXT),
            (ColumnFormat::Integer { thousands }, Cell::Int(i)) => {
                Cow::Owned(group_int(&i.to_string(), *thousands))
            }
            (ColumnFormat::Integer { thousands }, Cell::Float(f)) => {
                Cow::Owned(format_decimal(*f, 0, *thousands))
            }
            (
                ColumnFormat::Decimal {
                    decimals,
                    thousands,
                },
                Cell::Int(i),
            ) => Cow::Owned(format_decimal(*i as f64, *decimals, *thousands)),
            (
                ColumnFormat::Decimal {
                    decimals,
                    thousands,
                },
                Cell::Float(f),
            ) => Cow::Owned(format_decimal(*f, *decimals, *thousands)),
            (ColumnFormat::Temporal(unit), Cell::Text(t)) => match Stamp::parse(t) {
                Some(stamp) => Cow::Owned(stamp.display(*unit)),
                None => one_line(t),
            },
            (_, Cell::Int(i)) => Cow::Owned(i.to_string()),
            (_, Cell::Float(f)) => Cow::Owned(f.to_string()),
            (_, Cell::Bool(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
            (_, Cell::Text(t)) => one_line(t),
            (_, Cell::Json(j)) => one_line(j),
        }
    }
}

fn time_unit<'a>(column: &Column, sample: impl Iterator<Item = &'a Cell>) -> TimeUnit {
    let label = column.display_name.as_deref().unwrap_or("");
    let bucket = label.rsplit(": ").next().unwrap_or("").to_ascii_lowercase();
    let mut unit = TimeUnit::Year;
    let mut any = false;
    for cell in sample {
        let Cell::Text(t) = cell else { continue };
        let Some(stamp) = Stamp::parse(t) else {
            continue;
        };
        any = true;
        unit = unit.max(stamp.finest_unit());
    }
    if !any {
        return if column.value_type() == "type/Date" {
            TimeUnit::Day
        } else {
            TimeUnit::Minute
        };
    }
    // A month or year bucket is only shown as such when the column says it is one; a column of
    // first-of-month timestamps that is not a bucket still shows the whole date.
    match unit {
        TimeUnit::Year if bucket == "year" => TimeUnit::Year,
        TimeUnit::Year | TimeUnit::Month if bucket == "month" || bucket == "quarter" => {
            TimeUnit::Month
        }
        TimeUnit::Year | TimeUnit::Month => TimeUnit::Day,
        other => other,
    }
}

/// Cuts `text` to at most `width` terminal columns, ending with `…` when it had to cut.
pub fn truncate(text: &str, width: usize) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.len() <= width {
            return Cow::Borrowed(text);
        }
        if width == 0 {
            return Cow::Borrowed("");
        }
        return Cow::Owned(format!("{}…", &text[..width - 1]));
    }
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(width + 3);
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    Cow::Owned(out)
}

/// Text made single-line for a grid cell: line breaks and tabs become visible marks.
fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r', '\t']) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.replace("\r\n", "↵")
            .replace(['\n', '\r'], "↵")
            .replace('\t', " "),
    )
}

fn format_decimal(value: f64, decimals: usize, thousands: bool) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{value:.decimals$}");
    if !thousands {
        return text;
    }
    let (int_part, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = group_int(int_part, true);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn group_int(digits: &str, thousands: bool) -> String {
    if !thousands {
        return digits.to_string();
    }
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    out.push_str(sign);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An ISO-8601 date, date-time or time as Metabase sends them: `2024-03-05`,
/// `2024-03-05T14:07:00Z`, `2024-03-05T14:07:00.123+02:00`, `14:07:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub date: Option<(i32, u8, u8)>,
    pub time: Option<(u8, u8, u8, u32)>,
    /// Offset from UTC in seconds, when the text carries one.
    pub offset: Option<i32>,
}

impl Stamp {
    pub fn parse(text: &str) -> Option<Stamp> {
        let b = text.as_bytes();
        let mut i = 0;
        let date = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
            let y = digits(b, 0, 4)? as i32;
            let m = digits(b, 5, 2)? as u8;
            let d = digits(b, 8, 2)? as u8;
            if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return None;
            }
            i = 10;
            Some((y, m, d))
        } else {
            None
        };
        let mut time = None;
        let time_start = match (date, b.get(i)) {
            (Some(_), Some(b'T' | b' ')) => Some(i + 1),
            (Some(_), _) => None,
            (None, _) => Some(0),
        };
        if let Some(t) = time_start {
            if b.len() < t + 5 || b[t + 2] != b':' {
                return None;
            }
            let h = digits(b, t, 2)? as u8;
            let mi = digits(b, t + 3, 2)? as u8;
            i = t + 5;
            let mut s = 0;
            let mut nanos = 0u32;
            if b.get(i) == Some(&b':') {
                s = digits(b, i + 1, 2)? as u8;
                i += 3;
                if b.get(i) == Some(&b'.') {
                    i += 1;
                    let start = i;
                    while i < b.len() && b[i].is_ascii_digit() {
                        if i - start < 9 {
                            nanos = nanos * 10 + u32::from(b[i] - b'0');
                        }
                        i += 1;
                    }
                    if i == start {
                        return None;
                    }
                    for _ in (i - start).min(9)..9 {
                        nanos *= 10;
                    }
                }
            }
            if h > 23 || mi > 59 || s > 60 {
                return None;
            }
            time = Some((h, mi, s, nanos));
        }
        let offset = match b.get(i) {
            None => None,
            Some(b'Z') if i + 1 == b.len() => Some(0),
            Some(sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2)? as i32;
                let om = match b.get(i + 3) {
                    Some(b':') if b.len() == i + 6 => digits(b, i + 4, 2)? as i32,
                    Some(_) if b.len() == i + 5 => digits(b, i + 3, 2)? as i32,
                    None => 0,
                    _ => return None,
                };
                let secs = oh * 3600 + om * 60;
                Some(if *sign == b'-' { -secs } else { secs })
            }
            _ => return None,
        };
        Some(Stamp { date, time, offset })
    }

    /// The finest unit needed to show this stamp without losing what it says.
    fn finest_unit(&self) -> TimeUnit {
        let Some((_, m, d)) = self.date else {
            return TimeUnit::TimeOfDay;
        };
        match self.time {
            Some((_, _, s, n)) if s != 0 || n != 0 => TimeUnit::Second,
            Some((h, mi, _, _)) if h != 0 || mi != 0 => TimeUnit::Minute,
            _ if d != 1 => TimeUnit::Day,
            _ if m != 1 => TimeUnit::Month,
            _ => TimeUnit::Year,
        }
    }

    /// The wall-clock text at a unit, as written (no time-zone conversion).
    pub fn display(&self, unit: TimeUnit) -> String {
        let mut out = String::with_capacity(19);
        let (h, mi, s, _) = self.time.unwrap_or((0, 0, 0, 0));
        match self.date {
            None => {
                let _ = write!(out, "{h:02}:{mi:02}");
                if s != 0 || unit == TimeUnit::Second {
                    let _ = write!(out, ":{s:02}");
                }
            }
            Some((y, m, d)) => {
                let _ = match unit {
                    TimeUnit::Year => write!(out, "{y:04}"),
                    TimeUnit::Month => write!(out, "{y:04}-{m:02}"),
                    TimeUnit::Day => write!(out, "{y:04}-{m:02}-{d:02}"),
                    TimeUnit::Minute | TimeUnit::TimeOfDay => {
                        write!(out, "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}")
                    }
                    TimeUnit::Second => write!(out, "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
                };
            }
        }
        out
    }

    /// Nanoseconds since 1970-01-01T00:00:00Z (a stamp without offset is read as UTC; a time of
    /// day as on 1970-01-01), for ordering and for chart x positions.
    pub fn instant_nanos(&self) -> i128 {
        let days = self
            .date
            .map(|(y, m, d)| days_from_civil(y, m, d))
            .unwrap_or(0);
        let (h, mi, s, n) = self.time.unwrap_or((0, 0, 0, 0));
        let secs = i128::from(days) * 86_400 + i128::from(h) * 3600 + i128::from(mi) * 60
            - i128::from(self.offset.unwrap_or(0))
            + i128::from(s);
        secs * 1_000_000_000 + i128::from(n)
    }
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let slice = b.get(at..at + len)?;
    let mut v = 0u32;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, t: &str) -> Column {
        Column {
            name: name.into(),
            base_type: Some(t.into()),
            ..Column::default()
        }
    }

    fn rs(column: Column, cells: Vec<Cell>) -> ResultSet {
        ResultSet {
            columns: vec![column],
            rows: cells
                .into_iter()
                .map(|c| vec![c].into_boxed_slice())
                .collect(),
        }
    }

    #[test]
    fn floats_share_one_precision_per_column() {
        let r = rs(
            col("TOTAL", "type/Float"),
            vec![
                Cell::Float(1.5),
                Cell::Float(10.0),
                Cell::Float(2.123_456),
                Cell::Null,
            ],
        );
        let f = ColumnFormat::infer(&r, 0, FormatOptions::default());
        assert_eq!(f.display(&Cell::Float(1.5)), "1.50");
        assert_eq!(f.display(&Cell::Float(10.0)), "10.00");
        assert_eq!(f.display(&Cell::Float(2.123_456)), "2.12");
        assert_eq!(f.display(&Cell::Null), NULL_TEXT);
        assert!(f.is_numeric());
    }

    #[test]
    fn small_fractions_keep_more_decimals_and_whole_floats_none() {
        let small = rs(col("R", "type/Float"), vec![Cell::Float(0.0123)]);
        let f = ColumnFormat::infer(&small, 0, FormatOptions::default());
        assert_eq!(f.display(&Cell::Float(0.0123)), "0.0123");
        let whole = rs(
            col("W", "type/Float"),
            vec![Cell::Float(3.0), Cell::Float(4.0)],
        );
        let f = ColumnFormat::infer(&whole, 0, FormatOptions::default());
        assert_eq!(f.display(&Cell::Float(3.0)), "3");
    }

    #[test]
    fn thousands_separators_are_optional() {
        let r = rs(col("N", "type/Integer"), vec![Cell::Int(-1_234_567)]);
        let plain = ColumnFormat::infer(&r, 0, FormatOptions::default());
        assert_eq!(plain.display(&Cell::Int(-1_234_567)), "-1234567");
        let grouped = ColumnFormat::infer(&r, 0, FormatOptions { thousands: true });
        assert_eq!(grouped.display(&Cell::Int(-1_234_567)), "-1,234,567");
        assert_eq!(grouped.display(&Cell::Int(999)), "999");
        let fl = ColumnFormat::Decimal {
            decimals: 2,
            thousands: true,
        };
        assert_eq!(fl.display(&Cell::Float(1234.5)), "1,234.50");
    }

    #[test]
    fn timestamps_are_readable_at_the_precision_they_carry() {
        let r = rs(
            col("CREATED_AT", "type/DateTime"),
            vec![
                Cell::Text("2024-03-05T14:07:00Z".into()),
                Cell::Text("2024-03-06T00:00:00.000+02:00".into()),
            ],
        );
        let f = ColumnFormat::infer(&r, 0, FormatOptions::default());
        assert_eq!(f, ColumnFormat::Temporal(TimeUnit::Minute));
        assert_eq!(
            f.display(&Cell::Text("2024-03-05T14:07:00Z".into())),
            "2024-03-05 14:07"
        );
        assert_eq!(f.display(&Cell::Text("not a date".into())), "not a date");
    }

    #[test]
    fn midnight_dates_and_month_buckets_are_short() {
        let days = rs(
            col("D", "type/DateTime"),
            vec![Cell::Text("2024-03-05T00:00:00Z".into())],
        );
        let f = ColumnFormat::infer(&days, 0, FormatOptions::default());
        assert_eq!(
            f.display(&Cell::Text("2024-03-05T00:00:00Z".into())),
            "2024-03-05"
        );
        let mut month = col("CREATED_AT", "type/DateTime");
        month.display_name = Some("Created At: Month".into());
        let months = rs(
            month,
            vec![
                Cell::Text("2024-01-01T00:00:00Z".into()),
                Cell::Text("2024-03-01T00:00:00Z".into()),
            ],
        );
        let f = ColumnFormat::infer(&months, 0, FormatOptions::default());
        assert_eq!(
            f.display(&Cell::Text("2024-03-01T00:00:00Z".into())),
            "2024-03"
        );
        // Not a bucket: first-of-month values still show their day.
        let plain = rs(col("D", "type/Date"), vec![Cell::Text("2024-03-01".into())]);
        let f = ColumnFormat::infer(&plain, 0, FormatOptions::default());
        assert_eq!(f.display(&Cell::Text("2024-03-01".into())), "2024-03-01");
    }

    #[test]
    fn stamps_with_different_offsets_order_by_instant() {
        let a = Stamp::parse("2024-03-05T10:00:00+02:00").map(|s| s.instant_nanos());
        let b = Stamp::parse("2024-03-05T09:30:00Z").map(|s| s.instant_nanos());
        let c = Stamp::parse("2024-03-05T03:30:00-0500").map(|s| s.instant_nanos());
        assert!(a < c && c < b, "{a:?} {b:?} {c:?}");
        assert_eq!(
            Stamp::parse("1970-01-02").map(|s| s.instant_nanos()),
            Some(86_400_000_000_000)
        );
        assert_eq!(Stamp::parse("2024-13-01"), None);
        assert_eq!(Stamp::parse("hello"), None);
        assert_eq!(Stamp::parse("2024-03-05T10:00:00junk"), None);
    }

    #[test]
    fn ellipsis_respects_display_width() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        // Wide characters take two columns each: never split one.
        assert_eq!(truncate("日本語テキスト", 6), "日本…");
        assert_eq!(truncate("日本語テキスト", 6).width(), 5);
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
    }

    #[test]
    fn multi_line_text_shows_on_one_line() {
        let f = ColumnFormat::Plain;
        assert_eq!(f.display(&Cell::Text("a\nb\tc".into())), "a↵b c");
    }
}
