//! Signs of damage in a column's text, counted value by value during the scan: mojibake
//! (`MÃ¼ller`, `Ã©`), characters lost to `?` in an export (`M?ller`, `?????`), a constant
//! legacy code glued in front of most values (`10004521 12 Main St`), and record ids where a
//! name belongs (`0015g00000XyZ12AAB` in a company column).

use serde::Serialize;

/// Examples kept per sign.
const EXAMPLES: usize = 5;
/// Shortest leading code counted as a legacy prefix: house numbers and short codes are shorter.
const PREFIX_MIN_DIGITS: usize = 6;
/// Longest leading code tracked.
const PREFIX_MAX_DIGITS: usize = 16;

/// How many values show one sign, with examples.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Sign {
    pub count: u64,
    pub examples: Vec<String>,
}

impl Sign {
    fn add(&mut self, value: &str) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            let e = crate::text::excerpt(value, crate::text::EXAMPLE_CHARS).into_owned();
            if !self.examples.contains(&e) {
                self.examples.push(e);
            }
        }
    }
}

/// The signs counted for one column.
#[derive(Clone, Debug, Default)]
pub struct Signs {
    pub garbled: Sign,
    pub lost: Sign,
    pub id_like: Sign,
    /// Values starting with a run of N digits then more text, by N.
    prefix_lengths: [u64; PREFIX_MAX_DIGITS + 1],
    prefix_examples: Vec<String>,
}

/// Characters UTF-8 text shows when read as Latin-1 or Windows-1252: `Ã` or `Â` followed by a
/// character of the second half of Latin-1, and `â€` (curly quotes and dashes).
fn garbled(value: &str) -> bool {
    if value.contains('\u{FFFD}') || value.contains("â€") {
        return true;
    }
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, 'Ã' | 'Â')
            && let Some(&n) = chars.peek()
            && ('\u{80}'..='\u{BF}').contains(&n)
        {
            return true;
        }
    }
    false
}

/// A `?` standing where a letter was: between letters (`M?ller`), or a run of three or more
/// (`?????`, a name in a script the export could not write).
fn lost(value: &str) -> bool {
    if !value.contains('?') {
        return false;
    }
    if value.contains("???") {
        return true;
    }
    let chars: Vec<char> = value.chars().collect();
    chars
        .windows(3)
        .any(|w| w[1] == '?' && w[0].is_alphabetic() && w[2].is_alphabetic())
}

/// A record id rather than a name: one token of letters and digits, at least four digits, and
/// digits making up at least two fifths of it (`A-000123`, `0015g00000XyZ12AAB`, `100234`;
/// not `3M`, `7-Eleven` or `Area51`).
pub fn id_like(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.len() > 40 || v.contains(' ') {
        return false;
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'#'))
    {
        return false;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let alnum = v.bytes().filter(u8::is_ascii_alphanumeric).count();
    digits >= 4 && digits * 5 >= alnum * 2
}

impl Signs {
    /// Looks at one value (not blank, not a placeholder).
    pub fn add(&mut self, value: &str) {
        if !value.is_ascii() && garbled(value) {
            self.garbled.add(value);
        }
        if lost(value) {
            self.lost.add(value);
        }
        if id_like(value) {
            self.id_like.add(value);
        }
        let lead = value.bytes().take_while(u8::is_ascii_digit).count();
        if (PREFIX_MIN_DIGITS..=PREFIX_MAX_DIGITS).contains(&lead) && value.len() > lead {
            // Only a code followed by more text is glued on; a bare number is the value.
            let rest = value[lead..].trim_start_matches([' ', '-', '_', '/']);
            if rest.bytes().any(|b| b.is_ascii_alphabetic()) {
                self.prefix_lengths[lead] += 1;
                if self.prefix_examples.len() < EXAMPLES {
                    self.prefix_examples
                        .push(crate::text::excerpt(value, crate::text::EXAMPLE_CHARS).into_owned());
                }
            }
        }
    }

    /// The legacy prefix, when one code length starts at least `min_share` of `values`:
    /// (digits, values carrying it, examples).
    pub fn prefix(&self, values: u64, min_share: f64) -> Option<(usize, Sign)> {
        let (len, &count) = self
            .prefix_lengths
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)?;
        (count > 0 && count as f64 >= min_share * values as f64).then(|| {
            (
                len,
                Sign {
                    count,
                    examples: self.prefix_examples.clone(),
                },
            )
        })
    }
}

/// What the profile reports about a column's text signs.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct TextSigns {
    /// Values with mojibake (`Ã©`, `â€™`, `�`).
    pub garbled: Sign,
    /// Values with characters lost to `?`.
    pub lost: Sign,
    /// Values that look like record ids (reported for name columns).
    pub id_like: Sign,
    /// Digits of a code glued in front of most values, and the values carrying one.
    pub legacy_prefix_digits: Option<usize>,
    pub legacy_prefix: Sign,
}

impl TextSigns {
    /// True when no sign was seen (the profile JSON then leaves the field out).
    pub fn is_clean(&self) -> bool {
        self.garbled.count == 0
            && self.lost.count == 0
            && self.id_like.count == 0
            && self.legacy_prefix.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_and_lost_characters() {
        for v in [
            "MÃ¼ller GmbH",
            "Caf\u{e9}".replace('\u{e9}', "Ã©").as_str(),
            "Itâ€™s",
            "a\u{FFFD}b",
        ] {
            assert!(garbled(v), "{v}");
        }
        for v in ["Müller GmbH", "Café", "ÃLVARO", "Ångström"] {
            assert!(!garbled(v), "{v}");
        }
        for v in ["M?ller", "?????", "Jos? Garc?a"] {
            assert!(lost(v), "{v}");
        }
        for v in ["Why?", "?", "Is it ok? Yes", "Acme"] {
            assert!(!lost(v), "{v}");
        }
    }

    #[test]
    fn ids_are_not_names() {
        for v in ["A-000123", "0015g00000XyZ12AAB", "100234", "CUST-2024-0042"] {
            assert!(id_like(v), "{v}");
        }
        for v in [
            "3M",
            "7-Eleven",
            "Area51",
            "Acme Corp",
            "Jane Smith",
            "H2O4U",
        ] {
            assert!(!id_like(v), "{v}");
        }
    }

    #[test]
    fn a_code_glued_to_most_values_is_a_prefix() {
        let mut s = Signs::default();
        for v in [
            "10004521 12 Main St",
            "10004522 4 High Street",
            "10004523 Rue de la Paix 3",
            "77 Elm Road",
            "1234567890",
        ] {
            s.add(v);
        }
        let (digits, sign) = s.prefix(5, 0.5).unwrap();
        assert_eq!((digits, sign.count), (8, 3));
        assert!(s.prefix(5, 0.8).is_none());
    }
}
