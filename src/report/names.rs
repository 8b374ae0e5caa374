//! How a report names a record for a reader who knows records by name: the record's own name
//! (`Acme Corp`, `Fiona Hughes`), read from its dataset's name column(s) by the key the
//! profile or the scores quoted it by. A client reads names; ids stay in the team view.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::Result;
use crate::profile::dataset::singular;
use crate::profile::vocab;
use crate::staging::Db;

/// Record names by dataset and key, filled for the keys asked for.
#[derive(Debug, Default)]
pub struct Names {
    by_dataset: HashMap<String, HashMap<String, String>>,
}

impl Names {
    /// Looks up the names of `wanted` keys per dataset, in one pass over each dataset: every
    /// key-like column is tried, and the one holding most of the keys is where they came from.
    /// A dataset without a name column names nothing.
    pub fn lookup(db: &Db, wanted: &BTreeMap<String, HashSet<String>>) -> Result<Names> {
        let present = db.dataset_names()?;
        let mut by_dataset = HashMap::new();
        for (dataset, want) in wanted {
            if want.is_empty() || !present.contains(dataset) {
                continue;
            }
            let columns: Vec<String> = db
                .source_columns(dataset)?
                .into_iter()
                .map(|c| c.column)
                .collect();
            let names = name_columns(dataset, &columns);
            if names.is_empty() {
                continue;
            }
            let candidates: Vec<String> = columns
                .iter()
                .filter(|c| vocab::columns().retain.matches(c) && !names.contains(c))
                .cloned()
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let read: Vec<String> = candidates.iter().chain(&names).cloned().collect();
            // Per candidate key column, the names of the wanted keys it holds.
            let mut found: Vec<HashMap<String, String>> = vec![HashMap::new(); candidates.len()];
            db.scan(dataset, &read, None, |row| {
                let (key_cells, name_cells) = row.split_at(candidates.len());
                for (i, cell) in key_cells.iter().enumerate() {
                    let Some(key) = cell.as_deref().map(str::trim) else {
                        continue;
                    };
                    if !want.contains(key) || found[i].contains_key(key) {
                        continue;
                    }
                    if let Some(name) = join_name(name_cells) {
                        found[i].insert(key.to_string(), name);
                    }
                }
                Ok(())
            })?;
            // The column that names the most wanted keys is the one the keys came from.
            if let Some(best) = found
                .into_iter()
                .enumerate()
                .max_by_key(|(i, f)| (f.len(), std::cmp::Reverse(*i)))
                .map(|(_, f)| f)
                .filter(|f| !f.is_empty())
            {
                by_dataset.insert(dataset.clone(), best);
            }
        }
        Ok(Names { by_dataset })
    }

    /// The name of record `key` of `dataset`, if it has one.
    pub fn get(&self, dataset: &str, key: &str) -> Option<&str> {
        self.by_dataset
            .get(dataset)?
            .get(key.trim())
            .map(String::as_str)
    }

    /// `Name (key)`, or the key alone when the record has no name (or is named by its key).
    pub fn label(&self, dataset: &str, key: &str) -> String {
        match self.get(dataset, key) {
            Some(name) if name != key.trim() => format!("{name} ({key})"),
            _ => key.to_string(),
        }
    }
}

/// Checks whose examples quote records of the finding's own dataset by key.
const RECORD_CHECKS: [&str; 5] = [
    "self_parent",
    "missing_parent",
    "hierarchy_cycle",
    "stale_record",
    "dead_account",
];

/// How a missing-parent example quotes the parent it names (`A-2 (parent A-8)`).
const PARENT_MARK: &str = " (parent ";

/// The record keys an example of `check` quotes: none for a check whose examples are values.
pub fn keys_in<'a>(check: &str, example: &'a str) -> Vec<&'a str> {
    if !RECORD_CHECKS.contains(&check) {
        return Vec::new();
    }
    match check {
        "hierarchy_cycle" => example.split(" -> ").collect(),
        "missing_parent" => vec![example.split(PARENT_MARK).next().unwrap_or(example)],
        _ => vec![example],
    }
}

impl Names {
    /// An example of `check` in `dataset` with its records named: `Acme Corp (A-1)`, a
    /// missing parent as `Acme Corp: parent A-9`, a cycle as `Acme → Beta (A-2)`.
    pub fn example(&self, check: &str, dataset: &str, example: &str) -> String {
        match check {
            "hierarchy_cycle" => example
                .split(" -> ")
                .map(|k| self.label(dataset, k))
                .collect::<Vec<_>>()
                .join(" → "),
            "missing_parent" => match example.split_once(PARENT_MARK) {
                Some((key, parent)) => format!(
                    "{}: parent {}",
                    self.label(dataset, key),
                    parent.strip_suffix(')').unwrap_or(parent)
                ),
                None => self.label(dataset, example),
            },
            c if RECORD_CHECKS.contains(&c) => self.label(dataset, example),
            _ => example.to_string(),
        }
    }
}

