//! Numbers as people type them: plain (`1200.5`), and the non-standard forms found in CRM
//! exports (`1,200`, `$1.2M`, `250k`, `500+`, `(300)`, `12%`) read back to a value.

/// How a numeric-looking value is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberForm {
    /// Digits with an optional sign and decimal point: what an import accepts.
    Plain { integral: bool },
    /// Readable as a number after removing formatting (separators, symbols, suffixes).
    Formatted { currency: bool, percent: bool },
}

/// A number read from text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number {
    pub value: f64,
    pub form: NumberForm,
}

/// True when `s` is a plain number, as the samples contract defines it: an optional `-`,
/// digits, and optionally `.` and more digits (`-12`, `3.50`; not `+7`, `.5` or `5.`).
pub fn is_plain(s: &str) -> bool {
    plain_kind(s.as_bytes()).is_some()
}

/// `Some(integral)` for a plain number.
fn plain_kind(b: &[u8]) -> Option<bool> {
    let body = b.strip_prefix(b"-").unwrap_or(b);
    let (int, frac) = match body.iter().position(|&c| c == b'.') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |p: &[u8]| !p.is_empty() && p.iter().all(u8::is_ascii_digit);
    (digits(int) && frac.is_none_or(digits)).then_some(frac.is_none())
}

/// Reads `s` as a number, plain or formatted; None when it is not one.
pub fn parse(s: &str) -> Option<Number> {
    let t = s.trim();
    if let Some(integral) = plain_kind(t.as_bytes()) {
        let value = if integral && t.len() <= 18 {
            fast_int(t.as_bytes())
        } else {
            t.parse().ok()?
        };
        return Some(Number {
            value,
            form: NumberForm::Plain { integral },
        });
    }
    parse_formatted(t)
}

/// Integer value of a plain integer of at most 18 digits (no overflow possible).
fn fast_int(b: &[u8]) -> f64 {
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let n = digits
        .iter()
        .fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0'));
    if neg { -(n as f64) } else { n as f64 }
}

const CURRENCY_CODES: [&str; 12] = [
    "usd", "eur", "gbp", "cad", "aud", "chf", "jpy", "inr", "nzd", "sek", "nok", "dkk",
];

/// Formatted numbers: currency symbols or codes, thousands separators, a decimal comma,
/// magnitude suffixes (k, m, mm, b, bn), a trailing `+`, a percent sign, accounting negatives.
fn parse_formatted(t: &str) -> Option<Number> {
    if t.is_empty() || t.len() > 40 || !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut s = t.to_ascii_lowercase();
    let mut currency = false;
    let mut negative = false;
    if s.starts_with('(') && s.ends_with(')') {
        negative = true;
        s = s[1..s.len() - 1].trim().to_string();
    }
    // Symbols anywhere at the edges: "$1.2M", "1.200 €", "US$ 5".
    for sym in ["us$", "$", "€", "£", "¥"] {
        if let Some(rest) = s.strip_prefix(sym) {
            s = rest.trim().to_string();
            currency = true;
        } else if let Some(rest) = s.strip_suffix(sym) {
            s = rest.trim().to_string();
            currency = true;
        }
    }
    for code in CURRENCY_CODES {
        if let Some(rest) = s.strip_prefix(code) {
            s = rest.trim().to_string();
            currency = true;
        } else if let Some(rest) = s.strip_suffix(code) {
            s = rest.trim().to_string();
            currency = true;
        }
    }
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest.trim().to_string();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.trim().to_string();
    }
    let mut percent = false;
    if let Some(rest) = s.strip_suffix('%') {
        percent = true;
        s = rest.trim().to_string();
    }
    if let Some(rest) = s.strip_suffix('+') {
        s = rest.trim().to_string();
    }
    let mut scale = 1.0;
    for (suffix, factor) in [
        ("bn", 1e9),
        ("mm", 1e6),
        ("mn", 1e6),
        ("k", 1e3),
        ("m", 1e6),
        ("b", 1e9),
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            scale = factor;
            s = rest.trim().to_string();
            break;
        }
    }
    let digits = normalise_separators(&s)?;
    let value: f64 = digits.parse().ok()?;
    let value = value * scale;
    Some(Number {
        value: if negative { -value } else { value },
        form: NumberForm::Formatted { currency, percent },
    })
}

