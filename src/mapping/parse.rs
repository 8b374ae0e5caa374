//! Pure parsers for typed values: emails, URLs, phones, numbers, dates, booleans. Shared by
//! the transforms (which convert) and the value evidence (which recognises).

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// The contract's valid email: one `@`, a local part, a dotted domain with a letters-only TLD
/// of 2+ characters, no empty labels, no spaces.
pub fn is_email(s: &str) -> bool {
    if s.chars().any(char::is_whitespace) || s.matches('@').count() != 1 {
        return false;
    }
    let (local, domain) = s.split_once('@').unwrap_or_default();
    if local.is_empty() {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The host of a URL or bare domain (`https://www.Acme.com/x` -> `acme.com`), if it has one.
pub fn domain(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.contains('@') || s.chars().any(char::is_whitespace) {
        return None;
    }
    let lower = s.to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let labels: Vec<&str> = host.split('.').collect();
    let ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    ok.then(|| host.to_string())
}

/// A phone number split into its digits, whether it had a leading `+` (or `00`), and any
/// extension; None unless 7-15 digits remain (the contract's rule).
#[derive(Debug, PartialEq, Eq)]
pub struct Phone {
    pub digits: String,
    pub international: bool,
    pub extension: Option<String>,
}

/// Parses a phone number: separators ` + - ( ) .` are ignored, `x123` / `ext 123` is an extension.
pub fn phone(s: &str) -> Option<Phone> {
    let lower = s.trim().to_lowercase();
    let (main, ext) = split_extension(&lower);
    let international = main.trim_start().starts_with('+');
    // `+44 (0)20 ...`: the bracketed trunk prefix is dialled only from inside the country.
    let main = if international {
        std::borrow::Cow::Owned(main.replacen("(0)", "", 1))
    } else {
        std::borrow::Cow::Borrowed(main)
    };
    let mut digits = String::new();
    for ch in main.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '+' | '-' | '(' | ')' | '.' | '/' => {}
            _ => return None,
        }
    }
    let (digits, international) = match digits.strip_prefix("00") {
        Some(rest) if !international && main.trim_start().starts_with("00") => {
            (rest.to_string(), true)
        }
        _ => (digits, international),
    };
    (7..=15).contains(&digits.len()).then_some(Phone {
        digits,
        international,
        extension: ext,
    })
}

fn split_extension(s: &str) -> (&str, Option<String>) {
    for marker in ["extension", "ext.", "ext", "x", "#"] {
        if let Some(pos) = s.rfind(marker) {
            let tail = s[pos + marker.len()..].trim();
            if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) {
                return (&s[..pos], Some(tail.to_string()));
            }
        }
    }
    (s, None)
}

/// An exact decimal: `digits * 10^-scale`, negative when `negative`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub negative: bool,
    pub digits: u128,
    pub scale: u32,
}

impl Decimal {
    /// Canonical text: no exponent, no trailing zeros after the point.
    pub fn to_text(self) -> String {
        let mut d = self;
        while d.scale > 0 && d.digits.is_multiple_of(10) {
            d.digits /= 10;
            d.scale -= 1;
        }
        let raw = d.digits.to_string();
        let body = if d.scale == 0 {
            raw
        } else {
            let width = d.scale as usize + 1;
            let padded = format!("{raw:0>width$}");
            let (int, frac) = padded.split_at(padded.len() - d.scale as usize);
            format!("{int}.{frac}")
        };
        if d.negative && d.digits != 0 {
            format!("-{body}")
        } else {
            body
        }
    }

    /// Whether the value has no fractional part.
    pub fn is_integer(self) -> bool {
        self.scale == 0 || self.digits.is_multiple_of(10u128.pow(self.scale))
    }

    /// Rounded half away from zero to `places` decimals.
    pub fn round(self, places: u32) -> Decimal {
        if self.scale <= places {
            return self;
        }
        let drop = 10u128.pow(self.scale - places);
        let mut digits = self.digits / drop;
        if self.digits % drop >= drop / 2 {
            digits += 1;
        }
        Decimal {
            negative: self.negative,
            digits,
            scale: places,
        }
    }

    fn times_pow10(self, n: u32) -> Option<Decimal> {
        if self.scale >= n {
            Some(Decimal {
                scale: self.scale - n,
                ..self
            })
        } else {
            let digits = self
                .digits
                .checked_mul(10u128.checked_pow(n - self.scale)?)?;
            Some(Decimal {
                digits,
                scale: 0,
                ..self
            })
        }
    }
}

/// What [`number`] noticed besides the value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NumberNotes {
    /// A trailing `+` (`500+`) was read as its lower bound.
    pub lower_bound: bool,
}

