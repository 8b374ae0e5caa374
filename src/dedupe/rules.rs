//! The dedupe rules file (`playbooks/dedupe.yaml`): roles, weights, blocking keys, word lists.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The rules compiled into the binary.
const BUILTIN: &str = include_str!("../../playbooks/dedupe.yaml");

/// How a role's values are cleaned before comparing.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    CompanyName,
    PersonName,
    Domain,
    Email,
    Phone,
    Street,
    Postcode,
    Text,
    /// A calendar date as `YYYYMMDD` (digits kept as written when they are no valid date, so
    /// a typo still compares).
    Date,
}

/// How two cleaned values are compared.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// Equal or not.
    Exact,
    /// Best of Jaro-Winkler, normalised Levenshtein and token-set overlap, in bands.
    Fuzzy,
    /// An organisation's name: the fuzzy levels, plus `abbreviated` (`b & g john yancey` /
    /// `boys & girls clubs john l yancey`) and `shared_word` (a word few of the dataset's
    /// names carry is in both: `kiddy kare i` / `el valor kiddy kare learning center`).
    CompanyName,
    /// A street address: the fuzzy levels, plus `other_number` when both carry house numbers
    /// and none is shared (two sites on one street, or one organisation's two addresses).
    Street,
    /// A person's name: fuzzy bands plus initials and first/last swaps.
    PersonName,
    /// A code or number: equal, one edit apart, or different.
    Code,
    /// A date: equal, day and month swapped, one digit off, same year and month, different.
    Date,
    /// An email address: equal, one edit apart, the same user at another domain, addresses at
    /// two different companies (neither a free-mail domain), different.
    Email,
    /// A web domain: equal, the same name under another suffix (`acme.de` / `acme.net`),
    /// different.
    Domain,
}

/// One field role and what agreement on it is worth.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub normalize: Normalize,
    pub compare: Compare,
    /// Similarity at or above which the values agree (fuzzy only).
    #[serde(default = "one")]
    pub high: f64,
    /// Similarity at or above which they partly agree (fuzzy only).
    #[serde(default = "one")]
    pub mid: f64,
    pub agree: f64,
    #[serde(default)]
    pub partial: f64,
    pub disagree: f64,
    /// Term-frequency adjustment: agreeing on a rare value counts more than on a common one.
    #[serde(default)]
    pub tf: bool,
    /// The role whose value is compared crosswise to spot swapped fields (first/last name).
    #[serde(default)]
    pub swap: Option<String>,
    /// Set per object from `shared`: several entities of the object legitimately share the
    /// value (colleagues' company phone), so its agreement counts only as far as the
    /// record's own identifiers support a match.
    #[serde(skip)]
    pub shared: bool,
    /// Set per object from `shared_unless_disagreeing`: shared agreement counts in full
    /// unless the identifiers argue against a match.
    #[serde(skip)]
    pub shared_gate: bool,
    /// Free-mail domains (from the rules' `free_mail_domains`), for email comparisons: two
    /// addresses at two different companies' domains are two people, but a work address and
    /// a private one can be one person.
    #[serde(skip)]
    pub free_mail: std::sync::Arc<Vec<String>>,
    /// Set per run for a company name: the words too many of the dataset's names carry
    /// (`center`, `chicago`) for sharing one to say anything (see [`super::levels::common_words`]).
    #[serde(skip)]
    pub common_words: std::sync::Arc<super::levels::Words>,
}

fn one() -> f64 {
    1.0
}

/// The whole rules file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub prior: f64,
    pub strong_link: f64,
    /// Strength of the playbook weights as priors, in pairs' worth of evidence.
    pub prior_pairs: f64,
    /// Random pairs drawn to estimate u (the chance of each level among non-matches).
    pub u_sample: usize,
    /// Rounds of expectation-maximisation for m.
    pub em_rounds: usize,
    pub max_block: usize,
    pub roles: BTreeMap<String, Role>,
    pub blocking: Vec<Vec<String>>,
    pub legal_suffixes: Vec<String>,
    pub street_abbreviations: BTreeMap<String, String>,
    /// Domains of free-mail providers (not an employer's), for email comparisons.
    #[serde(default)]
    pub free_mail_domains: Vec<String>,
    /// Street words besides the abbreviated ones, for telling an address column by its values.
    #[serde(default)]
    pub street_types: Vec<String>,
    pub two_label_suffixes: Vec<String>,
    /// Roles matched per object (`account`, `contact`, `lead`).
    pub objects: BTreeMap<String, Vec<String>>,
    /// Per object, the roles that different entities of it share (see `Role::shared`).
    #[serde(default)]
    pub shared: BTreeMap<String, Vec<String>>,
    /// Objects whose shared roles count in full unless the identifiers disagree.
    #[serde(default)]
    pub shared_unless_disagreeing: Vec<String>,
    /// Columns (as identifiers) that never serve a role: free text and bookkeeping.
    #[serde(default)]
    pub excluded_columns: Vec<String>,
    /// Column names that suggest each role, best first.
    pub column_hints: BTreeMap<String, Vec<String>>,
    /// Target field API names that imply each role when a mapping maps a column to them.
    pub target_hints: BTreeMap<String, Vec<String>>,
    /// Profiled semantic types that imply each role.
    pub type_hints: BTreeMap<String, Vec<String>>,
    /// Share of a column's values that must fit a type hint.
    pub type_share: f64,
    pub survivorship: Survivorship,
}

