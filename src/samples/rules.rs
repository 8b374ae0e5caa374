//! The data contract's rules (docs: samples-contract): what counts as a valid email or phone,
//! a placeholder, a plain number, a known date format, a stale account, and the keys a
//! duplicate matcher compares. The truth file is computed with exactly these. They are
//! written independently of `profile` and `mapping` on purpose: the truth is the oracle the
//! profile's counts are tested against, so it must not share their code.

use chrono::NaiveDate;

/// Cell values that stand for "no value" in legacy data (compared trimmed, ignoring case).
pub const PLACEHOLDERS: [&str; 6] = ["N/A", "-", "unknown", "none", "test", "xxx"];

/// Legal-form tokens a company-name normaliser drops (after lowercasing and removing dots).
const LEGAL_SUFFIXES: [&str; 17] = [
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "plc",
    "llp",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "lp",
];

/// True when `token` (lowercase, without dots) is a legal form such as `inc` or `gmbh`.
pub fn is_legal_suffix(token: &str) -> bool {
    LEGAL_SUFFIXES.contains(&token)
}

/// Exactly one `@`, a non-empty local part, a domain of non-empty dot-separated labels with
/// at least one dot and a letters-only TLD of 2+ characters, and no whitespace anywhere.
pub fn is_valid_email(s: &str) -> bool {
    if s.chars().any(char::is_whitespace) {
        return false;
    }
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if local.is_empty() || !domain.contains('.') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels[labels.len() - 1];
    labels.iter().all(|l| !l.is_empty())
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// The phone without a trailing extension (`x123`, `ext 123`, `ext. 123`, `extension 123`).
fn strip_extension(s: &str) -> &str {
    let lower = s.to_ascii_lowercase();
    let trimmed = lower.trim_end();
    let digits_start = trimmed.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits_start == trimmed.len() {
        return s;
    }
    let before = trimmed[..digits_start].trim_end();
    let before = before.strip_suffix('.').unwrap_or(before).trim_end();
    for marker in ["extension", "ext", "x"] {
        if let Some(rest) = before.strip_suffix(marker) {
            // `x` must not be the tail of a word (`box12` is not an extension).
            if rest.is_empty() || !rest.ends_with(|c: char| c.is_ascii_alphabetic()) {
                return &s[..rest.len()];
            }
        }
    }
    s
}

/// After removing spaces, `+ - ( ) .` and an extension: 7 to 15 digits and nothing else.
pub fn is_valid_phone(s: &str) -> bool {
    let body = strip_extension(s);
    let mut digits = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            ' ' | '+' | '-' | '(' | ')' | '.' => {}
            _ => return false,
        }
    }
    (7..=15).contains(&digits)
}

/// The digits of a phone without its extension: the phone key duplicate matching compares.
pub fn phone_digits(s: &str) -> String {
    strip_extension(s)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// True for one of [`PLACEHOLDERS`].
pub fn is_placeholder(s: &str) -> bool {
    if s.is_empty() || s.len() > 16 {
        return false;
    }
    let t = s.trim();
    PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(t))
}

/// An optional `-`, digits, and optionally `.` and more digits: what a number column should hold.
pub fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads a number the way a person would: `1,200`, `$1.2M`, `250k`, `500+`; None otherwise.
pub fn parse_loose_number(s: &str) -> Option<f64> {
    let t = s.trim().trim_start_matches('$').trim_end_matches('+');
    let (body, factor) = match t.chars().last()? {
        'k' | 'K' => (&t[..t.len() - 1], 1e3),
        'm' | 'M' => (&t[..t.len() - 1], 1e6),
        _ => (t, 1.0),
    };
    let plain: String = body.chars().filter(|&c| c != ',').collect();
    if is_plain_number(&plain) {
        plain.parse::<f64>().ok().map(|v| v * factor)
    } else {
        None
    }
}

/// The date formats the samples use, in the order they are reported (chrono syntax).
pub const DATE_FORMATS: [&str; 4] = ["%Y-%m-%d", "%m/%d/%Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S"];

/// The number in `b` if it is all ASCII digits (1 to 4 of them).
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

fn ymd(y: &[u8], m: &[u8], d: &[u8]) -> Option<NaiveDate> {
    if y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(y)? as i32, digits(m)?, digits(d)?)
}

