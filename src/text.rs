//! Small text helpers shared by identifiers, header matching and duplicate keys.

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
    use super::fold_latin;

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
