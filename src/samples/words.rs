//! The word lists behind the generated data (`words.yaml`, embedded), strictly parsed and checked.

use serde::Deserialize;

use crate::error::{Error, Result};

/// The embedded word lists.
const WORDS_YAML: &str = include_str!("words.yaml");

/// All word lists.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub company: CompanyWords,
    pub users_domain: String,
    pub countries: Vec<Country>,
    pub industries: Vec<String>,
    pub account_types: AccountTypes,
    pub titles: Vec<String>,
    pub lead_sources: Vec<String>,
    pub stages: Vec<Stage>,
    pub opportunity_kinds: Vec<String>,
    pub activity_subjects: ActivitySubjects,
    pub descriptions: Vec<String>,
    pub user_roles: Vec<String>,
    pub user_regions: Vec<String>,
}

/// Tokens company names are built from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyWords {
    pub first: Vec<String>,
    pub middle: Vec<String>,
    pub business: Vec<String>,
    pub surnames: Vec<String>,
}

/// One country: how its addresses, phones, legal forms and people look.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    pub code: String,
    /// Relative share of accounts.
    pub weight: u32,
    /// The usual name first, then variants seen in legacy data.
    pub names: Vec<String>,
    pub tld: String,
    /// Digits in a national significant number (without trunk `0` or country code).
    pub national_digits: usize,
    pub phone_formats: Vec<String>,
    pub mobile_prefixes: Vec<String>,
    pub mobile_formats: Vec<String>,
    /// Groups of spellings of one legal form (`Inc`, `Inc.`, `Incorporated`).
    pub legal_suffixes: Vec<Vec<String>>,
    /// With `{number}`, `{name}` and `{type}`.
    pub street_format: String,
    pub street_names: Vec<String>,
    /// `[full, abbreviated]` street types.
    pub street_types: Vec<[String; 2]>,
    pub cities: Vec<City>,
    /// Job titles in the country's language, used for some of its people.
    pub local_titles: Vec<String>,
    pub first_names: Vec<String>,
    pub last_names: Vec<String>,
}

/// A city with the state, postcode pattern and area code that go with it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    pub name: String,
    pub state: String,
    /// `#` is a digit, `@` a capital letter.
    pub postcode: String,
    pub area: String,
}

/// An opportunity stage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: String,
    pub probability: u32,
    /// How often an open deal sits in this stage.
    pub weight: u32,
    pub closed: bool,
    pub won: bool,
}

/// Account Type values, by whether the account has won business.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountTypes {
    pub customer: Vec<String>,
    pub other: Vec<String>,
}

/// Activity subjects per activity type; `{first}`, `{last}` and `{n}` are filled in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)] // the keys are the activity types as written to the file
pub struct ActivitySubjects {
    pub Call: Vec<String>,
    pub Email: Vec<String>,
    pub Meeting: Vec<String>,
    pub Task: Vec<String>,
}

impl Words {
    /// The embedded lists, parsed and checked.
    pub fn embedded() -> Result<Words> {
        Words::parse(WORDS_YAML, "src/samples/words.yaml")
    }

