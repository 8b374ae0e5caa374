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
    /// so the raw text of a large dataset is never held all at once. It runs on the other
    /// cores while this thread reads on: chunks of rows go to a worker that prepares each
    /// chunk in parallel (reading and cleaning both cost, and SQLite reads on one thread).
    pub fn read_for_dedupe(
        &self,
        dataset: &str,
        id_column: Option<&str>,
        columns: &[String],
        prepare: &(dyn Fn(Vec<Option<String>>) -> Vec<Option<String>> + Sync),
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
        let mut rows = stmt.query([])?;
        let source_row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<SourceRow> {
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
            Ok(SourceRow {
                rowid: r.get(3)?,
                batch,
                row,
                id,
                values: (0..columns.len())
                    .map(|i| r.get(4 + i))
                    .collect::<rusqlite::Result<_>>()?,
            })
        };
        const CHUNK: usize = 4096;
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<SourceRow>>(2);
            let worker = scope.spawn(move || {
                use rayon::prelude::*;
                let mut out = Vec::new();
                for mut chunk in rx {
                    chunk
                        .par_iter_mut()
                        .for_each(|r| r.values = prepare(std::mem::take(&mut r.values)));
                    out.append(&mut chunk);
                }
                out
            });
            // Sending stops when the worker has gone (it panicked: re-raised below).
            let read = (|| -> Result<()> {
                let mut chunk = Vec::with_capacity(CHUNK);
                while let Some(r) = rows.next()? {
                    chunk.push(source_row(r)?);
                    if chunk.len() == CHUNK
                        && tx
                            .send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))
                            .is_err()
                    {
                        return Ok(());
                    }
                }
                if !chunk.is_empty() {
                    let _ = tx.send(chunk);
                }
                Ok(())
            })();
            drop(tx);
            let prepared = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            read.map(|()| prepared)
        })
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
        forget_dataset(&tx, &run.dataset)?;
        insert_run(&tx, run, &now())?;
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

/// One record's place in a cluster of a cross-source link run, and where its golden values
/// came from.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkMemberRow {
    pub cluster: i64,
    pub dataset: String,
    pub batch: i64,
    pub row: i64,
    pub record_id: String,
    pub survivor: bool,
    /// (dataset, batch, row, record id) of the cluster's survivor.
    pub survivor_at: (String, i64, i64, String),
    pub status: String,
    pub rule: String,
    /// JSON: the golden values this record gave.
    pub provides: String,
    /// On the survivor: JSON object {its column: golden value}.
    pub golden: Option<String>,
}

/// A cross-source link run: its name and datasets in survivor priority order.
#[derive(Clone, Debug)]
pub struct LinkRunRow {
    pub link: String,
    pub datasets: Vec<String>,
    pub object: String,
    pub threshold: f64,
}

/// What a link run stores besides its members: per-dataset run rows, pairs and golden rows
/// (both under the link's name).
pub struct LinkSave<'a> {
    pub run: &'a LinkRunRow,
    pub runs: &'a [RunRow],
    pub members: &'a [LinkMemberRow],
    pub pairs: &'a [PairRow],
    pub golden: &'a [GoldenRow],
}

