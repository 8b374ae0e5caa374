//! Phone numbers: the one reading of a phone (digits, international or national, extension),
//! the one validity rule the profile counts and stage applies, E.164 by each country's
//! numbering rules (`playbooks/phone.yaml`), and the comparison key duplicate detection uses.
//!
//! The built-in rules stay: the `phonenumber` crate made stage minutes slower on 800k rows.

use super::tables::tables;

/// A phone number split into its digits, whether it had a leading `+` (or `00`), and any
/// extension.
#[derive(Debug, PartialEq, Eq)]
pub struct Phone {
    pub digits: String,
    pub international: bool,
    pub extension: Option<String>,
}

/// Parses a phone number: separators ` + - ( ) . /` are ignored, `x123` / `ext 123` /
/// `#123` is an extension, a bracketed trunk prefix after the country code (`+44 (0)20`) is
/// dropped; None unless 7-15 digits remain.
pub fn parse(s: &str) -> Option<Phone> {
    let mut digits = String::with_capacity(16);
    let (international, ext) = read(s, Some(&mut digits))?;
    Some(Phone {
        digits,
        international,
        extension: ext.map(str::to_string),
    })
}

/// Whether `s` is a valid phone number: what the profile counts as one, and what stage's
/// `phone` transform accepts as a number (see [`e164`] for the country's rules on top).
pub fn is_valid(s: &str) -> bool {
    // The profile asks this of every cell with seven digits: no allocation.
    read(s, None).is_some()
}

/// The one reading behind [`parse`] and [`is_valid`]: whether the number is international and
/// its extension, the digits (without an `00` prefix) pushed to `out` when given.
fn read<'a>(s: &'a str, mut out: Option<&mut String>) -> Option<(bool, Option<&'a str>)> {
    let (main, ext) = split_extension(crate::text::trim(s));
    let main = main.trim_start();
    let plus = main.starts_with('+');
    // `00` opens an international number as `+` does; its zeros are no part of the number.
    let double_zero = !plus && main.starts_with("00");
    let mut skip = if double_zero { 2 } else { 0 };
    let mut count = 0usize;
    // `+44 (0)20 ...`: the bracketed 0 is dialled only from inside the country.
    let mut skip_trunk = plus;
    let mut rest = main;
    while let Some(ch) = rest.chars().next() {
        if skip_trunk && rest.starts_with("(0)") {
            skip_trunk = false;
            rest = &rest[3..];
            continue;
        }
        match ch {
            '0'..='9' if skip > 0 => skip -= 1,
            '0'..='9' => {
                count += 1;
                if let Some(o) = out.as_deref_mut() {
                    o.push(ch);
                }
            }
            ' ' | '+' | '-' | '(' | ')' | '.' | '/' => {}
            _ => return None,
        }
        rest = &rest[ch.len_utf8()..];
    }
    (7..=15)
        .contains(&count)
        .then_some((plus || double_zero, ext))
}

/// The number and its trailing extension (`x12`, `ext 12`, `ext. 12`, `extension 12`,
/// `#12`); an `x` ending a word (`box12`) is not one.
fn split_extension(s: &str) -> (&str, Option<&str>) {
    let digits_start = s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits_start == s.len() {
        return (s, None);
    }
    let tail = &s[digits_start..];
    let before = s[..digits_start].trim_end();
    let before = before.strip_suffix('.').unwrap_or(before).trim_end();
    for marker in ["extension", "ext", "x", "#"] {
        let cut = before.len().saturating_sub(marker.len());
        if before.is_char_boundary(cut) && before[cut..].eq_ignore_ascii_case(marker) {
            let rest = &before[..cut];
            if rest.is_empty() || !rest.ends_with(|c: char| c.is_ascii_alphabetic()) {
                return (rest, Some(tail));
            }
        }
    }
    (s, None)
}

/// The calling code and trunk prefix of `country` (alpha-2).
pub fn calling_code(country: &str) -> Option<(&'static str, &'static str)> {
    tables()
        .calling
        .get(&crate::text::trim(country).to_uppercase())
        .map(|(c, t)| (c.as_str(), t.as_str()))
}

