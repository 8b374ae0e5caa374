//! The synonyms dictionary (`playbooks/synonyms.yaml`): header groups per object, value groups,
//! and abbreviations, prepared for lookups.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::text;
use crate::error::{Error, Result};

const BUILTIN: &str = include_str!("../../playbooks/synonyms.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    abbreviations: BTreeMap<String, String>,
    #[serde(default)]
    fields: BTreeMap<String, Vec<Vec<String>>>,
    #[serde(default)]
    values: Vec<Vec<String>>,
    #[serde(default)]
    entities: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    bookkeeping: Vec<Bookkeeping>,
}

/// Columns an export writes for its own round trip, with why they are not data.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bookkeeping {
    names: Vec<String>,
    reason: String,
}

/// The prepared dictionary.
#[derive(Debug)]
pub struct Synonyms {
    abbreviations: HashMap<String, String>,
    /// scope (`common`, `account`, ...) -> canonical name -> group id
    fields: HashMap<String, HashMap<String, usize>>,
    /// canonical value -> value group ids
    values: HashMap<String, Vec<usize>>,
    /// value groups, canonical names in file order
    value_groups: Vec<Vec<String>>,
    /// generic object -> canonical words an export puts before its own fields' names
    entities: HashMap<String, Vec<String>>,
    /// canonical header of an export's bookkeeping column -> why it is left unmapped
    bookkeeping: HashMap<String, String>,
}

impl Synonyms {
    /// The builtin dictionary, or `DIR/synonyms.yaml` when a playbooks folder provides one.
    pub fn load(playbooks: Option<&Path>) -> Result<Synonyms> {
        if let Some(dir) = playbooks {
            let path = dir.join("synonyms.yaml");
            if path.is_file() {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
                return Synonyms::parse(&text, &path.display().to_string());
            }
        }
        Synonyms::parse(BUILTIN, "playbooks/synonyms.yaml")
    }

    /// Parses and checks a dictionary; a name in two groups of one object is an error.
    pub fn parse(text: &str, origin: &str) -> Result<Synonyms> {
        let file: File = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
            path: origin.into(),
            message: e.to_string(),
        })?;
        let abbreviations: HashMap<String, String> = file
            .abbreviations
            .iter()
            .map(|(k, v)| (text::norm(k), text::norm(v)))
            .collect();
        let mut out = Synonyms {
            abbreviations,
            fields: HashMap::new(),
            values: HashMap::new(),
            value_groups: Vec::new(),
            entities: HashMap::new(),
            bookkeeping: HashMap::new(),
        };
        for b in &file.bookkeeping {
            for name in &b.names {
                let canon = out_canon(&out.abbreviations, name);
                out.bookkeeping.insert(canon, b.reason.clone());
            }
        }
        for (object, prefixes) in &file.entities {
            let canon = prefixes.iter().map(|p| out_canon(&out.abbreviations, p));
            out.entities.insert(object.clone(), canon.collect());
        }
        let mut id = 0;
        for (scope, groups) in &file.fields {
            let mut names = HashMap::new();
            for group in groups {
                for name in group {
                    let canon = out.canon(name);
                    if names
                        .insert(canon.clone(), id)
                        .is_some_and(|other| other != id)
                    {
                        return Err(Error::Input(format!(
                            "invalid `{origin}`: `{name}` is in two groups of fields.{scope}"
                        )));
                    }
                }
                id += 1;
            }
            out.fields.insert(scope.clone(), names);
        }
        if let Some(common) = out.fields.get("common") {
            for (scope, names) in out.fields.iter().filter(|(s, _)| *s != "common") {
                if let Some(name) = names.keys().find(|n| common.contains_key(*n)) {
                    return Err(Error::Input(format!(
                        "invalid `{origin}`: `{name}` is both in fields.common and fields.{scope}"
                    )));
                }
            }
        }
        for (i, group) in file.values.iter().enumerate() {
            let canon: Vec<String> = group.iter().map(|n| out.canon(n)).collect();
            for name in &canon {
                let ids = out.values.entry(name.clone()).or_default();
                if !ids.contains(&i) {
                    ids.push(i);
                }
            }
            out.value_groups.push(canon);
        }
        Ok(out)
    }

    /// Why a column is an export's bookkeeping rather than the record's data, if it is.
    pub fn bookkeeping(&self, header: &str) -> Option<&str> {
        self.bookkeeping
            .get(&self.canon(header))
            .map(String::as_str)
    }

    /// A name normalised and with abbreviations expanded word by word.
    pub fn canon(&self, name: &str) -> String {
        out_canon(&self.abbreviations, name)
    }

    /// The header group of `name` when mapping to `object` (object groups, then common ones).
    pub fn field_group(&self, object: &str, name: &str) -> Option<usize> {
        let canon = self.canon(name);
        self.fields
            .get(object)
            .and_then(|m| m.get(&canon))
            .or_else(|| self.fields.get("common").and_then(|m| m.get(&canon)))
            .copied()
    }

    /// The header without a leading name of the object it belongs to, as exports that hold
    /// several objects' fields write them (`Deal - Expected close date` for a deal,
    /// `Person - Email - Work` for a person); None when the prefix names another object.
    pub fn without_entity<'h>(&self, object: &str, header: &'h str) -> Option<&'h str> {
        let prefixes = self.entities.get(object)?;
        [" - ", ": ", " – "].iter().find_map(|sep| {
            let (prefix, rest) = header.split_once(sep)?;
            let rest = rest.trim();
            (!rest.is_empty() && prefixes.contains(&self.canon(prefix))).then_some(rest)
        })
    }

    /// Whether two picklist values are listed as meaning the same thing.
    pub fn same_value(&self, a: &str, b: &str) -> bool {
        self.value_rank(a, b).is_some()
    }

    /// When `a` and `b` share a value group: `b`'s position in it (earlier = more central, so
    /// `Tech` prefers `Information Technology and Services` over `Internet`).
    pub fn value_rank(&self, a: &str, b: &str) -> Option<usize> {
        let (a, b) = (self.canon(a), self.canon(b));
        let groups = self.values.get(&a)?;
        groups
            .iter()
            .filter_map(|&g| self.value_groups[g].iter().position(|n| *n == b))
            .min()
    }
}

