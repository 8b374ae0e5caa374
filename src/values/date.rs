//! Dates and date-times as exports write them: the one date parser of crmkit. It names the
//! format each value uses (strftime notation, e.g. `%m/%d/%Y`), tells "not a date" from "a
//! date that cannot exist" (`02/30/2021`), and reads an ambiguous `03/04/2021` the way its
//! column does. The profile counts with it; transforms, rules, exclusions and checks read
//! dates through [`read_date`] and [`read_datetime`].
//!
//! Parsing is by hand over tokens rather than through `chrono`'s format strings: it runs
//! for every cell of every column, and must tell apart "not a date" from "a date that cannot
//! exist" (`02/30/2021`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};

/// Days from 0001-01-01 (day 1), as chrono counts them.
pub type Days = i32;

/// The day number of a calendar date.
pub fn days(date: NaiveDate) -> Days {
    date.num_days_from_ce()
}

/// The date of a day number.
pub fn date(days: Days) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days)
}

/// A date as ISO 8601 (`2021-03-04`), written without a format string: it runs for every
/// date a transform converts.
pub fn iso_date(d: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, d);
    out
}

/// A UTC date-time as ISO 8601 (`2021-03-04T09:05:00Z`), as [`iso_date`] writes dates.
pub fn iso_datetime(dt: NaiveDateTime) -> String {
    use chrono::Timelike;
    let mut out = String::with_capacity(20);
    push_date(&mut out, dt.date());
    for (sep, n) in [('T', dt.hour()), (':', dt.minute()), (':', dt.second())] {
        out.push(sep);
        push_two(&mut out, n);
    }
    out.push('Z');
    out
}

fn push_date(out: &mut String, d: NaiveDate) {
    let y = d.year();
    if (0..=9999).contains(&y) {
        let y = y as u32;
        for div in [1000, 100, 10, 1] {
            out.push(char::from(b'0' + (y / div % 10) as u8));
        }
    } else {
        // Outside four digits chrono's own layout (sign, more digits) is the one to keep.
        out.push_str(&d.format("%Y").to_string());
    }
    out.push('-');
    push_two(out, d.month());
    out.push('-');
    push_two(out, d.day());
}

fn push_two(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Which way a day-month-year value with a numeric month was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Month first, and the day is above 12: only month-first fits.
    MonthFirst,
    /// Day first, and the first number is above 12: only day-first fits.
    DayFirst,
    /// Both numbers are 12 or less: read month-first unless the column shows otherwise.
    Ambiguous,
    /// Not a numeric day/month pair (ISO, month names).
    Fixed,
}

/// One parsed date (or date-time) value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DateValue {
    pub days: Days,
    pub has_time: bool,
    /// Index into [`FORMATS`] of the date part, month-first where the order is open.
    pub format: u8,
    /// Index into [`TIME_FORMATS`] of the time part (0 = none).
    pub time_format: u8,
    pub order: Order,
    /// For an ambiguous value, its day number read day-first.
    pub day_first_days: Option<Days>,
    /// Seconds from midnight of the time part (0 without one), local to the value's zone.
    pub seconds: u32,
    /// The zone written with the time, minutes east of UTC (0 for none, `Z` or `UTC`).
    pub offset_minutes: i32,
}

/// What a value is, as a date.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DateParse {
    Date(DateValue),
    /// It has the form of a date but names a day that does not exist (or a year before
    /// 1900 or after 2100).
    Impossible,
    NotDate,
}

/// Date formats, strftime notation. Pairs at (2k, 2k+1) for k < DAY_MONTH_PAIRS are the
/// month-first / day-first readings of the same layout.
pub const FORMATS: [&str; 22] = [
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%m.%d.%Y",
    "%d.%m.%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%m-%d-%y",
    "%d-%m-%y",
    "%m.%d.%y",
    "%d.%m.%y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d %Y",
];
/// How many month-first / day-first pairs lead [`FORMATS`].
const DAY_MONTH_PAIRS: u8 = 6;

