//! Review answers of linked dedupe runs: pair labels whose records sit in different datasets.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Db, LabelRow};
use crate::error::Result;

/// A labelled pair of a linked run, with each record's dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkLabel {
    pub label: LabelRow,
    pub dataset_a: String,
    pub dataset_b: String,
}

impl Db {
    /// Labels of pairs whose records both belong to `datasets`, from linked reviews and from
    /// each dataset's own; the latest answer about a pair wins.
    pub fn link_labels(&self, datasets: &[String]) -> Result<Vec<LabelRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT batch_a, row_a, batch_b, row_b, id_a, id_b, is_match,
                    coalesce(dataset_a, dataset), coalesce(dataset_b, dataset)
             FROM _dedupe_labels ORDER BY answered, rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                LabelRow {
                    a: (r.get(0)?, r.get(1)?),
                    b: (r.get(2)?, r.get(3)?),
                    id_a: r.get(4)?,
                    id_b: r.get(5)?,
                    is_match: r.get(6)?,
                },
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        // (batch, row) of each side -> the latest answer about the pair.
        type Pair = ((i64, i64), (i64, i64));
        let mut latest: BTreeMap<Pair, LabelRow> = BTreeMap::new();
        for row in rows {
            let (label, da, db) = row?;
            if datasets.contains(&da) && datasets.contains(&db) {
                latest.insert((label.a, label.b), label);
            }
        }
        Ok(latest.into_values().collect())
    }

    /// Records a linked run's answers under the link's name (a later answer about the same
    /// pair replaces the earlier one).
    pub fn save_link_labels(&mut self, link: &str, labels: &[LinkLabel]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO _dedupe_labels
                 (dataset, batch_a, row_a, batch_b, row_b, id_a, id_b, is_match, answered, dataset_a, dataset_b)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let stamp = super::now();
            for l in labels {
                let (a, b, ia, ib, da, db) = if l.label.a <= l.label.b {
                    let x = &l.label;
                    (x.a, x.b, &x.id_a, &x.id_b, &l.dataset_a, &l.dataset_b)
                } else {
                    let x = &l.label;
                    (x.b, x.a, &x.id_b, &x.id_a, &l.dataset_b, &l.dataset_a)
                };
                stmt.execute(params![
                    link,
                    a.0,
                    a.1,
                    b.0,
                    b.1,
                    ia,
                    ib,
                    l.label.is_match,
                    stamp,
                    da,
                    db
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(a: (i64, i64), b: (i64, i64), is_match: bool) -> LabelRow {
        LabelRow {
            a,
            b,
            id_a: format!("{a:?}"),
            id_b: format!("{b:?}"),
            is_match,
        }
    }

    #[test]
    fn linked_answers_count_where_both_sides_are_linked_and_the_latest_wins() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("l.db")).unwrap();
        // A single dataset's own answer counts for a link that includes it.
        db.save_dedupe_labels("crm", &[label((1, 4), (1, 9), true)])
            .unwrap();
        let linked = |a, b, da: &str, db: &str, m| LinkLabel {
            label: label(a, b, m),
            dataset_a: da.into(),
            dataset_b: db.into(),
        };
        db.save_link_labels(
            "crm+billing",
            &[
                // Given in either order; stored low (batch, row) first with its dataset.
                linked((2, 7), (1, 3), "billing", "crm", true),
                linked((1, 5), (3, 1), "crm", "sheet", false),
            ],
        )
        .unwrap();
        let both = db
            .link_labels(&["crm".to_string(), "billing".to_string()])
            .unwrap();
        let pairs: Vec<_> = both.iter().map(|l| (l.a, l.b, l.is_match)).collect();
        assert_eq!(pairs, vec![((1, 3), (2, 7), true), ((1, 4), (1, 9), true)]);
        // The same pair answered again under another priority order: the later answer wins.
        db.save_link_labels(
            "billing+crm",
            &[linked((1, 3), (2, 7), "crm", "billing", false)],
        )
        .unwrap();
        let again = db
            .link_labels(&["billing".to_string(), "crm".to_string()])
            .unwrap();
        assert_eq!(again.len(), 2);
        assert!(!again.iter().find(|l| l.a == (1, 3)).unwrap().is_match);
        // Only billing: no pair has both sides there.
        assert!(db.link_labels(&["billing".to_string()]).unwrap().is_empty());
    }
}
