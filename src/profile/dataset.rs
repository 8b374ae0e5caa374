//! One dataset after its scan: column profiles, candidate keys, and what the checks across
//! datasets still need (value sets of keys, retained columns).

use super::column::ColumnStats;
use super::model::{ColumnProfile, DatasetProfile, ValueCount};
use super::scan::{Arena, Scan};
use super::values::KeySet;

/// A scanned dataset.
pub struct Scanned {
    pub name: String,
    pub source: String,
    pub issues: Vec<ValueCount>,
    pub rows: u64,
    pub duplicate_rows: u64,
    pub duplicate_examples: Vec<u64>,
    pub columns: Vec<ColumnProfile>,
    /// The statistics behind `columns` (value sets of small columns stay for references).
    pub stats: Vec<ColumnStats>,
    /// Retained columns, row by row.
    pub retained: Vec<Option<Arena>>,
    /// Value hashes of candidate keys (and declared reference targets).
    pub keys: Vec<Option<KeySet>>,
    /// Unique, never blank columns.
    pub key_candidates: Vec<bool>,
}

impl Scanned {
    /// Finishes a scan: decides types, finds candidate keys, keeps key sets for `also_keys`
    /// (declared reference targets) and frees the rest.
    pub fn from_scan(
        name: String,
        source: String,
        issues: Vec<ValueCount>,
        scan: Scan,
        also_keys: &[bool],
    ) -> Scanned {
        let Scan {
            rows,
            mut columns,
            duplicate_rows,
            duplicate_examples,
            retained,
        } = scan;
        let profiles: Vec<ColumnProfile> = columns.iter().map(ColumnStats::finish).collect();
        let key_candidates: Vec<bool> = profiles
            .iter()
            .zip(&columns)
            .map(|(p, s)| {
                rows > 0
                    && p.filled == rows
                    && s.values().is_exact()
                    && p.distinct == rows - duplicate_rows
            })
            .collect();
        let keys = columns
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (key_candidates[i] || also_keys.get(i).copied().unwrap_or(false))
                    .then(|| s.values().key_set())
                    .flatten()
            })
            .collect();
        columns.iter_mut().for_each(ColumnStats::shrink);
        Scanned {
            name,
            source,
            issues,
            rows,
            duplicate_rows,
            duplicate_examples,
            columns: profiles,
            stats: columns,
            retained,
            keys,
            key_candidates,
        }
    }

    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The profile as output shows it.
    pub fn profile(&self) -> DatasetProfile {
        DatasetProfile {
            name: self.name.clone(),
            source: self.source.clone(),
            rows: self.rows,
            duplicate_rows: self.duplicate_rows,
            candidate_keys: self
                .columns
                .iter()
                .zip(&self.key_candidates)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c.name.clone())
                .collect(),
            issues: self.issues.clone(),
            columns: self.columns.clone(),
        }
    }
}

/// The singular of a dataset name, for matching column names (`products` -> `product`).
pub fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = name.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = name.strip_suffix('s')
        && !name.ends_with("ss")
    {
        stem.to_string()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singulars() {
        for (plural, want) in [
            ("accounts", "account"),
            ("opportunities", "opportunity"),
            ("addresses", "address"),
            ("crm_usage", "crm_usage"),
            ("business", "business"),
        ] {
            assert_eq!(singular(plural), want);
        }
    }
}