/// Removes thousands separators and turns a decimal comma into a point; None when the
/// separators do not form a number (`1,2,3`).
fn normalise_separators(s: &str) -> Option<String> {
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b',' | b'.' | b' ' | b'\''))
    {
        return None;
    }
    // A space or apostrophe groups thousands only when three digits follow it: `1 200` and
    // `1'200` are numbers, `2024 4` (a fiscal period) and `12 34` are not.
    let mut pieces = s.split([' ', '\'']);
    pieces.next();
    for piece in pieces {
        let lead = piece.bytes().take_while(u8::is_ascii_digit).count();
        if lead != 3 {
            return None;
        }
    }
    let s: String = s.chars().filter(|c| *c != ' ' && *c != '\'').collect();
    let last_comma = s.rfind(',');
    let last_dot = s.rfind('.');
    let (thousands, decimal) = match (last_comma, last_dot) {
        (Some(c), Some(d)) if c > d => ('.', Some(',')),
        (Some(_), Some(_)) => (',', Some('.')),
        (Some(c), None) => {
            // One comma followed by 1-2 digits is a decimal comma ("1,5"); else thousands.
            let after = s.len() - c - 1;
            if s.matches(',').count() == 1 && after != 3 {
                ('.', Some(','))
            } else {
                (',', None)
            }
        }
        (None, Some(_)) => {
            if s.matches('.').count() > 1 {
                ('.', None)
            } else {
                (',', Some('.'))
            }
        }
        (None, None) => (',', None),
    };
    let mut out = String::with_capacity(s.len());
    let mut groups = s.split(thousands);
    let first = groups.next()?;
    out.push_str(first);
    for group in groups {
        // Thousands groups are three digits (the last may carry the decimal part).
        let int_part = match decimal {
            Some(d) => group.split(d).next().unwrap_or(""),
            None => group,
        };
        if int_part.len() != 3 || first.is_empty() {
            return None;
        }
        out.push_str(group);
    }
    if let Some(d) = decimal {
        out = out.replace(d, ".");
    }
    if out.matches('.').count() > 1 || out.is_empty() || out == "." {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formatted(currency: bool, percent: bool) -> NumberForm {
        NumberForm::Formatted { currency, percent }
    }

    #[test]
    fn plain_numbers() {
        for s in ["0", "-12", "3.50", "1200"] {
            assert!(is_plain(s), "{s}");
        }
        for s in [
            "", "-", ".", "1.2.3", "1,200", "1e5", " 12", "$5", "12%", "+7", ".5", "5.",
        ] {
            assert!(!is_plain(s), "{s}");
        }
        assert_eq!(
            parse("-12"),
            Some(Number {
                value: -12.0,
                form: NumberForm::Plain { integral: true }
            })
        );
    }

    #[test]
    fn formatted_numbers_are_read_back() {
        let cases = [
            ("1,200", 1200.0, formatted(false, false)),
            ("1,200,000", 1_200_000.0, formatted(false, false)),
            ("$1.2M", 1_200_000.0, formatted(true, false)),
            ("250k", 250_000.0, formatted(false, false)),
            ("500+", 500.0, formatted(false, false)),
            ("(300)", -300.0, formatted(false, false)),
            ("12%", 12.0, formatted(false, true)),
            ("1.200.000,50", 1_200_000.5, formatted(false, false)),
            ("EUR 1.500,00", 1500.0, formatted(true, false)),
            ("1,5", 1.5, formatted(false, false)),
            ("US$ 3bn", 3e9, formatted(true, false)),
            ("1 200 000", 1_200_000.0, formatted(false, false)),
            ("1'200", 1200.0, formatted(false, false)),
        ];
        for (s, value, form) in cases {
            let n = parse(s).unwrap_or_else(|| panic!("{s} should parse"));
            assert!((n.value - value).abs() < 1e-6, "{s}: {}", n.value);
            assert_eq!(n.form, form, "{s}");
        }
    }

    #[test]
    fn text_is_not_a_number() {
        for s in [
            "call us",
            "1,2,3",
            "abc123",
            "12 apples",
            "",
            "$",
            "1-800",
            "2024 4",
            "12 34",
            "75062-6454",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
