//! Storage for duplicate detection: reading a dataset's rows, saving clusters, merges, reviews.

use rusqlite::params;

use super::{Db, ROW_ID, now, quote_ident, source_table};
use crate::error::{Error, Result};

/// One source record as dedupe reads it.
#[derive(Clone, Debug)]
pub struct SourceRow {
    pub rowid: i64,
    pub batch: i64,
    pub row: i64,
    /// The `--id` column's value, or the source row (`batch:row` when several batches).
    pub id: String,
    /// Values of the requested columns (as `prepare` turned them).
    pub values: Vec<Option<String>>,
}

/// What survivorship needs of one clustered record, read back by rowid.
#[derive(Clone, Debug)]
pub struct MemberRow {
    /// Raw values of the requested columns.
    pub values: Vec<Option<String>>,
    /// Non-blank values over all of the record's columns.
    pub filled: usize,
    /// The recency column's value, if one was asked for.
    pub recency: Option<String>,
}

/// The summary of a dedupe run.
#[derive(Clone, Debug)]
pub struct RunRow {
    pub dataset: String,
    pub object: String,
    pub id_column: Option<String>,
    pub roles: String,
    pub threshold: f64,
    pub records: i64,
    pub candidate_pairs: i64,
    pub linked_pairs: i64,
    pub clusters: i64,
    pub duplicates: i64,
}

/// A reviewer's answer about one pair of records: the same entity or not.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelRow {
    pub a: (i64, i64),
    pub b: (i64, i64),
    pub id_a: String,
    pub id_b: String,
    pub is_match: bool,
}

/// One record's place in a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterRow {
    pub cluster: i64,
    pub batch: i64,
    pub row: i64,
    pub record_id: String,
    pub survivor: bool,
    /// proposed, accepted or rejected.
    pub status: String,
    /// The survivorship criterion that chose the survivor (or `review`).
    pub rule: String,
}

/// A scored pair inside a cluster; `fields` is JSON.
#[derive(Clone, Debug)]
pub struct PairRow {
    pub cluster: i64,
    pub id_a: String,
    pub id_b: String,
    pub probability: f64,
    pub total: f64,
    pub fields: String,
}

/// A merged value.
#[derive(Clone, Debug)]
pub struct GoldenRow {
    pub cluster: i64,
    pub role: String,
    pub column: String,
    pub value: Option<String>,
    pub from_id: String,
    pub pick: String,
}

impl Db {
    /// The data columns of a dataset; an unknown dataset is an error with a suggestion.
    pub fn dataset_columns(&self, dataset: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT name FROM pragma_table_info(?1) WHERE name NOT IN ('_row', '_batch', '_extra') ORDER BY cid",
        )?;
        let cols: Vec<String> = stmt
            .query_map([source_table(dataset)], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if cols.is_empty() {
            let names = self.dataset_names()?;
            return Err(
                Error::unknown("dataset", dataset, "in this workspace", names)
                    .with_hint("`crmkit ingest FILE` adds one; `crmkit status` lists them"),
            );
        }
        Ok(cols)
    }