/// Parses a date in one of [`DATE_FORMATS`]; returns the date and the format's index.
/// Hand-written rather than chrono's `parse_from_str`: it runs on millions of cells.
pub fn parse_date(s: &str) -> Option<(NaiveDate, usize)> {
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let b = s.trim().as_bytes();
    match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => ymd(&b[..4], &b[5..7], &b[8..]).map(|d| (d, 0)),
        10 if b[2] == b'/' && b[5] == b'/' => ymd(&b[6..], &b[..2], &b[3..5]).map(|d| (d, 1)),
        19 if b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[16] == b':' => {
            let time_ok = digits(&b[11..13]).is_some_and(|h| h < 24)
                && digits(&b[14..16]).is_some_and(|m| m < 60)
                && digits(&b[17..19]).is_some_and(|s| s < 60);
            let date = ymd(&b[..4], &b[5..7], &b[8..10])?;
            time_ok.then_some((date, 3))
        }
        _ => {
            // `4 Mar 2021` or `04 Mar 2021`
            let mut parts = b.split(|&c| c == b' ');
            let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || day.len() > 2 || month.len() != 3 {
                return None;
            }
            let m = MONTHS
                .iter()
                .position(|name| name.eq_ignore_ascii_case(month))?;
            ymd(year, format!("{}", m + 1).as_bytes(), day).map(|d| (d, 2))
        }
    }
}

/// Stale: `Last Activity` blank (or not a date) or older than `as_of - stale_after_days`.
pub fn is_stale(last_activity: &str, as_of: NaiveDate, stale_after_days: i64) -> bool {
    match parse_date(last_activity) {
        Some((d, _)) => d < as_of - chrono::Duration::days(stale_after_days),
        None => true,
    }
}

/// Replaces accented Latin letters by their base letters (`Müller` -> `Muller`, `ß` -> `ss`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let rep = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
            'æ' => "ae",
            'Æ' => "AE",
            'ç' => "c",
            'Ç' => "C",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'È' | 'É' | 'Ê' | 'Ë' => "E",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'Ì' | 'Í' | 'Î' | 'Ï' => "I",
            'ñ' => "n",
            'Ñ' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
            'ý' | 'ÿ' => "y",
            'Ý' => "Y",
            'ß' => "ss",
            'œ' => "oe",
            'Œ' => "OE",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(rep);
    }
    out
}