fn out_canon(abbreviations: &HashMap<String, String>, name: &str) -> String {
    text::norm(name)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| abbreviations.get(w).map(String::as_str).unwrap_or(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_dictionary_parses_and_groups_are_disjoint() {
        let builtin = Synonyms::load(None).unwrap();
        assert!(
            builtin
                .bookkeeping("(DO NOT MODIFY) row checksum")
                .is_some()
        );
        assert!(builtin.bookkeeping("(Do Not Modify) Account").is_none());
        let s = Synonyms::load(None).unwrap();
        assert_eq!(s.canon("Phone No."), "phone number");
        assert_eq!(s.canon("Acct Name"), "account name");
        assert!(s.field_group("account", "Billing Zip").is_some());
        assert_eq!(
            s.field_group("account", "Billing Zip"),
            s.field_group("account", "Postal Code")
        );
        assert_eq!(
            s.field_group("contact", "Mobile"),
            s.field_group("contact", "Mobile Phone Number")
        );
        assert_ne!(
            s.field_group("contact", "Mobile"),
            s.field_group("contact", "Phone")
        );
        assert!(s.field_group("account", "Xyzzy").is_none());
    }

    #[test]
    fn an_object_prefix_comes_off_only_for_its_own_object() {
        let s = Synonyms::load(None).unwrap();
        assert_eq!(
            s.without_entity("opportunity", "Deal - Expected close date"),
            Some("Expected close date")
        );
        assert_eq!(
            s.without_entity("contact", "Person - Email - Work"),
            Some("Email - Work")
        );
        assert_eq!(s.without_entity("contact", "Organization - Name"), None);
        assert_eq!(s.without_entity("account", "Billing Street"), None);
    }

    #[test]
    fn values_match_through_groups() {
        let s = Synonyms::load(None).unwrap();
        assert!(s.same_value("hi-tech", "Technology"));
        assert!(s.same_value("Tech", "INFORMATION_TECHNOLOGY_AND_SERVICES"));
        assert!(!s.same_value("Banking", "Technology"));
    }

    #[test]
    fn a_name_in_two_groups_is_an_error() {
        let text = "fields:\n  account:\n    - [a, b]\n    - [b, c]\n";
        let err = Synonyms::parse(text, "s.yaml").unwrap_err().to_string();
        assert!(err.contains("two groups"), "{err}");
        let err = Synonyms::parse("abbreviations: {}\nfield: {}\n", "s.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
