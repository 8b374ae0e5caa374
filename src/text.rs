//! Small text helpers shared by identifiers, header matching, duplicate keys and examples.

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

/// The ASCII base of a Latin letter with a diacritic (`é` -> `e`, `ß` -> `ss`, `Ø` -> `o`),
/// lowercase; None for every other character.
pub fn fold_latin(ch: char) -> Option<&'static str> {
    Some(match ch {
        'à'..='å' | 'À'..='Å' | 'ā' | 'Ā' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' | 'č' | 'Č' => "c",
        'è'..='ë' | 'È'..='Ë' | 'ē' | 'ę' => "e",
        'ì'..='ï' | 'Ì'..='Ï' => "i",
        'ñ' | 'Ñ' | 'ń' => "n",
        'ò'..='ö' | 'ø' | 'Ò'..='Ö' | 'Ø' | 'ő' => "o",
        'ù'..='ü' | 'Ù'..='Ü' | 'ű' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        'ł' | 'Ł' => "l",
        'œ' | 'Œ' => "oe",
        'š' | 'Š' | 'ś' => "s",
        'ž' | 'Ž' | 'ż' | 'ź' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{excerpt, fold_latin};

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("abcd", 3), "ab…");
        assert_eq!(excerpt("éééé", 3), "éé…");
        assert_eq!(excerpt("ééé", 3), "ééé");
        assert_eq!(excerpt("", 0), "");
    }

    #[test]
    fn folds_latin_letters_only() {
        let folded: String = "ÉcoleMüßŁódź"
            .chars()
            .map(|c| fold_latin(c).unwrap_or("_"))
            .collect();
        assert_eq!(folded, "e_____usslo_z");
        assert_eq!(fold_latin('a'), None);
        assert_eq!(fold_latin('北'), None);
    }
}
