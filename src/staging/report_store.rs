//! Read-only questions reports ask: dedupe totals per dataset, example clusters with their
//! records' values, and where staged rows went (`_stage_runs`).

use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, params};

use super::{Db, quote_ident, source_table};
use crate::error::Result;

/// One deduplicated dataset as it stands now (review decisions applied).
#[derive(Clone, Debug, PartialEq)]
pub struct DedupeSummary {
    pub dataset: String,
    pub object: String,
    /// JSON array of `{role, column, ...}`, as the run stored it.
    pub roles: String,
    pub records: u64,
    /// Clusters not rejected in review.
    pub clusters: u64,
    /// Records to merge away into a survivor.
    pub duplicates: u64,
    pub accepted: u64,
    pub rejected: u64,
}

/// A record of a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterMember {
    pub record_id: String,
    pub survivor: bool,
    /// The values of the requested columns (None for NULL or a missing column).
    pub values: Vec<Option<String>>,
}

/// One cluster, with its records.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterSample {
    pub dataset: String,
    pub cluster: i64,
    pub status: String,
    pub rule: String,
    pub members: Vec<ClusterMember>,
}

/// One row of `_stage_runs`: where a dataset's source rows went.
#[derive(Clone, Debug, PartialEq)]
pub struct StageTotals {
    pub dataset: String,
    pub object: String,
    pub target: String,
    pub target_object: String,
    pub source_rows: u64,
    pub staged: u64,
    pub merged: u64,
    pub rejected: u64,
    pub excluded: u64,
}