/// Time formats appended to a date format; index 0 is "no time".
pub const TIME_FORMATS: [&str; 7] = [
    "",
    "T%H:%M:%S",
    " %H:%M:%S",
    " %H:%M",
    "T%H:%M",
    " %I:%M %p",
    " %I:%M:%S %p",
];

fn fmt_index(name: &str) -> u8 {
    FORMATS.iter().position(|f| *f == name).unwrap_or(0) as u8
}

/// The day-first twin of a month-first format index, if it has one.
pub fn day_first_twin(format: u8) -> Option<u8> {
    (format < DAY_MONTH_PAIRS * 2 && format.is_multiple_of(2)).then(|| format + 1)
}

/// The format index of an Excel serial date (`45292`), outside [`FORMATS`].
pub const EXCEL_SERIAL: u8 = u8::MAX;

/// The full format label of a value: date part and time part.
pub fn label(format: u8, time_format: u8) -> String {
    if format == EXCEL_SERIAL {
        return "Excel serial".to_string();
    }
    format!(
        "{}{}",
        FORMATS[format as usize], TIME_FORMATS[time_format as usize]
    )
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Num(u32, usize),
    Word(&'a str),
    Sep(u8),
}

/// Splits into numbers, words and single separators; None for characters a date never has
/// or more tokens than any format uses.
fn tokens<'a>(s: &'a str, out: &mut [Tok<'a>; 24]) -> Option<usize> {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        if n == out.len() {
            return None;
        }
        let c = b[i];
        if c.is_ascii_digit() {
            let start = i;
            let mut v: u32 = 0;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start >= 9 {
                    return None;
                }
                v = v * 10 + u32::from(b[i] - b'0');
                i += 1;
            }
            out[n] = Tok::Num(v, i - start);
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            // Safe: the slice is ASCII.
            out[n] = Tok::Word(&s[start..i]);
        } else if matches!(c, b'/' | b'-' | b'.' | b' ' | b',' | b':' | b'+') {
            out[n] = Tok::Sep(c);
            i += 1;
            // ", " counts as one separator.
            if c == b',' && i < b.len() && b[i] == b' ' {
                i += 1;
            }
        } else {
            return None;
        }
        n += 1;
    }
    Some(n)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const MONTHS_FULL: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Month number and whether the name was abbreviated (`Mar`, `Sept`) or full (`March`).
fn month(word: &str) -> Option<(u32, bool)> {
    if word.len() < 3 || word.len() > 9 {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    if let Some(i) = MONTHS_FULL.iter().position(|m| *m == lower) {
        // "May" is both; call it abbreviated so `4 May 2021` reads as `%d %b %Y`.
        return Some((i as u32 + 1, lower.len() == 3));
    }
    if lower == "sept" {
        return Some((9, true));
    }
    MONTHS
        .iter()
        .position(|m| *m == lower)
        .map(|i| (i as u32 + 1, true))
}

/// Four-digit year from a two-digit one, as strptime's `%y` does (69-99 -> 1900s).
fn full_year(y: u32, width: usize) -> u32 {
    if width == 2 {
        if y >= 69 { 1900 + y } else { 2000 + y }
    } else {
        y
    }
}

/// A day number for y-m-d, or None when that day does not exist or is out of range.
fn ymd(y: u32, m: u32, d: u32) -> Option<Days> {
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d).map(days)
}

/// The date part: format, resolved days (None = impossible), order, tokens used.
struct DatePart {
    format: u8,
    days: Option<Days>,
    order: Order,
    used: usize,
    /// The day-first reading of an ambiguous value.
    alt: Option<Days>,
}

