//! Small text helpers: trimming as stage does it for every value, and excerpts of client
//! values kept as examples.

use std::borrow::Cow;

/// `s` without leading and trailing whitespace, exactly as [`str::trim`]. Stage trims each
/// value several times over (transforms, checks, parsers) and most values have nothing to
/// trim: two byte checks say so, where `str::trim` decodes a character at each end.
#[inline]
pub fn trim(s: &str) -> &str {
    // Above space and below 0x80: a whole character that is no whitespace.
    let plain = |b: u8| b > b' ' && b < 0x80;
    match s.as_bytes() {
        [] => s,
        [first, .., last] if plain(*first) && plain(*last) => s,
        [only] if plain(*only) => s,
        _ => s.trim(),
    }
}

/// Whether `s` is empty or only whitespace.
#[inline]
pub fn is_blank(s: &str) -> bool {
    trim(s).is_empty()
}

/// Longest example of a client value kept in profiles and reports, in characters.
pub const EXAMPLE_CHARS: usize = 200;

/// `text` cut to at most `max` characters (on a character boundary), ending in `…` when cut.
pub fn excerpt(text: &str, max: usize) -> Cow<'_, str> {
    // Bytes bound characters: a text of at most `max` bytes needs no counting.
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let end = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..end]))
        }
    }
}

/// A client value short enough to keep as an example ([`EXAMPLE_CHARS`]).
pub fn example(text: &str) -> String {
    excerpt(text, EXAMPLE_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{excerpt, is_blank, trim};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn trims_as_the_standard_library_does(s in "[ \t\r\n\u{a0}\u{3000}a-zé.,-]{0,8}") {
            prop_assert_eq!(trim(&s), s.trim());
            prop_assert_eq!(is_blank(&s), s.trim().is_empty());
        }
    }

    #[test]
    fn trims_ends_of_any_kind() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{3000}",
            "é",
            "\ta\n",
            "\u{7f}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("abcd", 3), "ab…");
        assert_eq!(excerpt("éééé", 3), "éé…");
        assert_eq!(excerpt("ééé", 3), "ééé");
        assert_eq!(excerpt("", 0), "");
    }
}
