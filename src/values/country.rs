//! Countries and their states or provinces: names, aliases and codes to ISO 3166 codes, from
//! `playbooks/countries.yaml` and `playbooks/states.yaml`. Matching ignores case, accents,
//! spaces and punctuation (`U.S.A.`, `Côte d'Ivoire`, `Baden-Württemberg`).

use std::cell::RefCell;

use super::fold;
use super::tables::tables;

/// Longest text looked up; no country or state name is longer.
const MAX_NAME: usize = 60;

/// Runs `f` on the lookup key of `text`, with one buffer per thread (called for every cell).
fn with_key<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static BUF: RefCell<String> = const { RefCell::new(String::new()) };
    }
    BUF.with(|b| {
        let mut b = b.borrow_mut();
        fold::key_into(text, &mut b);
        f(&b)
    })
}

/// The ISO 3166-1 alpha-2 code for a country name, alpha-2 or alpha-3 code.
pub fn code(text: &str) -> Option<&'static str> {
    if text.len() > MAX_NAME {
        return None;
    }
    with_key(text, |k| {
        if k.is_empty() {
            return None;
        }
        tables().countries.get(k).map(String::as_str)
    })
}

/// Whether `text` names a country.
pub fn is_country(text: &str) -> bool {
    code(text).is_some()
}

/// The subdivision code (`CA`) of a state or province of `country` (alpha-2).
pub fn state_code(country: &str, text: &str) -> Option<&'static str> {
    if text.len() > MAX_NAME {
        return None;
    }
    let states = tables().states.get(&country.trim().to_uppercase())?;
    with_key(text, |k| states.get(k).map(String::as_str))
}

/// Whether `text` names a state, province or region of any country in the table.
pub fn is_region(text: &str) -> bool {
    text.len() <= MAX_NAME && with_key(text, |k| !k.is_empty() && tables().regions.contains(k))
}

/// Countries whose states the table knows, sorted.
pub fn state_countries() -> Vec<&'static str> {
    let mut v: Vec<&str> = tables().states.keys().map(String::as_str).collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries() {
        let cases = [
            ("United States", Some("US")),
            ("U.S.A.", Some("US")),
            ("usa", Some("US")),
            ("Deutschland", Some("DE")),
            ("germany", Some("DE")),
            ("UK", Some("GB")),
            ("Côte d'Ivoire", Some("CI")),
            ("NO", Some("NO")),
            ("Narnia", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(code(input), want, "{input}");
        }
        assert!(is_country("France") && !is_country("Active"));
        // ISO names in the clients' own languages, accents folded by the one folding.
        for (name, want) in [
            ("Österreich", "AT"),
            ("Schweiz", "CH"),
            ("España", "ES"),
            ("Italia", "IT"),
            ("Polska", "PL"),
            ("Česko", "CZ"),
            ("Nederland", "NL"),
            ("België", "BE"),
            ("Royaume-Uni", "GB"),
            ("États-Unis", "US"),
            ("Etats Unis", "US"),
            ("Niemcy", "DE"),
            ("Allemagne", "DE"),
            ("Wielka Brytania", "GB"),
            ("Norwegen", "NO"),
        ] {
            assert_eq!(code(name), Some(want), "{name}");
        }
    }

    #[test]
    fn states() {
        assert_eq!(state_code("US", "California"), Some("CA"));
        assert_eq!(state_code("us", "calif."), Some("CA"));
        assert_eq!(state_code("US", "ny"), Some("NY"));
        assert_eq!(state_code("CA", "Québec"), Some("QC"));
        assert_eq!(state_code("AU", "New South Wales"), Some("NSW"));
        assert_eq!(state_code("US", "Bavaria"), None);
        assert_eq!(state_code("DE", "Bayern"), Some("BY"));
        assert_eq!(state_code("DE", "Baden-Wurttemberg"), Some("BW"));
        assert_eq!(state_countries(), ["AU", "CA", "DE", "GB", "US"]);
        assert!(is_region("Texas") && is_region("Scotland") && !is_region("Active"));
        assert!(is_region("CA") && is_region("ontario") && !is_region("West"));
        assert!(is_country("Côte d'Ivoire") && is_country("DE") && !is_country("Atlantis"));
    }
}
