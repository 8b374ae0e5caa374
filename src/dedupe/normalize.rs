//! Cleaning values so that spelling, punctuation and format differences stop mattering.

use std::collections::{HashMap, HashSet};

use foldhash::fast::FixedState;

use super::rules::{Normalize, Rules};

/// The word lists normalisation needs, prepared once. Hashed fast: every name and street
/// word of a dataset is looked up in them.
pub struct Normalizer {
    legal: HashSet<Vec<String>, FixedState>,
    max_legal_words: usize,
    street: HashMap<String, String, FixedState>,
}

impl Normalizer {
    /// Prepares the word lists from the rules.
    pub fn new(rules: &Rules) -> Normalizer {
        let legal: HashSet<Vec<String>, FixedState> = rules
            .legal_suffixes
            .iter()
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .collect();
        Normalizer {
            max_legal_words: legal.iter().map(Vec::len).max().unwrap_or(1),
            legal,
            street: rules
                .street_abbreviations
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// The cleaned value, or None when nothing meaningful is left.
    pub fn apply(&self, kind: Normalize, value: &str) -> Option<String> {
        let out = match kind {
            Normalize::CompanyName => self.company_name(value),
            Normalize::PersonName | Normalize::Text => words(value).join(" "),
            Normalize::Domain => self.domain(value),
            Normalize::Email => email(value),
            Normalize::Phone => phone(value),
            Normalize::Street => self.street(value),
            Normalize::Postcode => value
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase(),
            Normalize::Date => date(value),
        };
        (!out.is_empty() && !is_placeholder(&out)).then_some(out)
    }

    /// Lowercase words without accents or punctuation, `&` as `and`, a leading `the` and
    /// trailing legal-form words (Inc, L.L.C., GmbH ...) removed.
    pub fn company_name(&self, value: &str) -> String {
        let mut w = words(value);
        if w.len() > 1 && w[0] == "the" {
            w.remove(0);
        }
        // Strip legal forms from the end, longest match first, possibly several ("Co Ltd").
        'outer: while w.len() > 1 {
            for n in (1..=self.max_legal_words.min(w.len() - 1)).rev() {
                if self.legal.contains(&w[w.len() - n..]) {
                    w.truncate(w.len() - n);
                    continue 'outer;
                }
            }
            break;
        }
        w.join(" ")
    }

    /// The registrable domain of a URL, host or email address: `https://www.Acme.co.uk/x` ->
    /// `acme.co.uk`.
    pub fn domain(&self, value: &str) -> String {
        crate::values::domain::registrable(value)
    }

    /// Street with abbreviations applied: `12 North Main Street, Suite 4` -> `12 n main st ste 4`.
    pub fn street(&self, value: &str) -> String {
        words(value)
            .into_iter()
            .map(|w| self.street.get(&w).cloned().unwrap_or(w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Lowercased ASCII words: accents folded, `&` read as `and`, punctuation dropped (`L.L.C.` ->
/// `l l c`... joined single letters become one word: `llc`).
pub fn words(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut letters_run: Vec<String> = Vec::new();
    let flush = |current: &mut String, out: &mut Vec<String>, run: &mut Vec<String>| {
        if current.is_empty() {
            return;
        }
        let word = std::mem::take(current);
        if word.len() == 1 && word.chars().all(|c| c.is_ascii_alphabetic()) {
            run.push(word);
        } else {
            flush_run(run, out);
            out.push(word);
        }
    };
    for ch in value.chars() {
        if ch == '&' {
            flush(&mut current, &mut out, &mut letters_run);
            flush_run(&mut letters_run, &mut out);
            out.push("and".into());
            continue;
        }
        if ch == '\'' || ch == '’' {
            continue; // "O'Brien" -> "obrien", "McDonald's" -> "mcdonalds"
        }
        // Folded straight onto the word (no string a character); nothing pushed: a separator.
        if !crate::values::fold::push_char(ch, &mut current) {
            flush(&mut current, &mut out, &mut letters_run);
            if ch.is_whitespace() || ch == ',' {
                flush_run(&mut letters_run, &mut out);
            }
        }
    }
    flush(&mut current, &mut out, &mut letters_run);
    flush_run(&mut letters_run, &mut out);
    out
}

/// Joins a run of single letters (`l.l.c`) into one word (`llc`); a lone letter stays.
fn flush_run(run: &mut Vec<String>, out: &mut Vec<String>) {
    if !run.is_empty() {
        out.push(run.concat());
        run.clear();
    }
}

/// Email lowercased and trimmed; empty when it has no `@`.
pub fn email(value: &str) -> String {
    crate::values::email::key(value)
}

/// Phone as digits, extension removed, country and trunk prefixes dropped, so the same
/// number in any format compares equal; fewer than 7 digits is no phone.
pub fn phone(value: &str) -> String {
    crate::values::phone::key(value)
}

/// A date as `YYYYMMDD` when it parses; otherwise its digits when there are exactly eight
/// (`19560431` is a typo of a real date and should still compare digit by digit).
pub fn date(value: &str) -> String {
    if let Some(d) = crate::values::date::any_date(value) {
        return d.format("%Y%m%d").to_string();
    }
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 8 {
        digits
    } else {
        String::new()
    }
}

/// Values that mean "no value".
pub fn is_placeholder(value: &str) -> bool {
    crate::values::placeholder::is_placeholder(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm() -> Normalizer {
        Normalizer::new(&Rules::builtin())
    }

    #[test]
    fn company_names() {
        let n = norm();
        let cases = [
            ("Northwind Traders Inc.", "northwind traders"),
            ("NORTHWIND  TRADERS, INCORPORATED", "northwind traders"),
            ("Northwind Traders L.L.C.", "northwind traders"),
            ("Smith & Sons Ltd", "smith and sons"),
            ("Smith and Sons Limited", "smith and sons"),
            ("The Acme Co", "acme"),
            ("Müller GmbH", "muller"),
            ("Société Générale S.A.", "societe generale"),
            ("Inc", "inc"),
            ("Acme Co. Ltd.", "acme"),
            ("McDonald's Corp", "mcdonalds"),
        ];
        for (input, want) in cases {
            assert_eq!(n.company_name(input), want, "{input}");
        }
    }

    #[test]
    fn domains() {
        let n = norm();
        let cases = [
            ("https://www.Acme.com/contact", "acme.com"),
            ("www.acme.com/", "acme.com"),
            ("acme.com", "acme.com"),
            ("http://shop.acme.co.uk:8080", "acme.co.uk"),
            ("jane@sales.acme.com", "acme.com"),
            ("localhost", ""),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(n.domain(input), want, "{input}");
        }
    }

    #[test]
    fn phones() {
        let cases = [
            ("(415) 555-0134", "4155550134"),
            ("415.555.0134", "4155550134"),
            ("+1 415 555 0134", "4155550134"),
            ("+1 (415) 555-0134 x12", "4155550134"),
            ("415-555-0134 ext. 9", "4155550134"),
            ("+44 20 7946 0958", "2079460958"),
            ("020 7946 0958", "2079460958"),
            ("12", ""),
            ("call me", ""),
        ];
        for (input, want) in cases {
            assert_eq!(phone(input), want, "{input}");
        }
    }

    #[test]
    fn streets_and_placeholders() {
        let n = norm();
        assert_eq!(
            n.street("12 North Main Street, Suite 4"),
            "12 n main st ste 4"
        );
        assert_eq!(n.street("12 N. Main St."), "12 n main st");
        assert_eq!(n.apply(Normalize::Text, "N/A"), None);
        assert_eq!(n.apply(Normalize::Text, "  "), None);
        assert_eq!(
            n.apply(Normalize::Email, " Jane@Acme.COM "),
            Some("jane@acme.com".into())
        );
    }
}
