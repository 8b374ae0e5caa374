//! Small text helpers: excerpts of client values kept as examples.

use std::borrow::Cow;

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
    use super::excerpt;

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("abcd", 3), "ab…");
        assert_eq!(excerpt("éééé", 3), "éé…");
        assert_eq!(excerpt("ééé", 3), "ééé");
        assert_eq!(excerpt("", 0), "");
    }
}