/// The cells of a record's name, joined (`Fiona` `Hughes` -> `Fiona Hughes`); None when blank.
fn join_name(cells: &[Option<String>]) -> Option<String> {
    let parts: Vec<&str> = cells
        .iter()
        .filter_map(|c| c.as_deref().map(str::trim))
        .filter(|c| !c.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The column(s) holding the names of `dataset`'s own records, in reading order: its own name
/// column (`account_name` in accounts, `name`, `full_name`), else first and last name
/// together, else the first column named like a record's name that names no parent or owner.
pub fn name_columns(dataset: &str, columns: &[String]) -> Vec<String> {
    let own = format!("{}_name", singular(dataset));
    let squashed = own.replace('_', "");
    for wanted in [
        own.as_str(),
        squashed.as_str(),
        "name",
        "full_name",
        "fullname",
    ] {
        if let Some(c) = columns.iter().find(|c| c.as_str() == wanted) {
            return vec![c.clone()];
        }
    }
    // Given and family name in any language clients write headers in: the dedupe playbook's
    // hints for those roles, the one list of them.
    let rules = crate::dedupe::rules::Rules::builtin();
    let hinted = |role: &str| {
        rules.column_hints.get(role).and_then(|hints| {
            hints.iter().find_map(|h| {
                let h = crate::intake::names::identifier(h);
                columns.iter().find(|c| **c == h)
            })
        })
    };
    let (first, last) = (hinted("first_name"), hinted("last_name"));
    match (first, last) {
        (Some(f), Some(l)) => return vec![f.clone(), l.clone()],
        (None, Some(l)) => return vec![l.clone()],
        _ => {}
    }
    let v = vocab::columns();
    columns
        .iter()
        .find(|c| v.required.matches(c) && !v.parent.matches(c) && !v.owner.matches(c))
        .map(|c| vec![c.clone()])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_dataset_names_its_records_by_its_own_name_column() {
        // An opportunity names the account it belongs to too: its own name wins.
        let opp = cols(&[
            "opportunity_id",
            "account_name",
            "opportunity_name",
            "amount",
        ]);
        assert_eq!(name_columns("opportunities", &opp), ["opportunity_name"]);
        let sf = cols(&["id", "accountid", "firstname", "lastname", "email"]);
        assert_eq!(name_columns("contacts", &sf), ["firstname", "lastname"]);
        let de = cols(&["kontakt_id", "vorname", "nachname", "e_mail"]);
        assert_eq!(name_columns("kontakte", &de), ["vorname", "nachname"]);
        let users = cols(&["user_id", "full_name", "email"]);
        assert_eq!(name_columns("users", &users), ["full_name"]);
        let accounts = cols(&["account_id", "parent_account_name", "company_name"]);
        assert_eq!(name_columns("accounts", &accounts), ["company_name"]);
        assert!(name_columns("activities", &cols(&["activity_id", "subject"])).is_empty());
    }

    #[test]
    fn a_label_names_the_record_and_keeps_its_key() {
        let mut names = Names::default();
        names.by_dataset.insert(
            "accounts".into(),
            HashMap::from([
                ("A-1".into(), "Acme Corp".into()),
                ("A-2".into(), "A-2".into()),
            ]),
        );
        assert_eq!(names.label("accounts", "A-1"), "Acme Corp (A-1)");
        assert_eq!(names.label("accounts", "A-2"), "A-2");
        assert_eq!(names.label("accounts", "A-3"), "A-3");
        assert_eq!(names.label("contacts", "A-1"), "A-1");
        assert_eq!(
            names.example("missing_parent", "accounts", "A-1 (parent A-9)"),
            "Acme Corp (A-1): parent A-9"
        );
        assert_eq!(
            names.example("hierarchy_cycle", "accounts", "A-1 -> A-3"),
            "Acme Corp (A-1) → A-3"
        );
        // Values are not records: an orphan's missing id stays as it is.
        assert_eq!(names.example("orphan_reference", "accounts", "A-1"), "A-1");
        assert_eq!(keys_in("missing_parent", "A-1 (parent A-9)"), ["A-1"]);
        assert!(keys_in("invalid_email", "x@").is_empty());
    }
}
