//! Dates and date-times as exports write them: which format each value uses (named in
//! strftime notation, e.g. `%m/%d/%Y`), and whether the date can exist at all.
//!
//! Parsing is by hand over tokens rather than through `chrono`'s format strings: it runs
//! for every cell of every column, and must tell apart "not a date" from "a date that cannot
//! exist" (`02/30/2021`).

use chrono::{Datelike, NaiveDate};

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
    (format < DAY_MONTH_PAIRS * 2 && format.is_multiple_of(2)).then_some(format + 1)
}

/// The full format label of a value: date part and time part.
pub fn label(format: u8, time_format: u8) -> String {
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

/// The time part after the date: (time format index, valid), or None when the rest is not a time.
fn time_part(t: &[Tok<'_>]) -> Option<(u8, bool)> {
    use Tok::*;
    if t.is_empty() {
        return Some((0, true));
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
    match rest {
        [Sep(b' '), Word(w), more @ ..]
            if w.eq_ignore_ascii_case("am") || w.eq_ignore_ascii_case("pm") =>
        {
            twelve = true;
            rest = more;
        }
        [Word(w), more @ ..] if w.eq_ignore_ascii_case("am") || w.eq_ignore_ascii_case("pm") => {
            twelve = true;
            rest = more;
        }
        _ => {}
    }
    // Zone: Z, +01:00, -0500, " UTC".
    match rest {
        [] => {}
        [Word(z)] if z.eq_ignore_ascii_case("z") => {}
        [Sep(b' '), Word(z)] if z.eq_ignore_ascii_case("utc") || z.eq_ignore_ascii_case("gmt") => {}
        [Sep(b'+' | b'-'), Num(_, 2 | 4)] => {}
        [Sep(b'+' | b'-'), Num(_, 2), Sep(b':'), Num(_, 2)] => {}
        _ => return None,
    }
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
    Some((format, valid))
}

/// Reads `s` as a date or date-time.
pub fn parse(s: &str) -> DateParse {
    let s = s.trim();
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
    let Some((time_format, time_ok)) = time_part(&toks[part.used..]) else {
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
        }),
        _ => DateParse::Impossible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