/// Parses a human-written number: currency signs and codes, thousands separators, `(1,200)` for
/// negatives, `%`, a trailing `+`, and `k` / `M` / `B` suffixes. `decimal` is `.` or `,`.
pub fn number(s: &str, decimal: char) -> Option<(Decimal, NumberNotes)> {
    // Scientific notation, as spreadsheets and Data Loader write large amounts: `9.5E8`.
    if let Some((mantissa, exp)) = s.trim().split_once(['e', 'E'])
        && let Ok(exp) = exp.parse::<i32>()
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || ".-+".contains(c))
        && mantissa.chars().any(|c| c.is_ascii_digit())
        && exp.unsigned_abs() <= 30
    {
        let (d, notes) = number(mantissa, '.')?;
        return if exp >= 0 {
            Some((d.times_pow10(exp as u32)?, notes))
        } else {
            let scale = d.scale + exp.unsigned_abs();
            (scale <= 36).then_some((Decimal { scale, ..d }, notes))
        };
    }
    // The separators say which is the decimal one: the last of two kinds (`1.234,56`), or
    // the other one when the given decimal repeats (`4.500.000` groups thousands).
    let decimal = {
        let other = if decimal == ',' { '.' } else { ',' };
        let (last_dec, last_other) = (s.rfind(decimal), s.rfind(other));
        match (last_dec, last_other) {
            (Some(d), Some(o)) if o > d => other,
            (Some(_), None) if s.matches(decimal).count() > 1 => other,
            _ => decimal,
        }
    };
    let mut t = s.trim().to_string();
    let mut notes = NumberNotes::default();
    let mut negative = false;
    if t.starts_with('(') && t.ends_with(')') {
        negative = true;
        t = t[1..t.len() - 1].trim().to_string();
    }
    for code in ["USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY"] {
        if let Some(rest) = t.strip_prefix(code).or_else(|| t.strip_suffix(code)) {
            t = rest.trim().to_string();
        }
    }
    t = t
        .trim_matches(|c: char| "$€£¥%".contains(c) || c.is_whitespace())
        .to_string();
    if let Some(rest) = t.strip_prefix('-') {
        negative = !negative;
        t = rest
            .trim_start_matches(|c: char| "$€£¥".contains(c))
            .to_string();
    } else if let Some(rest) = t.strip_prefix('+') {
        t = rest.to_string();
    }
    if let Some(rest) = t.strip_suffix('+') {
        notes.lower_bound = true;
        t = rest.trim().to_string();
    }
    let lower = t.to_lowercase();
    let (body, power) = [("bn", 9), ("b", 9), ("mm", 6), ("m", 6), ("k", 3)]
        .iter()
        .find_map(|(suffix, p)| {
            lower
                .strip_suffix(suffix)
                .filter(|b| b.ends_with(|c: char| c.is_ascii_digit() || c == ' '))
                .map(|b| (b.trim().to_string(), *p))
        })
        .unwrap_or((t.clone(), 0));
    let thousands = if decimal == ',' {
        ['.', ' ']
    } else {
        [',', ' ']
    };
    let (int_part, frac_part) = match body.rsplit_once(decimal) {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (body.clone(), None),
    };
    // Thousands separators must group by three, so `1,2` is not read as 12.
    let groups: Vec<&str> = int_part.split(|c| thousands.contains(&c)).collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return None;
    }
    let int_digits: String = groups.concat();
    let frac_digits = frac_part.unwrap_or_default();
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    if !int_digits.chars().all(|c| c.is_ascii_digit())
        || !frac_digits.chars().all(|c| c.is_ascii_digit())
        || frac_digits.len() > 18
    {
        return None;
    }
    let all = format!("{int_digits}{frac_digits}");
    let digits: u128 = all.parse().ok()?;
    let value = Decimal {
        negative,
        digits,
        scale: frac_digits.len() as u32,
    }
    .times_pow10(power)?;
    Some((value, notes))
}

/// Date formats tried when a `date` transform lists none, and when recognising dates.
pub const DEFAULT_DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%d-%b-%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%Y%m%d",
];

/// Parses a date with the first matching format; formats with a time keep the date part, and
/// ISO/RFC 3339 timestamps are accepted too.
pub fn date(s: &str, formats: &[String]) -> Option<NaiveDate> {
    let s = s.trim();
    for f in formats {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt.date());
        }
    }
    // ISO dates are always accepted, so a chain can run twice over its own output.
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| datetime_iso(s).map(|dt| dt.date()))
}

/// Parses a date in any of the common formats ([`DEFAULT_DATE_FORMATS`], ISO timestamps).
pub fn any_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    DEFAULT_DATE_FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .or_else(|| date(s, &[]))
}

/// Parses a timestamp (as UTC) with the formats, falling back to RFC 3339 and ISO forms.
pub fn datetime(s: &str, formats: &[String]) -> Option<NaiveDateTime> {
    let s = s.trim();
    for f in formats {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt);
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0);
        }
    }
    datetime_iso(s).or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

fn datetime_iso(s: &str) -> Option<NaiveDateTime> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_utc());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt);
        }
    }
    None
}

