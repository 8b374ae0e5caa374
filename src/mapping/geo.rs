//! Country and state names to ISO codes, from the embedded `playbooks/countries.yaml` and
//! `playbooks/states.yaml`.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use super::text::compact;

const COUNTRIES: &str = include_str!("../../playbooks/countries.yaml");
const STATES: &str = include_str!("../../playbooks/states.yaml");

struct Tables {
    /// compact name or code -> alpha-2
    countries: HashMap<String, String>,
    /// country alpha-2 -> compact name or code -> subdivision code
    states: HashMap<String, HashMap<String, String>>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        // The files are part of the binary and covered by tests, so a parse failure is a bug.
        let countries: BTreeMap<String, Vec<String>> =
            crate::yaml::from_str(COUNTRIES).expect("playbooks/countries.yaml parses");
        let states: BTreeMap<String, BTreeMap<String, Vec<String>>> =
            crate::yaml::from_str(STATES).expect("playbooks/states.yaml parses");
        let mut by_name = HashMap::new();
        for (code, names) in &countries {
            by_name.insert(compact(code), code.clone());
            for name in names {
                by_name.insert(compact(name), code.clone());
            }
        }
        let mut by_state = HashMap::new();
        for (country, subs) in &states {
            let mut m = HashMap::new();
            for (code, names) in subs {
                m.insert(compact(code), code.clone());
                for name in names {
                    m.insert(compact(name), code.clone());
                }
            }
            by_state.insert(country.clone(), m);
        }
        Tables {
            countries: by_name,
            states: by_state,
        }
    })
}

/// The ISO 3166-1 alpha-2 code for a country name, alpha-2 or alpha-3 code.
pub fn country_code(text: &str) -> Option<&'static str> {
    let key = compact(text);
    if key.is_empty() {
        return None;
    }
    tables().countries.get(&key).map(String::as_str)
}

/// The subdivision code (`CA`) for a state or province of `country` (alpha-2).
pub fn state_code(country: &str, text: &str) -> Option<&'static str> {
    let key = compact(text);
    tables()
        .states
        .get(&country.to_uppercase())?
        .get(&key)
        .map(String::as_str)
}

/// Countries whose states the `state` transform knows.
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
            assert_eq!(country_code(input), want, "{input}");
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
        assert_eq!(state_code("DE", "Bayern"), None);
        assert_eq!(state_countries(), ["AU", "CA", "US"]);
    }
}

const PHONE: &str = include_str!("../../playbooks/phone.yaml");

/// The calling code and trunk prefix of `country` (alpha-2), for E.164 numbers.
pub fn calling_code(country: &str) -> Option<(&'static str, &'static str)> {
    static CODES: OnceLock<HashMap<String, (String, String)>> = OnceLock::new();
    let codes = CODES.get_or_init(|| {
        let raw: BTreeMap<String, (String, String)> =
            crate::yaml::from_str(PHONE).expect("playbooks/phone.yaml parses");
        raw.into_iter().collect()
    });
    codes
        .get(&country.trim().to_uppercase())
        .map(|(c, t)| (c.as_str(), t.as_str()))
}

#[cfg(test)]
mod phone_tests {
    #[test]
    fn calling_codes() {
        assert_eq!(super::calling_code("us"), Some(("1", "")));
        assert_eq!(super::calling_code("GB"), Some(("44", "0")));
        assert_eq!(super::calling_code("ZZ"), None);
    }
}