fn date_part(t: &[Tok<'_>]) -> Option<DatePart> {
    use Tok::*;
    let fixed = |format: &str, days: Option<Days>, used: usize| DatePart {
        format: fmt_index(format),
        days,
        order: Order::Fixed,
        used,
        alt: None,
    };
    match t {
        // 2021-03-04, 2021/03/04, 2021.03.04
        [
            Num(y, 4),
            Sep(s1),
            Num(m, 1..=2),
            Sep(s2),
            Num(d, 1..=2),
            ..,
        ] if s1 == s2 && matches!(s1, b'-' | b'/' | b'.') => {
            let format = match s1 {
                b'-' => "%Y-%m-%d",
                b'/' => "%Y/%m/%d",
                _ => "%Y.%m.%d",
            };
            Some(fixed(format, ymd(*y, *m, *d), 5))
        }
        // 03/04/2021, 4-3-21, 04.03.2021
        [
            Num(a, 1..=2),
            Sep(s1),
            Num(b, 1..=2),
            Sep(s2),
            Num(y, w @ (2 | 4)),
            ..,
        ] if s1 == s2 && matches!(s1, b'/' | b'-' | b'.') => {
            let base = match (s1, w) {
                (b'/', 4) => 0,
                (b'-', 4) => 2,
                (b'.', 4) => 4,
                (b'/', _) => 6,
                (b'-', _) => 8,
                _ => 10,
            };
            let y = full_year(*y, *w);
            let month_first = ymd(y, *a, *b);
            let day_first = ymd(y, *b, *a);
            let (format, days, order) = if *a > 12 {
                (base + 1, day_first, Order::DayFirst)
            } else if *b > 12 {
                (base, month_first, Order::MonthFirst)
            } else {
                (base, month_first, Order::Ambiguous)
            };
            Some(DatePart {
                format,
                days,
                order,
                used: 5,
                alt: if order == Order::Ambiguous {
                    day_first
                } else {
                    None
                },
            })
        }
        // 4 Mar 2021, 4 March 2021
        [Num(d, 1..=2), Sep(b' '), Word(w), Sep(b' '), Num(y, 4), ..] => {
            let (m, short) = month(w)?;
            let format = if short { "%d %b %Y" } else { "%d %B %Y" };
            Some(fixed(format, ymd(*y, m, *d), 5))
        }
        // 04-Mar-2021, 4-Mar-21
        [
            Num(d, 1..=2),
            Sep(b'-'),
            Word(w),
            Sep(b'-'),
            Num(y, w2 @ (2 | 4)),
            ..,
        ] => {
            let (m, _) = month(w)?;
            let format = if *w2 == 4 { "%d-%b-%Y" } else { "%d-%b-%y" };
            Some(fixed(format, ymd(full_year(*y, *w2), m, *d), 5))
        }
        // Mar 4, 2021 / March 4, 2021
        [Word(w), Sep(b' '), Num(d, 1..=2), Sep(b','), Num(y, 4), ..] => {
            let (m, short) = month(w)?;
            let format = if short { "%b %d, %Y" } else { "%B %d, %Y" };
            Some(fixed(format, ymd(*y, m, *d), 5))
        }
        // Mar 4 2021
        [Word(w), Sep(b' '), Num(d, 1..=2), Sep(b' '), Num(y, 4), ..] => {
            let (m, _) = month(w)?;
            Some(fixed("%b %d %Y", ymd(*y, m, *d), 5))
        }
        _ => None,
    }
}

/// The time part after the date: time format index, whether the time exists, seconds from
/// midnight and the zone's offset east of UTC in minutes; None when the rest is not a time.
fn time_part(t: &[Tok<'_>]) -> Option<(u8, bool, u32, i32)> {
    use Tok::*;
    if t.is_empty() {
        return Some((0, true, 0, 0));
    }
    let (iso, rest) = match t {
        [Word(w), rest @ ..] if w.eq_ignore_ascii_case("t") => (true, rest),
        [Sep(b' '), rest @ ..] => (false, rest),
        // "2021-03-04T10:00:00": the T is glued to the next number, so it is a word.
        _ => return None,
    };
    let (h, m, s, used) = match rest {
        [
            Num(h, 1..=2),
            Sep(b':'),
            Num(m, 2),
            Sep(b':'),
            Num(s, 2),
            ..,
        ] => (*h, *m, Some(*s), 5),
        [Num(h, 1..=2), Sep(b':'), Num(m, 2), ..] => (*h, *m, None, 3),
        _ => return None,
    };
    let mut rest = &rest[used..];
    // Fractions of a second.
    if let [Sep(b'.'), Num(_, _), more @ ..] = rest {
        s?;
        rest = more;
    }
    // AM/PM.
    let mut twelve = false;
    let mut pm = false;
    match rest {
        [Sep(b' '), Word(w), more @ ..]
            if w.eq_ignore_ascii_case("am") || w.eq_ignore_ascii_case("pm") =>
        {
            twelve = true;
            pm = w.eq_ignore_ascii_case("pm");
            rest = more;
        }
        [Word(w), more @ ..] if w.eq_ignore_ascii_case("am") || w.eq_ignore_ascii_case("pm") => {
            twelve = true;
            pm = w.eq_ignore_ascii_case("pm");
            rest = more;
        }
        _ => {}
    }
    // Zone: Z, +01:00, -0500, " UTC".
    let sign = |c: &u8| if *c == b'-' { -1 } else { 1 };
    let offset = match rest {
        [] => 0,
        [Word(z)] if z.eq_ignore_ascii_case("z") => 0,
        [Sep(b' '), Word(z)] if z.eq_ignore_ascii_case("utc") || z.eq_ignore_ascii_case("gmt") => 0,
        [Sep(c @ (b'+' | b'-')), Num(hh, 2)] => sign(c) * *hh as i32 * 60,
        [Sep(c @ (b'+' | b'-')), Num(hhmm, 4)] => {
            sign(c) * ((*hhmm / 100) as i32 * 60 + (*hhmm % 100) as i32)
        }
        [Sep(c @ (b'+' | b'-')), Num(hh, 2), Sep(b':'), Num(mm, 2)] => {
            sign(c) * (*hh as i32 * 60 + *mm as i32)
        }
        _ => return None,
    };
    let format = match (iso, twelve, s.is_some()) {
        (true, false, true) => 1,
        (true, false, false) => 4,
        (false, false, true) => 2,
        (false, false, false) => 3,
        (false, true, false) => 5,
        (false, true, true) => 6,
        (true, true, _) => return None,
    };
    let valid = if twelve {
        (1..=12).contains(&h)
    } else {
        h < 24
    } && m < 60
        && s.is_none_or(|s| s < 61);
    let hour = match (twelve, h) {
        (true, 12) if pm => 12,
        (true, 12) => 0,
        (true, h) if pm => h + 12,
        _ => h,
    };
    let seconds = hour * 3600 + m * 60 + s.unwrap_or(0).min(59);
    Some((format, valid, seconds, offset))
}

/// Reads `s` as a date or date-time.
pub fn parse(s: &str) -> DateParse {
    let s = crate::text::trim(s);
    if s.len() < 6 || s.len() > 40 {
        return DateParse::NotDate;
    }
    let mut buf = [Tok::Sep(0); 24];
    let Some(n) = tokens(s, &mut buf) else {
        return DateParse::NotDate;
    };
    let toks = &buf[..n];
    let Some(part) = date_part(toks) else {
        return DateParse::NotDate;
    };
    let Some((time_format, time_ok, seconds, offset_minutes)) = time_part(&toks[part.used..])
    else {
        return DateParse::NotDate;
    };
    match part.days {
        Some(days) if time_ok => DateParse::Date(DateValue {
            days,
            has_time: time_format != 0,
            format: part.format,
            time_format,
            order: part.order,
            day_first_days: part.alt,
            seconds,
            offset_minutes,
        }),
        _ => DateParse::Impossible,
    }
}

/// Whether format `f` (maybe with a time part) has the date part `date_label`.
fn has_date_part(f: &str, date_label: &str) -> bool {
    f.strip_prefix(date_label)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', 'T']))
}

/// Position in `formats` of the first format with date part `label`.
fn position(formats: &[String], label: &str) -> Option<usize> {
    formats.iter().position(|f| has_date_part(f, label))
}

/// The day a parsed value names under a column's `formats` (strftime, as the profile names
/// them): an ambiguous `03/04/2021` is read day-first when the day-first layout is listed
/// before the month-first one; a value only one order can read is refused when the list
/// names the other order alone. An empty list reads month-first.
fn day_under(d: &DateValue, formats: &[String]) -> Option<Days> {
    if formats.is_empty() || d.order == Order::Fixed {
        return Some(d.days);
    }
    let (month_first, day_first) = match d.order {
        Order::DayFirst => (d.format - 1, d.format),
        _ => (d.format, d.format + 1),
    };
    let mf = position(formats, FORMATS[month_first as usize]);
    let df = position(formats, FORMATS[day_first as usize]);
    match d.order {
        Order::Ambiguous => match (mf, df) {
            (Some(m), Some(f)) if f < m => d.day_first_days,
            (None, Some(_)) => d.day_first_days,
            _ => Some(d.days),
        },
        Order::MonthFirst if mf.is_none() && df.is_some() => None,
        Order::DayFirst if df.is_none() && mf.is_some() => None,
        _ => Some(d.days),
    }
}

/// Formats the parser does not know (`%Y%m%d`, `%d.%m.%Y %H.%M`), tried through chrono.
fn chrono_date(s: &str, formats: &[String]) -> Option<NaiveDateTime> {
    for f in formats {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt);
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0);
        }
    }
    None
}