impl Db {
    /// Every deduplicated dataset, by name.
    pub fn dedupe_summaries(&self) -> Result<Vec<DedupeSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.dataset, r.object, r.roles, r.records,
                (SELECT count(DISTINCT cluster) FROM _clusters c WHERE c.dataset = r.dataset AND c.status <> 'rejected'),
                (SELECT count(*) FROM _merges m WHERE m.dataset = r.dataset),
                (SELECT count(DISTINCT cluster) FROM _clusters c WHERE c.dataset = r.dataset AND c.status = 'accepted'),
                (SELECT count(DISTINCT cluster) FROM _clusters c WHERE c.dataset = r.dataset AND c.status = 'rejected')
             FROM _dedupe_runs r ORDER BY r.dataset",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DedupeSummary {
                dataset: r.get(0)?,
                object: r.get(1)?,
                roles: r.get(2)?,
                records: r.get::<_, i64>(3)? as u64,
                clusters: r.get::<_, i64>(4)? as u64,
                duplicates: r.get::<_, i64>(5)? as u64,
                accepted: r.get::<_, i64>(6)? as u64,
                rejected: r.get::<_, i64>(7)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` clusters not rejected, the datasets taking turns, each dataset's largest
    /// first, with each record's values of `columns(dataset)`, survivor first.
    pub fn cluster_samples(
        &self,
        limit: usize,
        columns: impl Fn(&str) -> Vec<String>,
    ) -> Result<Vec<ClusterSample>> {
        let mut stmt = self.conn.prepare(
            "SELECT dataset, cluster, min(status), min(rule), count(*) AS n FROM _clusters
             WHERE status <> 'rejected' GROUP BY dataset, cluster
             ORDER BY n DESC, dataset, cluster",
        )?;
        let all: Vec<(String, i64, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Take the datasets in turns, so that every deduplicated dataset shows an example.
        let mut datasets: Vec<&str> = all.iter().map(|h| h.0.as_str()).collect();
        datasets.sort();
        datasets.dedup();
        let mut queues: Vec<std::collections::VecDeque<&(String, i64, String, String)>> = datasets
            .iter()
            .map(|d| all.iter().filter(|h| h.0 == *d).collect())
            .collect();
        let mut heads = Vec::new();
        while heads.len() < limit && queues.iter().any(|q| !q.is_empty()) {
            for q in &mut queues {
                if let Some(h) = q.pop_front()
                    && heads.len() < limit
                {
                    heads.push(h.clone());
                }
            }
        }
        let mut out = Vec::new();
        for (dataset, cluster, status, rule) in heads {
            let wanted = columns(&dataset);
            let present = self.dataset_columns(&dataset).unwrap_or_default();
            let select: Vec<String> = wanted
                .iter()
                .map(|c| {
                    if present.contains(c) {
                        format!("s.{}", quote_ident(c))
                    } else {
                        "NULL".to_string()
                    }
                })
                .collect();
            let extra = if select.is_empty() {
                String::new()
            } else {
                format!(", {}", select.join(", "))
            };
            let mut stmt = self.conn.prepare(&format!(
                "SELECT c.record_id, c.survivor{extra} FROM _clusters c
                 LEFT JOIN {} s ON s._batch = c._batch AND s._row = c._row
                 WHERE c.dataset = ?1 AND c.cluster = ?2
                 ORDER BY c.survivor DESC, c._batch, c._row",
                quote_ident(&source_table(&dataset))
            ))?;
            let members = stmt
                .query_map(params![dataset, cluster], |r| {
                    let mut values = Vec::with_capacity(wanted.len());
                    for i in 0..wanted.len() {
                        values.push(match r.get_ref(i + 2)? {
                            ValueRef::Null => None,
                            ValueRef::Text(b) | ValueRef::Blob(b) => {
                                Some(String::from_utf8_lossy(b).into_owned())
                            }
                            ValueRef::Integer(n) => Some(n.to_string()),
                            ValueRef::Real(x) => Some(x.to_string()),
                        });
                    }
                    Ok(ClusterMember {
                        record_id: r.get(0)?,
                        survivor: r.get(1)?,
                        values,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            out.push(ClusterSample {
                dataset,
                cluster,
                status,
                rule,
                members,
            });
        }
        Ok(out)
    }

    /// `_stage_runs` by dataset; empty when the table does not exist or holds no rows.
    pub fn stage_totals(&self) -> Result<Vec<StageTotals>> {
        let exists: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_stage_runs'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare(
            "SELECT dataset, object, target, target_object, source_rows, staged, merged, rejected, excluded
             FROM _stage_runs ORDER BY dataset",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StageTotals {
                dataset: r.get(0)?,
                object: r.get(1)?,
                target: r.get(2)?,
                target_object: r.get(3)?,
                source_rows: r.get::<_, i64>(4)? as u64,
                staged: r.get::<_, i64>(5)? as u64,
                merged: r.get::<_, i64>(6)? as u64,
                rejected: r.get::<_, i64>(7)? as u64,
                excluded: r.get::<_, i64>(8)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staging::{ClusterRow, RunRow};

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("r.db")).unwrap();
        db.conn
            .execute_batch(
                "CREATE TABLE src_acc (_row INTEGER, _batch INTEGER, _extra TEXT, id TEXT, name TEXT);
                 INSERT INTO src_acc VALUES (1, 1, NULL, 'A1', 'Acme'), (2, 1, NULL, 'A2', 'ACME Inc'),
                   (3, 1, NULL, 'A3', 'Beta'), (4, 1, NULL, 'A4', 'Beta Ltd'), (5, 1, NULL, 'A5', 'Beta');",
            )
            .unwrap();
        (dir, db)
    }

    fn member(cluster: i64, row: i64, survivor: bool) -> ClusterRow {
        ClusterRow {
            cluster,
            batch: 1,
            row,
            record_id: format!("A{row}"),
            survivor,
            status: "proposed".into(),
            rule: "most_complete".into(),
        }
    }

    #[test]
    fn summaries_and_samples_follow_the_review() {
        let (_dir, mut db) = db();
        let run = RunRow {
            dataset: "acc".into(),
            object: "account".into(),
            id_column: Some("id".into()),
            roles: "[]".into(),
            threshold: 0.5,
            records: 5,
            candidate_pairs: 4,
            linked_pairs: 3,
            clusters: 2,
            duplicates: 3,
        };
        let clusters = [
            member(1, 1, false),
            member(1, 2, true),
            member(2, 3, true),
            member(2, 4, false),
            member(2, 5, false),
        ];
        db.save_dedupe(&run, &clusters, &[], &[]).unwrap();
        let s = db.dedupe_summaries().unwrap();
        assert_eq!((s[0].clusters, s[0].duplicates, s[0].rejected), (2, 3, 0));
        let samples = db
            .cluster_samples(5, |_| vec!["name".into(), "nope".into()])
            .unwrap();
        // Largest first, survivor first; a column the table lacks reads as NULL.
        assert_eq!(samples[0].cluster, 2);
        assert_eq!(samples[0].members[0].record_id, "A3");
        assert_eq!(
            samples[0].members[0].values,
            vec![Some("Beta".to_string()), None]
        );
        db.apply_review("acc", &[(2, "rejected".into(), "A3".into(), Vec::new())])
            .unwrap();
        let s = db.dedupe_summaries().unwrap();
        assert_eq!((s[0].clusters, s[0].duplicates, s[0].rejected), (1, 1, 1));
        let samples = db.cluster_samples(5, |_| Vec::new()).unwrap();
        assert_eq!(samples.len(), 1);
        assert_eq!(samples[0].members[0].record_id, "A2");
    }

    #[test]
    fn stage_totals_read_the_stage_runs() {
        let (_dir, db) = db();
        assert!(db.stage_totals().unwrap().is_empty());
        db.conn
            .execute(
                "INSERT INTO _stage_runs VALUES ('acc', 'account', 'salesforce', 'Account', 5, 3, 1, 1, 0, 'now')",
                [],
            )
            .unwrap();
        let t = db.stage_totals().unwrap();
        assert_eq!(t[0].source_rows, 5);
        assert_eq!(t[0].staged + t[0].merged + t[0].rejected + t[0].excluded, 5);
    }
}