    /// Parses and checks word lists; `origin` names them in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Words> {
        let words: Words = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
            path: origin.into(),
            message: e.to_string(),
        })?;
        words.check().map_err(|message| Error::Yaml {
            path: origin.into(),
            message,
        })?;
        Ok(words)
    }

    /// The checks the generator's guarantees rest on (unique names, valid phone formats).
    fn check(&self) -> std::result::Result<(), String> {
        let c = &self.company;
        for (list, words) in [
            ("first", &c.first),
            ("middle", &c.middle),
            ("business", &c.business),
            ("surnames", &c.surnames),
        ] {
            if words.is_empty() {
                return Err(format!("company.{list} is empty"));
            }
            for w in words {
                if w.is_empty() || !w.chars().all(char::is_alphabetic) {
                    return Err(format!(
                        "company.{list}: `{w}` must be one word of letters only"
                    ));
                }
                if super::rules::is_legal_suffix(&super::rules::fold(w).to_lowercase()) {
                    return Err(format!("company.{list}: `{w}` is a legal suffix"));
                }
            }
        }
        // Folded and lowercased, no word may appear twice in or across the lists: that is
        // what makes every generated name (and its domain) unique.
        let mut seen = std::collections::BTreeMap::new();
        for (list, words) in [
            ("first", &c.first),
            ("middle", &c.middle),
            ("business", &c.business),
            ("surnames", &c.surnames),
        ] {
            for w in words {
                let key = super::rules::fold(w).to_lowercase();
                if let Some(other) = seen.insert(key, (list, w)) {
                    return Err(format!(
                        "company.{list}: `{w}` clashes with `{}` in company.{}",
                        other.1, other.0
                    ));
                }
            }
        }
        let won = self.stages.iter().filter(|s| s.closed && s.won).count();
        let lost = self.stages.iter().filter(|s| s.closed && !s.won).count();
        let open: u32 = self
            .stages
            .iter()
            .filter(|s| !s.closed)
            .map(|s| s.weight)
            .sum();
        if won != 1 || lost != 1 || open == 0 {
            return Err("stages need one won, one lost and weighted open stages".into());
        }
        if self.countries.is_empty() {
            return Err("countries is empty".into());
        }
        for country in &self.countries {
            let code = &country.code;
            for (what, list) in [
                ("names", &country.names),
                ("phone_formats", &country.phone_formats),
                ("mobile_prefixes", &country.mobile_prefixes),
                ("mobile_formats", &country.mobile_formats),
                ("street_names", &country.street_names),
                ("first_names", &country.first_names),
                ("last_names", &country.last_names),
            ] {
                if list.is_empty() {
                    return Err(format!("country {code}: {what} is empty"));
                }
            }
            if country.cities.is_empty()
                || country.street_types.is_empty()
                || country.legal_suffixes.iter().any(Vec::is_empty)
            {
                return Err(format!(
                    "country {code}: cities, street_types and legal_suffixes must not be empty"
                ));
            }
            for f in &country.mobile_formats {
                for p in &country.mobile_prefixes {
                    if f.matches('#').count() <= p.len() {
                        return Err(format!(
                            "country {code}: mobile format `{f}` is shorter than prefix `{p}`"
                        ));
                    }
                }
            }
            for city in &country.cities {
                // The last seven digits of a company phone are unique per company.
                let rest = country.national_digits as isize - city.area.len() as isize;
                if rest < super::company::UNIQUE_DIGITS as isize {
                    return Err(format!(
                        "country {code}: area code `{}` of {} leaves fewer than {} digits",
                        city.area,
                        city.name,
                        super::company::UNIQUE_DIGITS
                    ));
                }
                let fitting = country
                    .phone_formats
                    .iter()
                    .filter(|f| f.contains("{area}") && f.matches('#').count() == rest as usize)
                    .count();
                if fitting < 2 {
                    return Err(format!(
                        "country {code}: {} (area `{}`) needs two phone formats with `{{area}}` and {rest} `#`",
                        city.name, city.area
                    ));
                }
            }
        }
        for (what, list) in [
            ("industries", &self.industries),
            ("titles", &self.titles),
            ("lead_sources", &self.lead_sources),
            ("opportunity_kinds", &self.opportunity_kinds),
            ("descriptions", &self.descriptions),
            ("user_roles", &self.user_roles),
            ("user_regions", &self.user_regions),
            ("account_types.customer", &self.account_types.customer),
            ("account_types.other", &self.account_types.other),
            ("activity_subjects.Call", &self.activity_subjects.Call),
            ("activity_subjects.Email", &self.activity_subjects.Email),
            ("activity_subjects.Meeting", &self.activity_subjects.Meeting),
            ("activity_subjects.Task", &self.activity_subjects.Task),
        ] {
            if list.is_empty() {
                return Err(format!("{what} is empty"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encodes_in_1252(s: &str) -> bool {
        let (_, _, errors) = encoding_rs::WINDOWS_1252.encode(s);
        !errors
    }

    #[test]
    fn embedded_lists_parse_and_pass_their_checks() {
        let words = Words::embedded().unwrap();
        // Enough distinct companies for the 1,000,000-account benchmark, with room to spare.
        assert!(super::super::company::NameSpace::capacity(&words) > 3_000_000);
    }

    #[test]
    fn everything_written_to_contacts_is_windows_1252() {
        let words = Words::embedded().unwrap();
        let mut all: Vec<&String> = Vec::new();
        for c in &words.countries {
            all.extend(&c.first_names);
            all.extend(&c.last_names);
            all.extend(&c.names);
            all.extend(c.cities.iter().map(|city| &city.name));
            all.extend(&c.local_titles);
        }
        all.extend(&words.titles);
        all.extend(&words.lead_sources);
        for s in all {
            assert!(encodes_in_1252(s), "`{s}` is not encodable in Windows-1252");
        }
    }

    #[test]
    fn unknown_keys_and_broken_lists_are_rejected_with_the_line() {
        let err = Words::parse("company:\n  first: [A]\n  bogus: 1\n", "w.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("w.yaml") && err.contains("bogus"), "{err}");
        assert!(err.contains("line"), "{err}");

        let text = WORDS_YAML.replace("Traders, Logistics,", "Traders, Northwind, Logistics,");
        let err = Words::parse(&text, "w.yaml").unwrap_err().to_string();
        assert!(err.contains("`Northwind` clashes"), "{err}");

        let text = WORDS_YAML.replace("area: \"1\"", "area: \"12\"");
        let err = Words::parse(&text, "w.yaml").unwrap_err().to_string();
        assert!(
            err.contains("Paris (area `12`) needs two phone formats"),
            "{err}"
        );
    }
}