/// `true` / `false` for the usual spellings of yes and no.
pub fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "on" | "x" | "checked" => Some(true),
        "false" | "f" | "no" | "n" | "0" | "off" | "unchecked" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "john.smith@acme.com", "x+y@sub.acme.org"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "john.smith@",
            "jane@@acme.com",
            "bob at acme.com",
            "mary@acme",
            "@acme.com",
            "tom@acme..com",
            "a@b.c0",
            "",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn real_export_numbers_and_timestamps() {
        let n = |s: &str| number(s, '.').map(|(d, _)| d.to_text());
        assert_eq!(n("9.5E8").as_deref(), Some("950000000"));
        assert_eq!(n("6.0E7").as_deref(), Some("60000000"));
        assert_eq!(n("1.25e-2").as_deref(), Some("0.0125"));
        assert_eq!(n("€ 4.500.000").as_deref(), Some("4500000"));
        assert_eq!(n("1.234,56").as_deref(), Some("1234.56"));
        assert_eq!(n("1,234.56").as_deref(), Some("1234.56"));
        assert_eq!(n("12.5").as_deref(), Some("12.5"));
        assert_eq!(n("Dell E7"), None);
        let ts = |s: &str| datetime(s, &[]).map(|d| d.to_string());
        assert_eq!(
            ts("1996-07-04 00:00:00.000").as_deref(),
            Some("1996-07-04 00:00:00")
        );
        assert_eq!(
            ts("2019-05-03T14:22:11.000Z").as_deref(),
            Some("2019-05-03 14:22:11")
        );
    }

    #[test]
    fn domains() {
        let cases = [
            ("https://www.Acme.com/", Some("acme.com")),
            ("http://acme.co.uk/about?x=1", Some("acme.co.uk")),
            ("www.acme.com", Some("acme.com")),
            ("acme.com:8080", Some("acme.com")),
            ("acme", None),
            ("bob@acme.com", None),
            ("not a url", None),
        ];
        for (input, want) in cases {
            assert_eq!(domain(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn phones() {
        let p = phone("(415) 555-0134").unwrap();
        assert_eq!((p.digits.as_str(), p.international), ("4155550134", false));
        let p = phone("+1 415 555 0134 x12").unwrap();
        assert_eq!(p.digits, "14155550134");
        assert!(p.international);
        assert_eq!(p.extension.as_deref(), Some("12"));
        let p = phone("0049 30 1234567").unwrap();
        assert_eq!((p.digits.as_str(), p.international), ("49301234567", true));
        assert_eq!(
            phone("415.555.0134 ext 7").unwrap().extension.as_deref(),
            Some("7")
        );
        for bad in ["12", "call me", "555-CALL-NOW", "n/a", ""] {
            assert!(phone(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn numbers() {
        let cases = [
            ("1,200", Some("1200")),
            ("$1.2M", Some("1200000")),
            ("250k", Some("250000")),
            ("1,200,000", Some("1200000")),
            ("500+", Some("500")),
            ("(1,234.50)", Some("-1234.5")),
            ("-$3.25", Some("-3.25")),
            ("€ 2.5 bn", Some("2500000000")),
            ("75%", Some("75")),
            ("USD 100", Some("100")),
            ("0.10", Some("0.1")),
            ("1 200", Some("1200")),
            ("1,2", None),
            ("12,34,567", None),
            ("abc", None),
            ("", None),
            ("1.2.3", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                number(input, '.').map(|(d, _)| d.to_text()).as_deref(),
                want,
                "{input}"
            );
        }
        assert_eq!(number("1.234,5", ',').unwrap().0.to_text(), "1234.5");
        assert!(number("500+", '.').unwrap().1.lower_bound);
        let d = number("2.345", '.').unwrap().0;
        assert_eq!(d.round(2).to_text(), "2.35");
        assert!(!d.is_integer());
        assert!(number("3.00", '.').unwrap().0.is_integer());
    }

    #[test]
    fn dates() {
        let defaults: Vec<String> = DEFAULT_DATE_FORMATS.iter().map(|s| s.to_string()).collect();
        let cases = [
            ("2021-03-04", Some("2021-03-04")),
            ("03/04/2021", Some("2021-03-04")),
            ("4 Mar 2021", Some("2021-03-04")),
            ("Mar 4, 2021", Some("2021-03-04")),
            ("2021-03-04T10:00:00Z", Some("2021-03-04")),
            ("2021-03-04 10:00:00", Some("2021-03-04")),
            ("13/13/2021", None),
            ("soon", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                date(input, &defaults).map(|d| d.to_string()).as_deref(),
                want,
                "{input}"
            );
        }
        let eu = vec!["%d/%m/%Y".to_string()];
        assert_eq!(date("03/04/2021", &eu).unwrap().to_string(), "2021-04-03");
        assert_eq!(
            datetime("2021-03-04T10:00:00+02:00", &[])
                .unwrap()
                .to_string(),
            "2021-03-04 08:00:00"
        );
    }

    #[test]
    fn booleans() {
        assert_eq!(boolean("Yes"), Some(true));
        assert_eq!(boolean("0"), Some(false));
        assert_eq!(boolean("maybe"), None);
    }
}