impl Db {
    /// The link run of this name, if stored.
    pub fn link_run(&self, link: &str) -> Result<Option<LinkRunRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT link, datasets, object, threshold FROM _link_runs WHERE link = ?1")?;
        let mut rows = stmt.query([link])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let datasets: String = r.get(1)?;
        Ok(Some(LinkRunRow {
            link: r.get(0)?,
            datasets: serde_json::from_str(&datasets).unwrap_or_default(),
            object: r.get(2)?,
            threshold: r.get(3)?,
        }))
    }

    /// Every link run's datasets, survivor priority first.
    pub fn link_priorities(&self) -> Result<Vec<Vec<String>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT datasets FROM _link_runs ORDER BY link")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows
            .collect::<rusqlite::Result<Vec<_>>>()?
            .iter()
            .map(|d| serde_json::from_str(d).unwrap_or_default())
            .collect())
    }

    /// The members of a link run, by cluster then dataset and row.
    pub fn link_members(&self, link: &str) -> Result<Vec<LinkMemberRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT cluster, dataset, _batch, _row, record_id, survivor, survivor_dataset,
                    survivor_batch, survivor_row, survivor_id, status, rule, provides, golden
             FROM _link_members WHERE link = ?1 ORDER BY cluster, dataset, _batch, _row",
        )?;
        let rows = stmt.query_map([link], |r| {
            Ok(LinkMemberRow {
                cluster: r.get(0)?,
                dataset: r.get(1)?,
                batch: r.get(2)?,
                row: r.get(3)?,
                record_id: r.get(4)?,
                survivor: r.get(5)?,
                survivor_at: (r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?),
                status: r.get(10)?,
                rule: r.get(11)?,
                provides: r.get(12)?,
                golden: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces the dedupe results of every dataset of a link run (and any earlier link run
    /// sharing one of them) with this run's, in one transaction, and rebuilds their merges.
    pub fn save_link(&mut self, save: &LinkSave<'_>) -> Result<()> {
        let tx = self.conn.transaction()?;
        for dataset in &save.run.datasets {
            forget_dataset(&tx, dataset)?;
        }
        tx.execute(
            "INSERT INTO _link_runs VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                save.run.link,
                serde_json::to_string(&save.run.datasets).unwrap_or_default(),
                save.run.object,
                save.run.threshold,
                now()
            ],
        )?;
        {
            let stamp = now();
            for run in save.runs {
                insert_run(&tx, run, &stamp)?;
            }
            let mut members = tx.prepare(
                "INSERT INTO _link_members VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            let mut clusters =
                tx.prepare("INSERT INTO _clusters VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
            for m in save.members {
                members.execute(params![
                    save.run.link,
                    m.cluster,
                    m.dataset,
                    m.batch,
                    m.row,
                    m.record_id,
                    m.survivor,
                    m.survivor_at.0,
                    m.survivor_at.1,
                    m.survivor_at.2,
                    m.survivor_at.3,
                    m.status,
                    m.rule,
                    m.provides,
                    m.golden
                ])?;
                // Each dataset's own view of the cluster, as reports and status read it.
                clusters.execute(params![
                    m.dataset,
                    m.cluster,
                    m.batch,
                    m.row,
                    m.record_id,
                    m.survivor,
                    m.status,
                    m.rule
                ])?;
            }
            let mut stmt =
                tx.prepare("INSERT INTO _dedupe_pairs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for p in save.pairs {
                stmt.execute(params![
                    save.run.link,
                    p.cluster,
                    p.id_a,
                    p.id_b,
                    p.probability,
                    p.total,
                    p.fields
                ])?;
            }
            let mut stmt = tx.prepare("INSERT INTO _golden VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for g in save.golden {
                stmt.execute(params![
                    save.run.link,
                    g.cluster,
                    g.role,
                    g.column,
                    g.value,
                    g.from_id,
                    g.pick
                ])?;
            }
        }
        rebuild_link_merges(&tx, &save.run.link)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies review decisions to a link run: `(cluster, status, survivor (dataset, record
    /// id), removed (dataset, record id))`, atomically.
    #[allow(clippy::type_complexity)]
    pub fn apply_link_review(
        &mut self,
        link: &str,
        decisions: &[(i64, String, (String, String), Vec<(String, String)>)],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (cluster, status, (s_dataset, s_id), removed) in decisions {
            let (s_batch, s_row): (i64, i64) = tx.query_row(
                "SELECT _batch, _row FROM _link_members
                 WHERE link = ?1 AND cluster = ?2 AND dataset = ?3 AND record_id = ?4",
                params![link, cluster, s_dataset, s_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute(
                "UPDATE _link_members SET status = ?3,
                   rule = CASE WHEN survivor <> (dataset = ?4 AND _batch = ?5 AND _row = ?6) THEN 'review' ELSE rule END,
                   survivor = (dataset = ?4 AND _batch = ?5 AND _row = ?6),
                   survivor_dataset = ?4, survivor_batch = ?5, survivor_row = ?6, survivor_id = ?7
                 WHERE link = ?1 AND cluster = ?2",
                params![link, cluster, status, s_dataset, s_batch, s_row, s_id],
            )?;
            for (dataset, id) in removed {
                tx.execute(
                    "UPDATE _link_members SET status = 'removed', survivor = 0, rule = 'review'
                     WHERE link = ?1 AND cluster = ?2 AND dataset = ?3 AND record_id = ?4",
                    params![link, cluster, dataset, id],
                )?;
            }
            // The survivor chosen by the reviewer carries the golden values the run chose.
            tx.execute(
                "UPDATE _link_members SET golden = NULL WHERE link = ?1 AND cluster = ?2 AND survivor = 0",
                params![link, cluster],
            )?;
            let has_golden: bool = tx.query_row(
                "SELECT golden IS NOT NULL FROM _link_members WHERE link = ?1 AND cluster = ?2 AND survivor = 1",
                params![link, cluster],
                |r| r.get(0),
            )?;
            if !has_golden {
                let golden = golden_in_columns(&tx, link, *cluster, s_dataset)?;
                tx.execute(
                    "UPDATE _link_members SET golden = ?3 WHERE link = ?1 AND cluster = ?2 AND survivor = 1",
                    params![link, cluster, golden],
                )?;
            }
        }
        tx.execute(
            "UPDATE _clusters SET survivor = l.survivor, status = l.status, rule = l.rule
             FROM _link_members l
             WHERE l.link = ?1 AND _clusters.dataset = l.dataset AND _clusters._batch = l._batch AND _clusters._row = l._row",
            [link],
        )?;
        rebuild_link_merges(&tx, link)?;
        tx.commit()?;
        Ok(())
    }

    /// Records of `dataset` merged into a survivor in another dataset:
    /// (batch, row) -> (survivor dataset, batch, row). Only reviewed clusters, unless
    /// `with_proposed`.
    #[allow(clippy::type_complexity)]
    pub fn cross_merges(
        &self,
        dataset: &str,
        with_proposed: bool,
    ) -> Result<std::collections::HashMap<(i64, i64), (String, i64, i64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT _batch, _row, survivor_dataset, survivor_batch, survivor_row FROM _link_members
             WHERE dataset = ?1 AND survivor = 0 AND survivor_dataset <> dataset
               AND (status = 'accepted' OR (?2 AND status = 'proposed'))",
        )?;
        let rows = stmt.query_map(params![dataset, with_proposed], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?, r.get(4)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Golden values of the survivors in `dataset` of clusters that merge: (batch, row) ->
    /// JSON object {column: value}.
    pub fn link_golden(
        &self,
        dataset: &str,
        with_proposed: bool,
    ) -> Result<std::collections::HashMap<(i64, i64), String>> {
        let mut stmt = self.conn.prepare(
            "SELECT _batch, _row, golden FROM _link_members
             WHERE dataset = ?1 AND survivor = 1 AND golden IS NOT NULL
               AND (status = 'accepted' OR (?2 AND status = 'proposed'))",
        )?;
        let rows = stmt.query_map(params![dataset, with_proposed], |r| {
            Ok(((r.get(0)?, r.get(1)?), r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether some record of another dataset merges into a record of `dataset`.
    pub fn is_link_survivor_source(&self, dataset: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM _link_members WHERE survivor_dataset = ?1 AND dataset <> ?1)",
            [dataset],
            |r| r.get(0),
        )?)
    }
}

/// One `_dedupe_runs` row, stamped `at` (a link run stamps its datasets alike).
fn insert_run(tx: &rusqlite::Transaction<'_>, run: &RunRow, at: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO _dedupe_runs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
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
        at
    ])?;
    Ok(())
}

/// Drops a dataset's dedupe results, and every link run it is part of with all that run's
/// results: a record belongs to one cluster set at a time.
fn forget_dataset(tx: &rusqlite::Transaction<'_>, dataset: &str) -> Result<()> {
    let links: Vec<(String, String)> = {
        let mut stmt = tx.prepare("SELECT link, datasets FROM _link_runs")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut datasets = vec![dataset.to_string()];
    for (link, members) in links {
        let members: Vec<String> = serde_json::from_str(&members).unwrap_or_default();
        if members.iter().any(|d| d == dataset) {
            for table in ["_link_runs", "_link_members", "_dedupe_pairs", "_golden"] {
                let column = if table.starts_with("_link") {
                    "link"
                } else {
                    "dataset"
                };
                tx.execute(&format!("DELETE FROM {table} WHERE {column} = ?1"), [&link])?;
            }
            datasets.extend(members);
        }
    }
    for d in &datasets {
        for table in [
            "_dedupe_runs",
            "_clusters",
            "_dedupe_pairs",
            "_golden",
            "_merges",
        ] {
            tx.execute(&format!("DELETE FROM {table} WHERE dataset = ?1"), [d])?;
        }
    }
    Ok(())
}

/// `_merges` for a link run: every member not the survivor of a cluster not rejected, into
/// the survivor wherever it is.
fn rebuild_link_merges(tx: &rusqlite::Transaction<'_>, link: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM _merges WHERE dataset IN (SELECT DISTINCT dataset FROM _link_members WHERE link = ?1)",
        [link],
    )?;
    tx.execute(
        "INSERT INTO _merges (dataset, _batch, _row, record_id, survivor_batch, survivor_row, survivor_id, cluster, rule, survivor_dataset)
         SELECT dataset, _batch, _row, record_id, survivor_batch, survivor_row, survivor_id, cluster, rule, survivor_dataset
         FROM _link_members
         WHERE link = ?1 AND survivor = 0 AND status NOT IN ('rejected', 'removed')",
        [link],
    )?;
    Ok(())
}

/// A link cluster's golden values (from `_golden`) in the columns `dataset` holds their roles
/// in (from its `_dedupe_runs` roles), as the JSON object stage loads a survivor with.
fn golden_in_columns(
    tx: &rusqlite::Transaction<'_>,
    link: &str,
    cluster: i64,
    dataset: &str,
) -> Result<String> {
    let roles: String = tx.query_row(
        "SELECT roles FROM _dedupe_runs WHERE dataset = ?1",
        [dataset],
        |r| r.get(0),
    )?;
    let roles: Vec<serde_json::Value> = serde_json::from_str(&roles).unwrap_or_default();
    let column_of = |role: &str| {
        roles
            .iter()
            .find(|r| r["role"] == role)
            .and_then(|r| r["column"].as_str().map(str::to_string))
    };
    let mut stmt = tx.prepare(
        // Values the survivor gave by being the survivor are the new survivor's own.
        "SELECT role, value FROM _golden
         WHERE dataset = ?1 AND cluster = ?2 AND value IS NOT NULL AND pick <> 'survivor'",
    )?;
    let values: Vec<(String, String)> = stmt
        .query_map(params![link, cluster], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let golden: std::collections::BTreeMap<String, String> = values
        .into_iter()
        .filter_map(|(role, value)| column_of(&role).map(|c| (c, value)))
        .collect();
    Ok(serde_json::to_string(&golden).unwrap_or_default())
}
