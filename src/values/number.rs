//! Human-written numbers: the one parser the transforms (which convert), the value evidence
//! and `map check` (which recognise) and the playbook evidence all call.

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
    match plain(crate::text::trim(s), decimal) {
        Some(d) => Some((d, NumberNotes::default())),
        None => written(s, decimal),
    }
}

/// Digits with at most a decimal point and a leading minus, the shape nearly every stored
/// number has: read without the copies the general reader makes (stage reads every amount of
/// every record). Anything else is left to [`written`], which reads these the same way.
fn plain(t: &str, decimal: char) -> Option<Decimal> {
    let (negative, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) if decimal == '.' => (i, f),
        Some(_) => return None,
        None => (body, ""),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || frac.len() > 18 {
        return None;
    }
    let mut value: u128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        value = value.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
    }
    Some(Decimal {
        negative,
        digits: value,
        scale: frac.len() as u32,
    })
}

/// A number as people write it: currency signs and codes, thousands separators, a decimal
/// comma, brackets for negatives, `k`/`m`/`bn` suffixes, scientific notation.
fn written(s: &str, decimal: char) -> Option<(Decimal, NumberNotes)> {
    // Scientific notation, as spreadsheets and Data Loader write large amounts: `9.5E8`.
    if let Some((mantissa, exp)) = crate::text::trim(s).split_once(['e', 'E'])
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

/// The decimal character a column of numbers is written with, from the values that say it
/// unambiguously: a separator followed by one or two final digits (`950,75`, `12.5`), one that
/// repeats (`3.400.000` groups with dots, so the decimal is a comma), or the later of two kinds
/// (`1.250.000,00`). A column of `12.000` alone says nothing and keeps the dot. `values` are
/// distinct values with their row counts.
pub fn column_decimal<'a>(values: impl IntoIterator<Item = (&'a str, u64)>) -> char {
    let (mut comma, mut dot) = (0u64, 0u64);
    for (v, n) in values {
        let v = v.trim();
        let (c, d) = (v.rfind(','), v.rfind('.'));
        let says = match (c, d) {
            (Some(c), Some(d)) => Some(if c > d { ',' } else { '.' }),
            (Some(_), None) if v.matches(',').count() > 1 => Some('.'),
            (None, Some(_)) if v.matches('.').count() > 1 => Some(','),
            (Some(c), None) => short_tail(v, c).then_some(','),
            (None, Some(d)) => short_tail(v, d).then_some('.'),
            (None, None) => None,
        };
        match says {
            Some(',') => comma += n,
            Some(_) => dot += n,
            None => {}
        }
    }
    if comma > dot { ',' } else { '.' }
}

/// Whether one or two digits (and nothing else but a currency or percent sign) follow `at`.
fn short_tail(v: &str, at: usize) -> bool {
    let tail = v[at + 1..].trim_end_matches(|c: char| "€$£%".contains(c) || c.is_whitespace());
    (1..=2).contains(&tail.len()) && tail.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_column_says_which_decimal_it_writes() {
        let col = |vals: &[&'static str]| super::column_decimal(vals.iter().map(|v| (*v, 1)));
        assert_eq!(col(&["1.250.000,00", "950,75", "12.000", "3.400.000"]), ',');
        assert_eq!(col(&["12.000", "4.500"]), '.');
        assert_eq!(col(&["$1,200.50", "12.5", "1,000"]), '.');
        assert_eq!(col(&["87,5 %", "12"]), ',');
        assert_eq!(col(&["1,000", "2,500"]), '.');
    }

    use super::*;

    proptest::proptest! {
        #[test]
        fn plain_numbers_read_as_the_general_reader_reads_them(
            s in "[ ]?-?[0-9]{0,24}(\\.[0-9]{0,20})?[ ]?",
            comma in proptest::bool::ANY,
        ) {
            let decimal = if comma { ',' } else { '.' };
            proptest::prop_assert_eq!(number(&s, decimal), written(&s, decimal));
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
}