/// The company-name key: accents folded, lowercase, `&` read as `and`, punctuation and legal
/// forms dropped, single spaces (`Baker & Hughes, L.L.C.` -> `baker and hughes`).
pub fn normalise_company(name: &str) -> String {
    let folded = fold(name).to_lowercase().replace('&', " and ");
    let cleaned: String = folded
        .chars()
        .filter(|&c| c != '.' && c != '\'' && c != ',')
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned
        .split_whitespace()
        .filter(|t| !is_legal_suffix(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The host of a website, lowercase, without scheme, `www.`, path or trailing dot.
pub fn website_domain(website: &str) -> String {
    let w = website.trim().to_lowercase();
    let w = w
        .strip_prefix("https://")
        .or_else(|| w.strip_prefix("http://"))
        .unwrap_or(&w);
    let w = w.strip_prefix("www.").unwrap_or(w);
    let end = w.find(['/', '?', '#']).unwrap_or(w.len());
    w[..end].trim_end_matches('.').to_string()
}

/// The person-name key: accents folded, lowercase, single spaces.
pub fn normalise_person(first: &str, last: &str) -> String {
    fold(&format!("{first} {last}"))
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when at least two of the three keys are equal and non-empty in both.
pub fn two_of_three(a: &[String; 3], b: &[String; 3]) -> bool {
    a.iter()
        .zip(b)
        .filter(|(x, y)| !x.is_empty() && x == y)
        .count()
        >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_the_contract() {
        for ok in [
            "john.smith@acme.com",
            "J.O'Connor@northwind-traders.co.uk",
            "x@a.de",
        ] {
            assert!(is_valid_email(ok), "{ok} should be valid");
        }
        // The contract's injected invalid values, and a few more.
        for bad in [
            "john.smith@",
            "jane@@acme.com",
            "bob at acme.com",
            "mary@acme",
            "@acme.com",
            "tom@acme..com",
            "a@b.c",
            "a@b.c0m",
            "a b@acme.com",
            "",
            "a@.acme.com",
        ] {
            assert!(!is_valid_email(bad), "{bad} should be invalid");
        }
    }

    #[test]
    fn phones_follow_the_contract() {
        for ok in [
            "(415) 555-0134",
            "415.555.0134",
            "+1 415 555 0134",
            "+44 (0)20 7946 0958",
            "01.42.68.53.00",
            "(415) 555-0134 x204",
            "415-555-0134 ext. 12",
            "4155550134 EXT 9",
            "5550134",
        ] {
            assert!(is_valid_phone(ok), "{ok} should be valid");
        }
        for bad in [
            "12",
            "call me",
            "555-CALL-NOW",
            "n/a",
            "030/1234567",
            "123456",
            "1234567890123456",
            "",
        ] {
            assert!(!is_valid_phone(bad), "{bad} should be invalid");
        }
        assert_eq!(phone_digits("(415) 555-0134 x204"), "4155550134");
        assert_eq!(phone_digits("415.555.0134"), "4155550134");
    }

    #[test]
    fn placeholders_and_numbers() {
        for p in ["N/A", "n/a", " - ", "Unknown", "NONE", "test", "xxx"] {
            assert!(is_placeholder(p), "{p}");
        }
        for v in ["", "Test Corp", "--", "na"] {
            assert!(!is_placeholder(v), "{v}");
        }
        for n in ["0", "1200", "-3", "1200.50"] {
            assert!(is_plain_number(n), "{n}");
        }
        for n in [
            "",
            "1,200",
            "500+",
            "$1.2M",
            "250k",
            "1.",
            ".5",
            "12,500.00",
            "-",
        ] {
            assert!(!is_plain_number(n), "{n}");
        }
        assert_eq!(parse_loose_number("$1.2M"), Some(1_200_000.0));
        assert_eq!(parse_loose_number("1,200,000"), Some(1_200_000.0));
        assert_eq!(parse_loose_number("250k"), Some(250_000.0));
        assert_eq!(parse_loose_number("500+"), Some(500.0));
        assert_eq!(parse_loose_number("$12,500.00"), Some(12_500.0));
        assert_eq!(parse_loose_number("N/A"), None);
    }

    #[test]
    fn dates_in_every_format_and_staleness() {
        let d = NaiveDate::from_ymd_opt(2021, 3, 4).unwrap();
        assert_eq!(parse_date("2021-03-04"), Some((d, 0)));
        assert_eq!(parse_date("03/04/2021"), Some((d, 1)));
        assert_eq!(parse_date("4 Mar 2021"), Some((d, 2)));
        assert_eq!(parse_date("04 Mar 2021"), Some((d, 2)));
        assert_eq!(parse_date("2021-03-04 10:22:00"), Some((d, 3)));
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("2021-13-04"), None);
        assert_eq!(parse_date("02/30/2021"), None);
        assert_eq!(parse_date("2021-03-04 25:00:00"), None);
        assert_eq!(parse_date("4 Foo 2021"), None);
        assert_eq!(parse_date("4 Mar 21"), None);
        assert_eq!(parse_date("2021-3-4"), None);
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        assert!(is_stale("", as_of, 730));
        assert!(is_stale("2023-06-30", as_of, 730));
        assert!(!is_stale("2023-07-01", as_of, 730));
        assert!(!is_stale("2025-01-01", as_of, 730));
    }

    #[test]
    fn matcher_keys() {
        assert_eq!(
            normalise_company("Baker & Hughes, L.L.C."),
            "baker and hughes"
        );
        assert_eq!(
            normalise_company("  BAKER AND  Hughes Incorporated"),
            "baker and hughes"
        );
        assert_eq!(normalise_company("Müller Tools G.m.b.H."), "muller tools");
        assert_eq!(
            website_domain("https://www.NorthwindTraders.com/"),
            "northwindtraders.com"
        );
        assert_eq!(
            website_domain("northwindtraders.com"),
            "northwindtraders.com"
        );
        assert_eq!(website_domain("http://acme.de/contact?x=1"), "acme.de");
        assert_eq!(normalise_person("José", "García "), "jose garcia");
        let k = |a: &str, b: &str, c: &str| [a.to_string(), b.to_string(), c.to_string()];
        assert!(two_of_three(&k("a", "b", "c"), &k("a", "b", "x")));
        assert!(!two_of_three(&k("a", "", "c"), &k("a", "", "x")));
        assert!(!two_of_three(&k("a", "b", "c"), &k("a", "x", "y")));
    }
}