/// Reads a date as the column's `formats` say (empty: any layout, month-first where the order
/// is open); a date-time keeps its date part as written. None for text that is no date or a
/// day that cannot exist.
pub fn read_date(s: &str, formats: &[String]) -> Option<NaiveDate> {
    let s = crate::text::trim(s);
    match parse(s) {
        DateParse::Date(d) => date(day_under(&d, formats)?),
        DateParse::Impossible => None,
        DateParse::NotDate => chrono_date(s, formats)
            .or_else(|| chrono_date(s, &[COMPACT.to_string()]))
            .map(|dt| dt.date()),
    }
}

/// Reads a date-time as UTC (a date alone is its midnight), as [`read_date`] reads dates.
pub fn read_datetime(s: &str, formats: &[String]) -> Option<NaiveDateTime> {
    let s = crate::text::trim(s);
    match parse(s) {
        DateParse::Date(d) => {
            let local = date(day_under(&d, formats)?)?.and_hms_opt(0, 0, 0)?
                + TimeDelta::seconds(i64::from(d.seconds));
            Some(local - TimeDelta::minutes(i64::from(d.offset_minutes)))
        }
        DateParse::Impossible => None,
        DateParse::NotDate => {
            chrono_date(s, formats).or_else(|| chrono_date(s, &[COMPACT.to_string()]))
        }
    }
}

