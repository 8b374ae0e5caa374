//! Yes/no words as booleans: one reading for the transforms, the value evidence and the rules.

/// `true` / `false` for the usual spellings of yes and no.
pub fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "on" | "x" | "checked" => Some(true),
        "false" | "f" | "no" | "n" | "0" | "off" | "unchecked" => Some(false),
        // European exports write yes/no in their language (German, French, Spanish and
        // Italian, Polish, Czech and Slovak).
        "ja" | "j" | "wahr" | "oui" | "sí" | "si" | "tak" | "ano" | "áno" => Some(true),
        "nein" | "falsch" | "non" | "nie" | "ne" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert_eq!(boolean("Yes"), Some(true));
        assert_eq!(boolean("0"), Some(false));
        assert_eq!(boolean("maybe"), None);
        assert_eq!(boolean("Ja"), Some(true));
        assert_eq!(boolean("nein"), Some(false));
    }
}