/// E.164 for a phone number (`+442079460958`); national numbers take `country`'s calling
/// code and drop its trunk prefix. North American numbers must have 10 digits whose area
/// code and exchange start with 2-9, so `030 1234567` is no US number. A dropped extension
/// is reported in `warnings`.
pub fn e164(value: &str, country: &str, warnings: &mut Vec<String>) -> Result<String, String> {
    let p = parse(value).ok_or_else(|| format!("`{value}` is not a phone number"))?;
    if let Some(ext) = &p.extension {
        warnings.push(format!("extension {ext} dropped from `{value}`"));
    }
    if p.international {
        return Ok(format!("+{}", p.digits));
    }
    let (code, trunk) = calling_code(country)
        .ok_or_else(|| format!("no calling code known for country `{country}`"))?;
    let national = if code == "1" {
        let ten = match p.digits.len() {
            10 => p.digits.as_str(),
            11 if p.digits.starts_with('1') => &p.digits[1..],
            _ => return Err(format!("`{value}` is not a 10-digit North American number")),
        };
        let starts_ok = |i: usize| ten.as_bytes()[i] >= b'2';
        if !starts_ok(0) || !starts_ok(3) {
            return Err(format!("`{value}` is not a North American number"));
        }
        ten
    } else if !trunk.is_empty() && p.digits.starts_with(trunk) {
        &p.digits[trunk.len()..]
    } else {
        p.digits.as_str()
    };
    let full = format!("{code}{national}");
    if !(8..=15).contains(&full.len()) {
        return Err(format!("`{value}` is too short or too long for E.164"));
    }
    Ok(format!("+{full}"))
}

/// The comparison key of a phone: its digits without extension, country or trunk prefix
/// (the last ten digits are the national number in most plans), so `+44 20 7946 0958` and
/// `020 7946 0958` compare equal; empty under 7 digits.
pub fn key(value: &str) -> String {
    let (main, _) = split_extension(crate::text::trim(value));
    // Text that is no phone still yields its digits: a key, not a validation.
    let mut digits: String = match parse(main) {
        Some(p) => p.digits,
        None => main.chars().filter(char::is_ascii_digit).collect(),
    };
    if digits.len() > 10 {
        digits.drain(..digits.len() - 10);
    }
    if digits.len() < 7 {
        String::new()
    } else {
        digits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_extensions_and_trunk_prefixes() {
        let p = parse("(415) 555-0134").unwrap();
        assert_eq!((p.digits.as_str(), p.international), ("4155550134", false));
        let p = parse("+1 415 555 0134 x12").unwrap();
        assert_eq!(p.digits, "14155550134");
        assert!(p.international);
        assert_eq!(p.extension.as_deref(), Some("12"));
        let p = parse("0049 30 1234567").unwrap();
        assert_eq!((p.digits.as_str(), p.international), ("49301234567", true));
        assert_eq!(
            parse("415.555.0134 ext 7").unwrap().extension.as_deref(),
            Some("7")
        );
        assert_eq!(
            parse("415.555.0134 Ext. 7").unwrap().extension.as_deref(),
            Some("7")
        );
        assert_eq!(parse("+44 (0)20 7946 0958").unwrap().digits, "442079460958");
        assert_eq!(parse("030/1234567").unwrap().digits, "0301234567");
        for bad in ["12", "call me", "555-CALL-NOW", "n/a", "", "box 4155550134"] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert!(is_valid("+1 (415) 555-0134 ext. 12"));
        assert!(!is_valid("1234"));
    }

    #[test]
    fn e164_follows_each_countrys_numbering_plan() {
        let e = |v: &str, c: &str| e164(v, c, &mut Vec::new());
        assert_eq!(
            e("+44 (0)20 7946 0958", "US").as_deref(),
            Ok("+442079460958")
        );
        assert_eq!(e("020 7946 0958", "GB").as_deref(), Ok("+442079460958"));
        assert_eq!(e("030 1234567", "DE").as_deref(), Ok("+49301234567"));
        // Not a US number, whatever its digit count: kept as written by the field policy.
        assert!(e("030 1234567", "US").is_err());
        assert_eq!(e("(415) 555-0134", "US").as_deref(), Ok("+14155550134"));
        assert_eq!(e("1-415-555-0134", "US").as_deref(), Ok("+14155550134"));
        assert_eq!(e("0049 30 1234567", "US").as_deref(), Ok("+49301234567"));
        assert_eq!(e("+48 22 123 45 67", "US").as_deref(), Ok("+48221234567"));
        assert!(e("415 555 0134", "ZZ").is_err());
        let mut w = Vec::new();
        assert_eq!(
            e164("+1 415 555 0134 x9", "US", &mut w).as_deref(),
            Ok("+14155550134")
        );
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn keys_compare_one_number_in_any_format() {
        assert_eq!(key("+44 20 7946 0958"), key("020 7946 0958"));
        assert_eq!(key("+1 (415) 555-0134 x12"), "4155550134");
        assert_eq!(key("415.555.0134"), "4155550134");
        assert_eq!(key("12"), "");
    }
}