    /// Reads every record of `dataset`: the given columns, an id, completeness and recency.
    /// Rows come in rowid order, which is source order (batches are appended whole).
    /// `prepare` turns each record's column values into what is kept (e.g. cleaned values),
    /// so the raw text of a large dataset is never held all at once.
    pub fn read_for_dedupe(
        &self,
        dataset: &str,
        id_column: Option<&str>,
        columns: &[String],
        prepare: &dyn Fn(Vec<Option<String>>) -> Vec<Option<String>>,
    ) -> Result<Vec<SourceRow>> {
        self.dataset_columns(dataset)?;
        let several: bool = self.conn.query_row(
            "SELECT count(*) > 1 FROM _batches WHERE dataset = ?1",
            [dataset],
            |r| r.get(0),
        )?;
        let id_expr = id_column.map(quote_ident).unwrap_or_else(|| "NULL".into());
        let selected: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
        let sql = format!(
            "SELECT _batch, _row, {id_expr}, {ROW_ID}{}{} FROM {} ORDER BY {ROW_ID}",
            if selected.is_empty() { "" } else { ", " },
            selected.join(", "),
            quote_ident(&source_table(dataset))
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            let batch: i64 = r.get(0)?;
            let row: i64 = r.get(1)?;
            let id: Option<String> = r.get(2)?;
            let id = id.unwrap_or_else(|| {
                if several {
                    format!("{batch}:{row}")
                } else {
                    row.to_string()
                }
            });
            let raw = (0..columns.len())
                .map(|i| r.get(4 + i))
                .collect::<rusqlite::Result<_>>()?;
            Ok(SourceRow {
                rowid: r.get(3)?,
                batch,
                row,
                id,
                values: prepare(raw),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Each column's semantic type and the share of values that fit it, from the last profile.
    pub fn profiled_types(&self, dataset: &str) -> Result<Vec<(String, String, f64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT column_name, type, type_share FROM _profile_columns WHERE dataset = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([dataset], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Clustered records read back by rowid: raw values of `columns`, completeness over all
    /// columns and the recency column, computed only for these few records.
    pub fn cluster_members(
        &self,
        dataset: &str,
        columns: &[String],
        recency: Option<&str>,
        rowids: &[i64],
    ) -> Result<std::collections::HashMap<i64, MemberRow>> {
        let filled = self
            .dataset_columns(dataset)?
            .iter()
            .map(|c| format!("(coalesce(trim({}), '') <> '')", quote_ident(c)))
            .collect::<Vec<_>>()
            .join(" + ");
        let recency_expr = recency.map(quote_ident).unwrap_or_else(|| "NULL".into());
        let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
        let sep = if cols.is_empty() { "" } else { ", " };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {filled}, {recency_expr}{sep}{} FROM {} WHERE {ROW_ID} = ?1",
            cols.join(", "),
            quote_ident(&source_table(dataset))
        ))?;
        let mut out = std::collections::HashMap::new();
        for &id in rowids {
            let member = stmt.query_row([id], |r| {
                Ok(MemberRow {
                    filled: r.get::<_, i64>(0)? as usize,
                    recency: r.get(1)?,
                    values: (0..columns.len())
                        .map(|i| r.get(2 + i))
                        .collect::<rusqlite::Result<Vec<_>>>()?,
                })
            })?;
            out.insert(id, member);
        }
        Ok(out)
    }

    /// The clusters currently stored for a dataset, by cluster then row.
    pub fn clusters(&self, dataset: &str) -> Result<Vec<ClusterRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT cluster, _batch, _row, record_id, survivor, status, rule FROM _clusters
             WHERE dataset = ?1 ORDER BY cluster, _batch, _row",
        )?;
        let rows = stmt.query_map([dataset], |r| {
            Ok(ClusterRow {
                cluster: r.get(0)?,
                batch: r.get(1)?,
                row: r.get(2)?,
                record_id: r.get(3)?,
                survivor: r.get(4)?,
                status: r.get(5)?,
                rule: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces a dataset's dedupe results in one transaction and rebuilds its merges.
    pub fn save_dedupe(
        &mut self,
        run: &RunRow,
        clusters: &[ClusterRow],
        pairs: &[PairRow],
        golden: &[GoldenRow],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        for table in ["_dedupe_runs", "_clusters", "_dedupe_pairs", "_golden"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE dataset = ?1"),
                [&run.dataset],
            )?;
        }
        tx.execute(
            "INSERT INTO _dedupe_runs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                run.dataset,
                run.object,
                run.id_column,
                run.roles,
                run.threshold,
                run.records,
                run.candidate_pairs,
                run.linked_pairs,
                run.clusters,
                run.duplicates,
                now()
            ],
        )?;
        {
            let mut stmt =
                tx.prepare("INSERT INTO _clusters VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
            for c in clusters {
                stmt.execute(params![
                    run.dataset,
                    c.cluster,
                    c.batch,
                    c.row,
                    c.record_id,
                    c.survivor,
                    c.status,
                    c.rule
                ])?;
            }
            let mut stmt =
                tx.prepare("INSERT INTO _dedupe_pairs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for p in pairs {
                stmt.execute(params![
                    run.dataset,
                    p.cluster,
                    p.id_a,
                    p.id_b,
                    p.probability,
                    p.total,
                    p.fields
                ])?;
            }
            let mut stmt = tx.prepare("INSERT INTO _golden VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for g in golden {
                stmt.execute(params![
                    run.dataset,
                    g.cluster,
                    g.role,
                    g.column,
                    g.value,
                    g.from_id,
                    g.pick
                ])?;
            }
        }
        rebuild_merges(&tx, &run.dataset)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies review decisions: `(cluster, status, survivor record id)` per cluster, atomically.
    pub fn apply_review(
        &mut self,
        dataset: &str,
        decisions: &[(i64, String, String, Vec<String>)],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (cluster, status, survivor, removed) in decisions {
            tx.execute(
                "UPDATE _clusters SET status = ?3,
                   rule = CASE WHEN survivor <> (record_id = ?4) THEN 'review' ELSE rule END,
                   survivor = (record_id = ?4)
                 WHERE dataset = ?1 AND cluster = ?2",
                params![dataset, cluster, status, survivor],
            )?;
            // A record taken out of its cluster is its own record: never merged.
            for id in removed {
                tx.execute(
                    "UPDATE _clusters SET status = 'removed', survivor = 0, rule = 'review'
                     WHERE dataset = ?1 AND cluster = ?2 AND record_id = ?3",
                    params![dataset, cluster, id],
                )?;
            }
        }
        rebuild_merges(&tx, dataset)?;
        tx.commit()?;
        Ok(())
    }

    /// Duplicates (merged-away records) and records over every deduped dataset.
    pub fn dedupe_totals(&self) -> Result<(i64, i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT coalesce(sum(records), 0), (SELECT count(*) FROM _merges),
                    (SELECT count(DISTINCT dataset || ':' || cluster) FROM _clusters WHERE status <> 'rejected')
             FROM _dedupe_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}

/// `_merges` for a dataset: every non-survivor of every cluster not rejected.
fn rebuild_merges(tx: &rusqlite::Transaction<'_>, dataset: &str) -> Result<()> {
    tx.execute("DELETE FROM _merges WHERE dataset = ?1", [dataset])?;
    tx.execute(
        "INSERT INTO _merges (dataset, _batch, _row, record_id, survivor_batch, survivor_row, survivor_id, cluster, rule)
         SELECT c.dataset, c._batch, c._row, c.record_id, s._batch, s._row, s.record_id, c.cluster, s.rule
         FROM _clusters c JOIN _clusters s
           ON s.dataset = c.dataset AND s.cluster = c.cluster AND s.survivor = 1
         WHERE c.dataset = ?1 AND c.survivor = 0 AND c.status NOT IN ('rejected', 'removed')",
        [dataset],
    )?;
    Ok(())
}

impl Db {
    /// The dataset's pair labels from `dedupe review`.
    pub fn dedupe_labels(&self, dataset: &str) -> Result<Vec<LabelRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT batch_a, row_a, batch_b, row_b, id_a, id_b, is_match FROM _dedupe_labels
             WHERE dataset = ?1 ORDER BY batch_a, row_a, batch_b, row_b",
        )?;
        let rows = stmt
            .query_map([dataset], |r| {
                Ok(LabelRow {
                    a: (r.get(0)?, r.get(1)?),
                    b: (r.get(2)?, r.get(3)?),
                    id_a: r.get(4)?,
                    id_b: r.get(5)?,
                    is_match: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records pair labels (a later answer about the same pair replaces the earlier one).
    pub fn save_dedupe_labels(&mut self, dataset: &str, labels: &[LabelRow]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO _dedupe_labels
                 (dataset, batch_a, row_a, batch_b, row_b, id_a, id_b, is_match, answered)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            let stamp = now();
            for l in labels {
                let (a, b, ia, ib) = if l.a <= l.b {
                    (l.a, l.b, &l.id_a, &l.id_b)
                } else {
                    (l.b, l.a, &l.id_b, &l.id_a)
                };
                stmt.execute(params![
                    dataset, a.0, a.1, b.0, b.1, ia, ib, l.is_match, stamp
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the survivorship rules (JSON) a dataset's dedupe run chose its survivors by.
    pub fn save_dedupe_survivorship(&self, dataset: &str, rules: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO _dedupe_survivorship (dataset, rules) VALUES (?1, ?2)",
            params![dataset, rules],
        )?;
        Ok(())
    }

    /// The survivorship rules (JSON) of a dataset's last dedupe run, when it recorded them.
    pub fn dedupe_survivorship(&self, dataset: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT rules FROM _dedupe_survivorship WHERE dataset = ?1",
                [dataset],
                |r| r.get(0),
            )
            .optional()?)
    }
}
