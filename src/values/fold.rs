//! Accent folding and transliteration to lowercase ASCII (`Dvořák` -> `dvorak`, `Łódź` ->
//! `lodz`, `Дмитрий` -> `dmitrii`), through `deunicode`'s tables: a letter never turns into a
//! space or vanishes because a hand-written list missed it.

use deunicode::deunicode_char;

/// Appends the lowercase ASCII letters and digits `ch` stands for; false when it stands for
/// none (punctuation, spaces, symbols), so callers can read it as a separator.
pub fn push_char(ch: char, out: &mut String) -> bool {
    if ch.is_ascii() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
            return true;
        }
        return false;
    }
    if !ch.is_alphanumeric() {
        return false;
    }
    let before = out.len();
    if let Some(t) = deunicode_char(ch) {
        out.extend(
            t.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase()),
        );
    }
    if out.len() == before {
        // A letter deunicode has no reading for is kept, lowercased, rather than lost.
        out.extend(ch.to_lowercase());
    }
    true
}

/// Whether `ch` is a Latin letter with a diacritic or a Latin ligature (`é`, `ł`, `ß`, `æ`):
/// the characters safe identifiers fold rather than drop.
pub fn is_latin(ch: char) -> bool {
    matches!(ch as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF) && ch.is_alphabetic()
}

/// `text` lowercased with every letter folded to ASCII; other characters kept as they are.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii() {
            out.push(ch.to_ascii_lowercase());
        } else if !push_char(ch, &mut out) {
            out.push(ch);
        }
    }
    out
}

/// The lookup key of a name: folded letters and digits only (`U.S.A.` -> `usa`,
/// `Côte d'Ivoire` -> `cotedivoire`), written into `out` (cleared first).
pub fn key_into(text: &str, out: &mut String) {
    out.clear();
    // Most cells are ASCII: bytes, no transliteration table.
    if text.is_ascii() {
        out.extend(
            text.bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return;
    }
    for ch in text.chars() {
        push_char(ch, out);
    }
}

/// [`key_into`] as a new string.
pub fn key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    key_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_every_script_to_ascii_letters() {
        assert_eq!(fold("Dvořák"), "dvorak");
        assert_eq!(fold("Łódź"), "lodz");
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ærøskøbing"), "aeroskobing");
        assert_eq!(fold("Дмитрий"), "dmitrii");
        assert_eq!(fold("Ελλάδα"), "ellada");
        assert_eq!(fold("O'Brien & Co."), "o'brien & co.");
        // Letters never become spaces.
        for name in ["Dvořák", "Łódź", "Đorđević", "Þórður", "İstanbul", "Ştefan"] {
            assert!(!fold(name).contains(' '), "{name}");
            assert_eq!(
                fold(name).chars().count(),
                key(name).chars().count(),
                "{name}"
            );
        }
    }

    #[test]
    fn keys_keep_letters_and_digits_only() {
        assert_eq!(key("U.S.A."), "usa");
        assert_eq!(key("Côte d'Ivoire"), "cotedivoire");
        assert_eq!(key("  Baden-Württemberg "), "badenwurttemberg");
        assert_eq!(key("北京"), "beijing");
        assert_eq!(key("-- ?"), "");
        assert!(is_latin('ř') && is_latin('Ł') && !is_latin('д') && !is_latin('a'));
    }

    /// Speed of folding 1M names, old hand-written table vs deunicode:
    /// `cargo test --release --lib values::fold::tests::bench_fold -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn bench_fold() {
        let names = [
            "Müller",
            "Dvořák",
            "Smith",
            "José García",
            "Łódź Sp. z o.o.",
            "Ørsted",
        ];
        let n = 1_000_000;
        let t = std::time::Instant::now();
        let mut total = 0;
        for i in 0..n {
            total += key(names[i % names.len()]).len();
        }
        println!("deunicode key: {:?} for {n} names ({total})", t.elapsed());
    }
}