/// An Excel serial date (days since 1899-12-30, a fraction for the time of day), as a
/// spreadsheet saved as CSV writes date cells (`45292` is 2024-01-01). Read only where a date
/// is expected (the `date` and `datetime` transforms), and only from 20000 to 79999 (1954 to
/// 2118), so an amount or id elsewhere is never taken for one.
pub fn excel_serial(s: &str) -> Option<NaiveDateTime> {
    let s = crate::text::trim(s);
    let (days, fraction) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if days.len() != 5 || !digits(days) || !digits(fraction) {
        return None;
    }
    let days: i64 = days.parse().ok()?;
    if !(20_000..80_000).contains(&days) {
        return None;
    }
    let seconds = if fraction.is_empty() {
        0
    } else {
        let f: f64 = format!("0.{fraction}").parse().ok()?;
        (f * 86_400.0).round() as i64
    };
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    Some(base + TimeDelta::days(days) + TimeDelta::seconds(seconds))
}

/// An Excel serial date as the profile counts dates: only where the column's name says it
/// holds dates does it make the column a date column.
pub fn serial_value(s: &str) -> Option<DateValue> {
    let at = excel_serial(s)?;
    let seconds = at.time().num_seconds_from_midnight();
    Some(DateValue {
        days: days(at.date()),
        has_time: seconds > 0,
        format: EXCEL_SERIAL,
        time_format: 0,
        order: Order::Fixed,
        day_first_days: None,
        seconds,
        offset_minutes: 0,
    })
}

