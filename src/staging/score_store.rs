//! The `_scores` table: one value per record and score name (`status`, `rfm.segment`,
//! `lead.score`, `territory`, `owner`), replaced as a whole family per run.

use rusqlite::params;
use serde::Serialize;

use super::Db;
use crate::error::Result;

/// One stored score of one record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    pub key: String,
    pub name: String,
    pub value: Option<f64>,
    pub text: Option<String>,
}

impl Db {
    /// Replaces every score of `dataset` named `family` or `family.*` with `scores`, in one
    /// transaction (a re-run leaves no stale rows behind).
    pub fn save_scores(&mut self, dataset: &str, family: &str, scores: &[Score]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM _scores WHERE dataset = ?1 AND (name = ?2 OR name LIKE ?2 || '.%')",
            params![dataset, family],
        )?;
        {
            let now = super::now();
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO _scores (dataset, key, name, value, text, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for s in scores {
                stmt.execute(params![dataset, s.key, s.name, s.value, s.text, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every score of `dataset` named `name`, by key.
    pub fn scores(&self, dataset: &str, name: &str) -> Result<Vec<Score>> {
        let mut stmt = self.conn.prepare(
            "SELECT key, name, value, text FROM _scores WHERE dataset = ?1 AND name = ?2 ORDER BY key",
        )?;
        let rows = stmt.query_map(params![dataset, name], |r| {
            Ok(Score {
                key: r.get(0)?,
                name: r.get(1)?,
                value: r.get(2)?,
                text: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Db {
    /// Every score named `name`, whatever the dataset, with its dataset: (dataset, score).
    pub fn scores_named(&self, name: &str) -> Result<Vec<(String, Score)>> {
        let mut stmt = self.conn.prepare(
            "SELECT dataset, key, name, value, text FROM _scores WHERE name = ?1 ORDER BY dataset, key",
        )?;
        let rows = stmt.query_map(params![name], |r| {
            Ok((
                r.get(0)?,
                Score {
                    key: r.get(1)?,
                    name: r.get(2)?,
                    value: r.get(3)?,
                    text: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("s.db")).unwrap();
        let s = |key: &str, name: &str, v: f64| Score {
            key: key.into(),
            name: name.into(),
            value: Some(v),
            text: None,
        };
        db.save_scores(
            "accounts",
            "rfm",
            &[s("A1", "rfm.r", 5.0), s("A2", "rfm.r", 1.0)],
        )
        .unwrap();
        db.save_scores("accounts", "status", &[s("A1", "status", 1.0)])
            .unwrap();
        db.save_scores("accounts", "rfm", &[s("A2", "rfm.r", 2.0)])
            .unwrap();
        assert_eq!(
            db.scores("accounts", "rfm.r").unwrap(),
            [s("A2", "rfm.r", 2.0)]
        );
        assert_eq!(db.scores("accounts", "status").unwrap().len(), 1);
    }
}
