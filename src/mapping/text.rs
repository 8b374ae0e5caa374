//! Name normalisation shared by header matching and value matching.

/// Lowercase words: camelCase split, accents folded, punctuation and `_` as spaces.
/// `BillingPostalCode` -> `billing postal code`, `Probability (%)` -> `probability`.
pub fn norm(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut prev: Option<char> = None;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if let Some(p) = prev {
                // A lower->Upper step starts a word (BillingCity); digits stay with their word.
                if p.is_lowercase() && ch.is_uppercase() {
                    out.push(' ');
                }
            }
            out.push_str(&fold(ch));
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
        prev = Some(ch);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of [`norm`].
pub fn words(text: &str) -> Vec<String> {
    norm(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// [`norm`] without spaces, so `dealname` equals `Deal Name`.
pub fn compact(text: &str) -> String {
    norm(text).replace(' ', "")
}

/// One letter or digit lowercased and folded to ASCII (`é` -> `e`, `Ж` -> `zh`).
fn fold(ch: char) -> String {
    let mut out = String::new();
    if !crate::values::fold::push_char(ch, &mut out) {
        out.extend(ch.to_lowercase());
    }
    out
}

/// Similarity of two names in [0, 1], word by word: every word of each side must have a close
/// partner (Jaro-Winkler) on the other, so `Lead Source` is not `Lead Status`.
pub fn word_similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let best = |w: &String, other: &[String]| {
        other
            .iter()
            .map(|o| strsim::jaro_winkler(w, o))
            .fold(0.0, f64::max)
    };
    let side = |x: &[String], y: &[String]| {
        let scores: Vec<f64> = x.iter().map(|w| best(w, y)).collect();
        let min = scores.iter().copied().fold(1.0, f64::min);
        (scores.iter().sum::<f64>() / scores.len() as f64, min)
    };
    let (avg_a, min_a) = side(a, b);
    let (avg_b, min_b) = side(b, a);
    if min_a.min(min_b) < 0.85 {
        return 0.0;
    }
    (avg_a + avg_b) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_names() {
        let cases = [
            ("BillingPostalCode", "billing postal code"),
            ("Probability (%)", "probability"),
            ("hs_lead_status", "hs lead status"),
            ("  E-Mail  Address ", "e mail address"),
            ("Société Name", "societe name"),
            ("Address 1: ZIP/Postal Code", "address 1 zip postal code"),
            ("NumberOfEmployees", "number of employees"),
            ("firstName", "first name"),
            ("Dvořák Straße", "dvorak strasse"),
        ];
        for (input, want) in cases {
            assert_eq!(norm(input), want, "{input}");
        }
        assert_eq!(compact("Deal Name"), "dealname");
    }

    #[test]
    fn word_similarity_needs_every_word() {
        let w = |s: &str| words(s);
        assert_eq!(word_similarity(&w("Lead Source"), &w("Lead Status")), 0.0);
        assert!(word_similarity(&w("Created Date"), &w("Create Date")) > 0.9);
        assert!(word_similarity(&w("Emails"), &w("Email")) > 0.9);
        assert_eq!(word_similarity(&w("Account ID"), &w("Account Number")), 0.0);
    }
}