/// How the surviving record of a cluster and its merged values are chosen. Stored with each
/// dedupe run, so stage picks a replacement survivor by the rules that picked the first.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Survivorship {
    pub order: Vec<Criterion>,
    pub recency_columns: Vec<String>,
    #[serde(default)]
    pub source_priority: Vec<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldPick>,
}

/// One survivor-selection criterion.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    MostComplete,
    MostRecent,
    SourcePriority,
    FirstRow,
}

/// How a merged value is picked from a cluster's records.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldPick {
    Survivor,
    MostCommon,
    Longest,
    MostRecent,
}

/// Keys derived from roles that blocking may use besides the roles themselves.
pub const DERIVED_KEYS: [&str; 3] = ["name_prefix", "name_token", "first_initial"];

impl Rules {
    /// Marks the roles that entities of `object` share (the playbook's `shared` list).
    pub fn mark_shared(&self, object: &str, mut roles: Vec<(String, Role)>) -> Vec<(String, Role)> {
        let shared = self.shared.get(object);
        for (name, role) in &mut roles {
            role.shared = shared.is_some_and(|s| s.contains(name));
            role.shared_gate = self.shared_unless_disagreeing.iter().any(|o| o == object);
        }
        roles
    }

    /// The built-in rules.
    pub fn builtin() -> Rules {
        Rules::parse(BUILTIN, Path::new("playbooks/dedupe.yaml"))
            .expect("built-in dedupe rules are valid")
    }

    /// Reads rules from a file (an override of the built-in ones).
    pub fn load(path: &Path) -> Result<Rules> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Rules::parse(&text, path)
    }

    fn parse(text: &str, path: &Path) -> Result<Rules> {
        let mut rules: Rules = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let free_mail = std::sync::Arc::new(rules.free_mail_domains.clone());
        for role in rules.roles.values_mut() {
            role.free_mail = free_mail.clone();
        }
        if rules.blocking.len() > 64 {
            return Err(Error::Yaml {
                path: path.to_path_buf(),
                message: format!(
                    "{} blocking rules; at most 64 are allowed",
                    rules.blocking.len()
                ),
            });
        }
        for key in rules.blocking.iter().flatten() {
            if !rules.roles.contains_key(key) && !DERIVED_KEYS.contains(&key.as_str()) {
                return Err(Error::Yaml {
                    path: path.to_path_buf(),
                    message: format!(
                        "blocking key `{key}` is neither a role nor one of {DERIVED_KEYS:?}"
                    ),
                });
            }
        }
        let known = |r: &String| rules.roles.contains_key(r);
        let bad = rules
            .objects
            .values()
            .flatten()
            .chain(rules.column_hints.keys())
            .chain(rules.target_hints.keys())
            .chain(rules.type_hints.keys())
            .chain(rules.survivorship.fields.keys())
            .chain(rules.roles.values().filter_map(|r| r.swap.as_ref()))
            .find(|r| !known(r));
        if let Some(role) = bad {
            return Err(Error::Yaml {
                path: path.to_path_buf(),
                message: format!(
                    "unknown role `{role}` (roles: {})",
                    rules.role_names().join(", ")
                ),
            });
        }
        Ok(rules)
    }

    /// Role names, for "did you mean" and help.
    pub fn role_names(&self) -> Vec<&str> {
        self.roles.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        let rules = Rules::builtin();
        assert!(rules.roles.contains_key("name"));
        assert!(rules.legal_suffixes.iter().any(|s| s == "gmbh"));
    }

    #[test]
    fn unknown_blocking_keys_are_rejected() {
        let text = BUILTIN.replace("  - [domain]", "  - [domian]");
        let err = Rules::parse(&text, Path::new("x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("domian"), "{err}");
    }
}
