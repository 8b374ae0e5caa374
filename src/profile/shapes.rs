//! Value shapes: every letter and digit replaced by its class (`Acme 42` -> `Aaaa 99`), the
//! quickest way to see how consistently a column is written.

/// Longest shape kept, in characters; longer values end in `…`.
pub const MAX_SHAPE: usize = 24;

/// Writes the shape of `value` into `out` (cleared first).
pub fn shape_into(value: &str, out: &mut String) {
    out.clear();
    for (n, ch) in value.chars().enumerate() {
        if n == MAX_SHAPE {
            out.push('…');
            return;
        }
        let class = if ch.is_ascii_digit() {
            '9'
        } else if ch.is_ascii_uppercase() {
            'A'
        } else if ch.is_ascii_lowercase() {
            'a'
        } else if ch.is_ascii() {
            ch
        } else if ch.is_uppercase() {
            'A'
        } else if ch.is_alphabetic() {
            'a'
        } else if ch.is_numeric() {
            '9'
        } else {
            ch
        };
        out.push(class);
    }
}

/// The shape of `value` as a new string.
pub fn shape(value: &str) -> String {
    let mut out = String::new();
    shape_into(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let cases = [
            ("Acme 42", "Aaaa 99"),
            ("(415) 555-0134", "(999) 999-9999"),
            ("A-000001", "A-999999"),
            ("José Müller", "Aaaa Aaaaaa"),
            ("", ""),
            ("abcdefghijklmnopqrstuvwxyz", "aaaaaaaaaaaaaaaaaaaaaaaa…"),
        ];
        for (value, want) in cases {
            assert_eq!(shape(value), want, "{value}");
        }
    }
}