/// A date in any layout the parser knows (month-first where open) or `YYYYMMDD`.
pub fn any_date(s: &str) -> Option<NaiveDate> {
    read_date(s, &[])
}

/// The compact ISO layout (`20210304`), which the token parser leaves to chrono because a
/// run of eight digits is as often an id.
const COMPACT: &str = "%Y%m%d";

/// The format label of a value the parser reads as a date (`%m/%d/%Y`, `%Y-%m-%d %H:%M:%S`).
pub fn format_of(s: &str) -> Option<String> {
    match parse(s) {
        DateParse::Date(d) => Some(label(d.format, d.time_format)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text_matches_chrono() {
        for (y, m, d) in [
            (2021, 3, 4),
            (1, 1, 1),
            (9999, 12, 31),
            (1970, 10, 25),
            (-5, 6, 7),
            (12345, 1, 2),
        ] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_date(day), day.format("%Y-%m-%d").to_string());
            let dt = day.and_hms_opt(9, 5, 59).unwrap();
            assert_eq!(
                iso_datetime(dt),
                dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
    }

    fn fmt(s: &str) -> String {
        match parse(s) {
            DateParse::Date(d) => label(d.format, d.time_format),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn formats_are_named() {
        let cases = [
            ("2021-03-04", "%Y-%m-%d"),
            ("03/04/2021", "%m/%d/%Y"),
            ("13/04/2021", "%d/%m/%Y"),
            ("04/13/2021", "%m/%d/%Y"),
            ("4 Mar 2021", "%d %b %Y"),
            ("14 March 2021", "%d %B %Y"),
            ("4 May 2021", "%d %b %Y"),
            ("Mar 4, 2021", "%b %d, %Y"),
            ("04-Mar-2021", "%d-%b-%Y"),
            ("04.03.21", "%m.%d.%y"),
            ("2021-03-04T10:20:30", "%Y-%m-%dT%H:%M:%S"),
            ("2021-03-04T10:20:30Z", "%Y-%m-%dT%H:%M:%S"),
            ("2021-03-04T10:20:30.123+01:00", "%Y-%m-%dT%H:%M:%S"),
            ("2021-03-04 10:20", "%Y-%m-%d %H:%M"),
            ("03/04/2021 3:15 PM", "%m/%d/%Y %I:%M %p"),
        ];
        for (s, want) in cases {
            assert_eq!(fmt(s), want, "{s}");
        }
    }

    #[test]
    fn impossible_and_non_dates() {
        for s in [
            "2021-02-30",
            "02/30/2021",
            "31/02/2021",
            "13/13/2021",
            "2021-13-01",
            "1850-01-01",
            "2021-03-04 25:00",
        ] {
            assert_eq!(parse(s), DateParse::Impossible, "{s}");
        }
        for s in [
            "hello",
            "12345",
            "A-000001",
            "415.555.0134",
            "1,200,000",
            "2021",
            "call me",
            "2021-03-04 later",
        ] {
            assert_eq!(parse(s), DateParse::NotDate, "{s}");
        }
    }

    #[test]
    fn day_numbers_and_orders() {
        let DateParse::Date(d) = parse("2024-02-29") else {
            panic!()
        };
        assert_eq!(
            date(d.days),
            Some(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        let DateParse::Date(d) = parse("03/04/2021") else {
            panic!()
        };
        assert_eq!(d.order, Order::Ambiguous);
        assert_eq!(day_first_twin(d.format), Some(fmt_index("%d/%m/%Y")));
        assert_eq!(day_first_twin(fmt_index("%Y-%m-%d")), None);
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    fn f(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_dates_under_a_columns_formats() {
        let d = |s: &str, l: &[&str]| read_date(s, &f(l)).map(|d| d.to_string());
        assert_eq!(d("2021-03-04", &[]).as_deref(), Some("2021-03-04"));
        assert_eq!(d("03/04/2021", &[]).as_deref(), Some("2021-03-04"));
        assert_eq!(
            d("03/04/2021", &["%d/%m/%Y"]).as_deref(),
            Some("2021-04-03")
        );
        assert_eq!(
            d("03/04/2021", &["%m/%d/%Y", "%d/%m/%Y"]).as_deref(),
            Some("2021-03-04")
        );
        assert_eq!(
            d("13/04/2021", &["%m/%d/%Y", "%d/%m/%Y"]).as_deref(),
            Some("2021-04-13")
        );
        assert_eq!(d("04/13/2021", &["%d/%m/%Y"]), None);
        assert_eq!(
            d("4 Mar 2021", &["%d/%m/%Y"]).as_deref(),
            Some("2021-03-04")
        );
        assert_eq!(
            d("2021-03-04T10:00:00Z", &[]).as_deref(),
            Some("2021-03-04")
        );
        assert_eq!(
            d("1996-07-04 00:00:00.000", &[]).as_deref(),
            Some("1996-07-04")
        );
        assert_eq!(d("20210304", &[]).as_deref(), Some("2021-03-04"));
        assert_eq!(
            d("04.03.2021 10.15", &["%d.%m.%Y %H.%M"]).as_deref(),
            Some("2021-03-04")
        );
        assert_eq!(d("02/30/2021", &[]), None);
        assert_eq!(d("13/13/2021", &[]), None);
        assert_eq!(d("soon", &[]), None);
    }

    #[test]
    fn reads_datetimes_as_utc() {
        let t = |s: &str| read_datetime(s, &[]).map(|d| d.to_string());
        assert_eq!(
            t("2021-03-04T10:00:00+02:00").as_deref(),
            Some("2021-03-04 08:00:00")
        );
        assert_eq!(
            t("2021-03-04T10:00:00-0530").as_deref(),
            Some("2021-03-04 15:30:00")
        );
        assert_eq!(
            t("2019-05-03T14:22:11.000Z").as_deref(),
            Some("2019-05-03 14:22:11")
        );
        assert_eq!(
            t("1996-07-04 00:00:00.000").as_deref(),
            Some("1996-07-04 00:00:00")
        );
        assert_eq!(
            t("03/04/2021 3:15 PM").as_deref(),
            Some("2021-03-04 15:15:00")
        );
        assert_eq!(
            t("03/04/2021 12:05 AM").as_deref(),
            Some("2021-03-04 00:05:00")
        );
        assert_eq!(t("2021-03-04").as_deref(), Some("2021-03-04 00:00:00"));
        assert_eq!(
            format_of("2021-03-04 10:20").as_deref(),
            Some("%Y-%m-%d %H:%M")
        );
    }

    #[test]
    fn excel_serial_dates() {
        let at = |s: &str| excel_serial(s).map(|d| d.to_string());
        assert_eq!(at("45292").as_deref(), Some("2024-01-01 00:00:00"));
        assert_eq!(at(" 45292.5 ").as_deref(), Some("2024-01-01 12:00:00"));
        assert_eq!(at("20000").as_deref(), Some("1954-10-03 00:00:00"));
        for no in [
            "1200", "19999", "80000", "123456", "45292.x", "4529a", "-45292", "",
        ] {
            assert_eq!(excel_serial(no), None, "{no}");
        }
    }
}
