//! Merges across datasets (from `crmkit dedupe A B C`): which records of a dataset merge into a
//! survivor of another, the golden values its own survivors load with, and the dataset order
//! that stages survivors before the records merging into them.

use std::collections::HashMap;

use crate::error::Result;
use crate::staging::Db;

/// A dataset's part in linked dedupe runs, read once before its rows are staged.
#[derive(Default)]
pub struct Cross {
    /// (batch, row) -> its survivor (dataset, batch, row) in another dataset.
    into: HashMap<(i64, i64), (String, i64, i64)>,
    /// (batch, row) of a survivor -> (column position, golden value) to load it with.
    golden: HashMap<(i64, i64), Vec<(usize, String)>>,
    /// Whether records of other datasets merge into records of this one.
    pub survivor_source: bool,
}

impl Cross {
    /// Reads the dataset's cross-source merges; `columns` are the mapping's source columns.
    pub fn load(db: &Db, dataset: &str, columns: &[String], with_proposed: bool) -> Result<Cross> {
        let golden = db
            .link_golden(dataset, with_proposed)?
            .into_iter()
            .map(|(at, json)| {
                let values: HashMap<String, String> =
                    serde_json::from_str(&json).unwrap_or_default();
                let mut by_position: Vec<(usize, String)> = values
                    .into_iter()
                    .filter_map(|(c, v)| columns.iter().position(|x| *x == c).map(|i| (i, v)))
                    .collect();
                by_position.sort();
                (at, by_position)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Ok(Cross {
            into: db.cross_merges(dataset, with_proposed)?,
            golden,
            survivor_source: db.is_link_survivor_source(dataset)?,
        })
    }

    /// The survivor in another dataset a record merges into.
    pub fn survivor(&self, batch: i64, row: i64) -> Option<&(String, i64, i64)> {
        self.into.get(&(batch, row))
    }

    /// A survivor's values with its cluster's golden values in place of its own.
    pub fn with_golden(
        &self,
        batch: i64,
        row: i64,
        values: &[Option<String>],
    ) -> Option<Vec<Option<String>>> {
        let golden = self.golden.get(&(batch, row))?;
        let mut out = values.to_vec();
        for (i, v) in golden {
            if let Some(slot) = out.get_mut(*i) {
                *slot = Some(v.clone());
            }
        }
        Some(out)
    }
}

/// The record a member merges into now: the survivor dedupe chose, or the member stage
/// loaded in its place when it could not load that one.
pub fn survivor_now(
    replaced: &HashMap<(i64, i64), (String, i64, i64)>,
    chosen: &(String, i64, i64),
) -> (String, i64, i64) {
    replaced
        .get(&(chosen.1, chosen.2))
        .cloned()
        .unwrap_or_else(|| chosen.clone())
}

/// Orders an object's datasets so that those holding survivors of linked runs come first, in
/// the run's priority order: a record merges only into a survivor already staged. Datasets no
/// run links keep their place after them.
pub fn survivors_first<T>(db: &Db, items: &mut [T], dataset: impl Fn(&T) -> &str) -> Result<()> {
    let priorities = db.link_priorities()?;
    if priorities.is_empty() {
        return Ok(());
    }
    let rank = |d: &str| {
        priorities
            .iter()
            .find_map(|p| p.iter().position(|x| x == d))
            .unwrap_or(usize::MAX)
    };
    items.sort_by_key(|t| rank(dataset(t)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_survivor_leads_to_the_member_in_its_place() {
        let replaced = HashMap::from([((3, 1), ("billing".to_string(), 5, 2))]);
        let chosen = ("crm".to_string(), 3, 1);
        assert_eq!(
            survivor_now(&replaced, &chosen),
            ("billing".to_string(), 5, 2)
        );
        let kept = ("crm".to_string(), 3, 2);
        assert_eq!(survivor_now(&replaced, &kept), kept);
    }

    #[test]
    fn golden_values_replace_the_survivors_own() {
        let cross = Cross {
            golden: HashMap::from([((1, 2), vec![(1, "+1 415 555 0134".to_string())])]),
            ..Default::default()
        };
        let own = vec![Some("Northwind".to_string()), None];
        assert_eq!(
            cross.with_golden(1, 2, &own),
            Some(vec![
                Some("Northwind".to_string()),
                Some("+1 415 555 0134".to_string())
            ])
        );
        assert_eq!(cross.with_golden(1, 3, &own), None);
    }
}
