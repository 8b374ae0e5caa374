//! Storage for `stage`: target-shaped `stg_` tables, rejects, exclusions, keys, load plan.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Db, ROW_ID, now, quote_ident, source_table};
use crate::error::Result;

/// The table holding an object's staged records.
pub fn staged_table(object: &str) -> String {
    format!("stg_{object}")
}

/// The staged column holding the dataset of the record a reference field points at, kept
/// when the parent object is loaded from datasets with their own key namespaces.
pub fn via_column(field: &str) -> String {
    format!("_via_{field}")
}

/// Where a source key resolves, as `_stage_keys` records it.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRow {
    pub key: String,
    /// staged, merged, rejected or excluded.
    pub status: String,
    pub external_id: Option<String>,
    pub dataset: String,
    pub batch: i64,
    pub row: i64,
    pub detail: Option<String>,
}

/// A `_stage_keys` row to write, borrowed from the run's own values: stage writes one per
/// source record, and copying its texts into a [`KeyRow`] first cost an allocation per field.
#[derive(Clone, Copy, Debug)]
pub struct KeyRef<'a> {
    pub key: &'a str,
    pub status: &'a str,
    pub external_id: Option<&'a str>,
    pub dataset: &'a str,
    pub batch: i64,
    pub row: i64,
    pub detail: Option<&'a str>,
}

/// One dataset's totals from a stage run.
#[derive(Clone, Debug, PartialEq)]
pub struct StageRunRow {
    pub dataset: String,
    pub object: String,
    pub target: String,
    pub target_object: String,
    pub source_rows: i64,
    pub staged: i64,
    pub merged: i64,
    pub rejected: i64,
    pub excluded: i64,
}

/// One step of the load plan.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlanRow {
    pub position: i64,
    pub object: String,
    pub target_object: String,
    /// `insert` (upsert of the records) or `update FIELD` (a self-reference's second pass).
    pub pass: String,
    /// JSON list of the fields the pass writes.
    pub fields: String,
    pub rows: i64,
    pub note: Option<String>,
    /// The one dataset this step loads, when the object's datasets upsert on different
    /// external-id fields (one file each).
    pub dataset: Option<String>,
}

/// A stage run in progress: one transaction, rolled back if dropped unfinished.
pub struct StageTx<'a> {
    pub(super) conn: &'a rusqlite::Connection,
    /// A dry run: rolled back, and written beside the staged tables.
    dry: bool,
    done: bool,
    /// The run switched the database from WAL to a rollback journal.
    rollback_journal: bool,
    /// The statements run for every row, held rather than found again by their text (a
    /// staged table's insert names every field: hashing it per row cost more than the insert).
    held: std::cell::RefCell<HashMap<&'static str, (String, rusqlite::Statement<'a>)>>,
}

/// (batch, row) -> (what ingest said about the row, its surplus fields as JSON).
pub type BrokenRows = HashMap<(i64, i64), (String, Option<String>)>;

impl Db {
    /// Calls `f(batch, row, values)` for every record of `dataset`, in source order. `f` may
    /// keep the values by swapping in another buffer: the next row is read into what it
    /// leaves, reusing its strings.
    pub fn scan_lineage(
        &self,
        dataset: &str,
        columns: &[String],
        mut f: impl FnMut(i64, i64, &mut Vec<Option<String>>) -> Result<()>,
    ) -> Result<()> {
        let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
        let sep = if cols.is_empty() { "" } else { ", " };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT _batch, _row{sep}{} FROM {} ORDER BY {ROW_ID}",
            cols.join(", "),
            quote_ident(&source_table(dataset))
        ))?;
        let mut rows = stmt.query([])?;
        let mut buf: Vec<Option<String>> = vec![None; columns.len()];
        while let Some(r) = rows.next()? {
            buf.resize(columns.len(), None);
            // Cells are copied into the previous row's strings: no allocation per cell.
            for (i, slot) in buf.iter_mut().enumerate() {
                let text = r.get_ref(i + 2)?.as_str_or_null().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i + 2,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?;
                match (text, slot.as_mut()) {
                    (None, _) => *slot = None,
                    (Some(t), Some(held)) => {
                        held.clear();
                        held.push_str(t);
                    }
                    (Some(t), None) => *slot = Some(t.to_string()),
                }
            }
            f(r.get(0)?, r.get(1)?, &mut buf)?;
        }
        Ok(())
    }

    /// Merged-away records of a dataset -> their survivor's (batch, row): those of clusters a
    /// reviewer accepted, and of proposed ones too when `with_proposed`.
    pub fn merged_rows(
        &self,
        dataset: &str,
        with_proposed: bool,
    ) -> Result<HashMap<(i64, i64), (i64, i64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT m._batch, m._row, m.survivor_batch, m.survivor_row FROM _merges m
             JOIN _clusters c ON c.dataset = m.dataset AND c._batch = m._batch AND c._row = m._row
             WHERE m.dataset = ?1 AND (c.status = 'accepted' OR (?2 AND c.status = 'proposed'))
               AND coalesce(m.survivor_dataset, m.dataset) = m.dataset",
        )?;
        let rows = stmt.query_map(params![dataset, with_proposed], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored keys of an object, from earlier stage runs.
    pub fn stage_keys(&self, object: &str) -> Result<Vec<KeyRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT key, status, external_id, dataset, _batch, _row, detail FROM _stage_keys WHERE object = ?1",
        )?;
        let rows = stmt.query_map([object], |r| {
            Ok(KeyRow {
                key: r.get(0)?,
                status: r.get(1)?,
                external_id: r.get(2)?,
                dataset: r.get(3)?,
                batch: r.get(4)?,
                row: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Totals of the last stage run, per dataset.
    pub fn stage_runs(&self) -> Result<Vec<StageRunRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT dataset, object, target, target_object, source_rows, staged, merged, rejected, excluded
             FROM _stage_runs ORDER BY object, dataset",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StageRunRow {
                dataset: r.get(0)?,
                object: r.get(1)?,
                target: r.get(2)?,
                target_object: r.get(3)?,
                source_rows: r.get(4)?,
                staged: r.get(5)?,
                merged: r.get(6)?,
                rejected: r.get(7)?,
                excluded: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The load plan, in order.
    pub fn load_plan(&self) -> Result<Vec<PlanRow>> {
        read_plan(&self.conn)
    }

    /// Column names of a staged object's table (empty when it was never staged).
    pub fn staged_columns(&self, object: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
        let rows = stmt.query_map([staged_table(object)], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Calls `f` with every staged record of an object (all columns as text), in load order;
    /// with `dataset`, only that dataset's.
    pub fn scan_staged(
        &self,
        object: &str,
        dataset: Option<&str>,
        mut f: impl FnMut(&[Option<String>]) -> Result<()>,
    ) -> Result<()> {
        let n = self.staged_columns(object)?.len();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT * FROM {} WHERE (?1 IS NULL OR _dataset = ?1) ORDER BY _dataset, _batch, _row",
            quote_ident(&staged_table(object))
        ))?;
        let mut rows = stmt.query([dataset])?;
        let mut buf: Vec<Option<String>> = vec![None; n];
        while let Some(r) = rows.next()? {
            for (i, slot) in buf.iter_mut().enumerate() {
                *slot = match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => None,
                    rusqlite::types::ValueRef::Integer(v) => Some(v.to_string()),
                    rusqlite::types::ValueRef::Real(v) => Some(v.to_string()),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                };
            }
            f(&buf)?;
        }
        Ok(())
    }

    /// Per source row of `dataset`: how many of staged / merged / rejected / excluded hold it.
    /// Returns (rows, staged, merged, rejected, excluded, rows in no bucket, rows in several)
    /// and up to 5 examples of rows in none or several.
    pub fn reconcile_dataset(
        &self,
        dataset: &str,
        object: &str,
    ) -> Result<(Reconciled, Vec<OddRow>)> {
        let stg = quote_ident(&staged_table(object));
        let has_stg = !self.staged_columns(object)?.is_empty();
        let staged_expr = if has_stg {
            format!(
                "EXISTS (SELECT 1 FROM {stg} t WHERE t._dataset = ?1 AND t._batch = s._batch AND t._row = s._row)"
            )
        } else {
            "0".to_string()
        };
        let sql = format!(
            "WITH b AS (
               SELECT s._batch, s._row,
                 {staged_expr} AS staged,
                 EXISTS (SELECT 1 FROM _merges m WHERE m.dataset = ?1 AND m._batch = s._batch AND m._row = s._row)
                   AND NOT {staged_expr}
                   AND NOT EXISTS (SELECT 1 FROM _exclusions e WHERE e.dataset = ?1 AND e._batch = s._batch AND e._row = s._row)
                   AND NOT EXISTS (SELECT 1 FROM _rejects j WHERE j.dataset = ?1 AND j._batch = s._batch AND j._row = s._row) AS merged,
                 EXISTS (SELECT 1 FROM _rejects j WHERE j.dataset = ?1 AND j._batch = s._batch AND j._row = s._row) AS rejected,
                 EXISTS (SELECT 1 FROM _exclusions e WHERE e.dataset = ?1 AND e._batch = s._batch AND e._row = s._row) AS excluded
               FROM {} s)
             SELECT _batch, _row, staged, merged, rejected, excluded FROM b",
            quote_ident(&source_table(dataset))
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([dataset])?;
        let mut r = Reconciled::default();
        let mut odd = Vec::new();
        while let Some(row) = rows.next()? {
            let flags: [bool; 4] = [row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?];
            r.source += 1;
            r.staged += flags[0] as i64;
            r.merged += flags[1] as i64;
            r.rejected += flags[2] as i64;
            r.excluded += flags[3] as i64;
            let n = flags.iter().filter(|f| **f).count() as i64;
            if n == 0 {
                r.unaccounted += 1;
            }
            if n > 1 {
                r.double_counted += 1;
            }
            if n != 1 && odd.len() < 5 {
                odd.push((row.get(0)?, row.get(1)?, n));
            }
        }
        Ok((r, odd))
    }

    /// Rows of a dataset whose fields ingest could not line up with the header (ragged,
    /// an unterminated quote): (batch, row) -> (what ingest said, surplus fields as JSON).
    pub fn broken_rows(&self, dataset: &str) -> Result<BrokenRows> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT i.batch, i.row, i.kind || ': ' || i.detail, s._extra FROM _issues i
               JOIN _batches b ON b.batch = i.batch
               JOIN {} s ON s._batch = i.batch AND s._row = i.row
             WHERE b.dataset = ?1 AND i.kind IN ('ragged_row', 'unterminated_quote')",
            quote_ident(&source_table(dataset))
        ))?;
        let rows = stmt.query_map([dataset], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A dataset's stored rows that ingest found to be no record (a report's totals or
    /// footer): (batch, row) -> the detail.
    pub fn non_record_rows(
        &self,
        dataset: &str,
    ) -> Result<std::collections::HashMap<(i64, i64), String>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.batch, i.row, i.detail FROM _issues i
               JOIN _batches b ON b.batch = i.batch
             WHERE b.dataset = ?1 AND i.kind = ?2 AND i.row IS NOT NULL",
        )?;
        let rows = stmt.query_map(params![dataset, crate::ingest::NON_RECORD], |r| {
            Ok(((r.get(0)?, r.get(1)?), r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A dataset's rejected rows for a rejects file: per row its number, record key, the
    /// problems (`reason field: detail` joined by `; `), the offending values, and the source
    /// cells in `columns` order.
    pub fn rejected_rows(&self, dataset: &str, columns: &[String]) -> Result<Vec<Vec<String>>> {
        let cols: Vec<String> = columns
            .iter()
            .map(|c| format!("s.{}", quote_ident(c)))
            .collect();
        let sep = if cols.is_empty() { "" } else { ", " };
        let mut stmt = self.conn.prepare(&format!(
            // Rejects grouped first, then joined: source tables have no (_batch, _row) index,
            // and joined ungrouped SQLite scanned the whole source table once per reject.
            "SELECT r._row, k.key, r.reasons, r.vals{sep}{}
             FROM (SELECT dataset, _batch, _row,
                          group_concat(reason || coalesce(' ' || field, '') || ': ' || detail, '; ') AS reasons,
                          group_concat(coalesce(value, ''), '; ') AS vals
                   FROM _rejects WHERE dataset = ?1 GROUP BY _batch, _row) r
             JOIN {} s ON s._batch = r._batch AND s._row = r._row
             LEFT JOIN _stage_keys k ON k.dataset = r.dataset AND k._batch = r._batch AND k._row = r._row
             ORDER BY r._batch, r._row",
            cols.join(", "),
            quote_ident(&source_table(dataset))
        ))?;
        let n = columns.len() + 4;
        let rows = stmt.query_map([dataset], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => String::new(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        v => v.as_str().unwrap_or_default().to_string(),
                    })
                })
                .collect::<rusqlite::Result<Vec<String>>>()
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The source row of a record by its id: its stage key, or its id in a duplicate cluster.
    pub fn row_of_key(&self, dataset: &str, key: &str) -> Result<Option<i64>> {
        let by_key: Option<i64> = self
            .conn
            .query_row(
                "SELECT _row FROM _stage_keys WHERE dataset = ?1 AND key = ?2 ORDER BY _batch DESC LIMIT 1",
                params![dataset, key],
                |r| r.get(0),
            )
            .optional()?;
        if by_key.is_some() {
            return Ok(by_key);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT _row FROM _merges WHERE dataset = ?1 AND record_id = ?2 LIMIT 1",
                params![dataset, key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Everything recorded about one source row: its values and where stage put it.
    pub fn trace_row(&self, dataset: &str, row: i64) -> Result<Vec<TraceRow>> {
        let columns = self.dataset_columns(dataset)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT _batch, {} FROM {} WHERE _row = ?1 ORDER BY _batch",
            columns
                .iter()
                .map(|c| quote_ident(c))
                .collect::<Vec<_>>()
                .join(", "),
            quote_ident(&source_table(dataset))
        ))?;
        let found: Vec<(i64, Vec<Option<String>>)> = stmt
            .query_map([row], |r| {
                Ok((
                    r.get(0)?,
                    (1..=columns.len())
                        .map(|i| r.get(i))
                        .collect::<rusqlite::Result<_>>()?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (batch, values) in found {
            let key = |sql: &str| -> Result<Vec<Fact>> {
                let mut st = self.conn.prepare(sql)?;
                let rows = st.query_map(params![dataset, batch, row], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            };
            let rejects = key(
                "SELECT reason, field, value, detail FROM _rejects WHERE dataset = ?1 AND _batch = ?2 AND _row = ?3",
            )?;
            let exclusion = key(
                "SELECT rule, detail, NULL, NULL FROM _exclusions WHERE dataset = ?1 AND _batch = ?2 AND _row = ?3",
            )?;
            let merge = key(
                "SELECT survivor_id || CASE WHEN coalesce(survivor_dataset, dataset) <> dataset THEN ' of ' || survivor_dataset ELSE '' END,
                        record_id, CAST(cluster AS TEXT), rule FROM _merges WHERE dataset = ?1 AND _batch = ?2 AND _row = ?3",
            )?;
            let stage_key: Option<(String, String, Option<String>, Option<String>)> = self
                .conn
                .query_row(
                    "SELECT object, status, external_id, detail FROM _stage_keys WHERE dataset = ?1 AND _batch = ?2 AND _row = ?3",
                    params![dataset, batch, row],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let staged = self.staged_as(dataset, batch, row)?.pop();
            out.push(TraceRow {
                staged,
                batch,
                values: columns.iter().cloned().zip(values).collect(),
                rejects,
                exclusion,
                merge,
                stage_key,
            });
        }
        Ok(out)
    }

    /// Where a source row was staged: (object, external id) for each object its dataset
    /// staged into that holds the row, in `_stage_runs` order.
    pub(super) fn staged_as(
        &self,
        dataset: &str,
        batch: i64,
        row: i64,
    ) -> Result<Vec<(String, String)>> {
        let objects: Vec<String> = {
            let mut st = self
                .conn
                .prepare("SELECT object FROM _stage_runs WHERE dataset = ?1")?;
            st.query_map([dataset], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut found = Vec::new();
        for object in objects {
            let ext: Option<String> = self
                .conn
                .query_row(
                    &format!(
                        "SELECT _external_id FROM {} WHERE _dataset = ?1 AND _batch = ?2 AND _row = ?3",
                        quote_ident(&staged_table(&object))
                    ),
                    params![dataset, batch, row],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(ext) = ext {
                found.push((object, ext));
            }
        }
        Ok(found)
    }

    /// Switches the database to a rollback journal, unless another connection has it open:
    /// true when switched.
    fn rollback_journal(&self) -> Result<bool> {
        // Asked without waiting: a connection that has the database open holds it all along.
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let journal: Option<String> = self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .ok();
        self.conn.busy_timeout(super::BUSY_TIMEOUT)?;
        Ok(journal.as_deref() == Some("delete"))
    }

    /// Opens the stage transaction; a `dry` one is never committed.
    ///
    /// The run switches the database to a rollback journal while it holds it: the tables it
    /// writes are new, and SQLite journals only pages that existed before the transaction, so
    /// they are written once. In WAL mode every page went to the WAL and again into the
    /// database at the checkpoint: twice the bytes, a seventh of a 1,000,000-account stage.
    /// A dry run's tables are new too (`StageTx::table`): what it spills past the end
    /// of the file is cut off at the rollback, and no page read looks through a WAL first.
    /// The writer lock already keeps other writers out; a reader that opens the workspace
    /// meanwhile waits for the commit. While another connection has the database open the
    /// switch is refused and the run keeps WAL. Full sync, since a rollback journal is only
    /// crash-safe with it. The transaction's drop switches back to WAL (and every open does).
    pub fn begin_stage(&self, dry: bool) -> Result<StageTx<'_>> {
        let rollback_journal = self.rollback_journal()?;
        if rollback_journal {
            self.conn.execute_batch("PRAGMA synchronous = FULL")?;
        }
        // Staging writes several large tables in one transaction. A run that commits writes
        // every page it changes anyway, so pages written before the commit cost nothing more:
        // 128 MiB of cache keeps the B-trees' busy pages. A dry run writes a page only when
        // the cache overflows, and throws it away: 256 MiB saves most of those writes. The
        // indexes built at the end sort on a second thread.
        let cache = if dry { -262_144 } else { -131_072 };
        self.conn.execute_batch(&format!(
            "PRAGMA cache_size = {cache}; PRAGMA threads = 2; BEGIN IMMEDIATE"
        ))?;
        // The ledger view reads the tables stage replaces; it is rebuilt at commit.
        super::ledger::drop(&self.conn)?;
        if dry {
            self.conn.execute_batch(
                "DROP TABLE IF EXISTS _dry_keys;
                 CREATE TABLE _dry_keys (object TEXT NOT NULL, dataset TEXT NOT NULL, key TEXT NOT NULL,
                   PRIMARY KEY (object, dataset, key)) WITHOUT ROWID;",
            )?;
        }
        Ok(StageTx {
            conn: &self.conn,
            dry,
            done: false,
            rollback_journal,
            held: Default::default(),
        })
    }
}

/// Staged records of one dataset sharing an external id.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyClash {
    pub external_id: String,
    pub dataset: String,
    /// (batch, row) of each, in source order.
    pub rows: Vec<(i64, i64)>,
}

/// The rejects of one (dataset, reason, field) in a run, with a few examples.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RejectSummary {
    pub dataset: String,
    pub reason: String,
    pub field: Option<String>,
    pub count: i64,
    /// (row, value, detail) of the first few.
    pub examples: Vec<(i64, String, String)>,
}

/// Reconciliation counts for one dataset.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Reconciled {
    pub source: i64,
    pub staged: i64,
    pub merged: i64,
    pub rejected: i64,
    pub excluded: i64,
    pub unaccounted: i64,
    pub double_counted: i64,
}

/// Four text facts about a traced row (meaning depends on the list they are in).
pub type Fact = (String, Option<String>, Option<String>, Option<String>);

/// A source row held by no bucket, or by several: (batch, row, buckets holding it).
pub type OddRow = (i64, i64, i64);

/// Raw facts about one traced row, for the domain to explain.
#[derive(Clone, Debug)]
pub struct TraceRow {
    pub batch: i64,
    pub values: Vec<(String, Option<String>)>,
    /// (reason, field, value, detail)
    pub rejects: Vec<Fact>,
    /// (rule, detail, -, -)
    pub exclusion: Vec<Fact>,
    /// (survivor id, record id, cluster, rule)
    pub merge: Vec<Fact>,
    /// (object, status, external id, detail)
    pub stage_key: Option<(String, String, Option<String>, Option<String>)>,
    /// (object, external id) when the row is staged.
    pub staged: Option<(String, String)>,
}

impl<'a> StageTx<'a> {
    /// The table an object's records are staged in: a dry run writes beside the staged
    /// tables, not over them. Replacing them meant freeing every page of the last run's
    /// tables (a fifth of a dry run on a staged million-account workspace) only to roll back.
    fn table(&self, object: &str) -> String {
        match self.dry {
            true => format!("_dry_{}", staged_table(object)),
            false => staged_table(object),
        }
    }

    /// Picks the statement for the run: a dry run notes keys in `_dry_keys`, made for the
    /// run and rolled back with it. Whether a key was seen is all a dry run asks of them, and
    /// a row of three columns costs a fraction of a `_stage_keys` row.
    fn for_run(&self, [real, dry]: [&'static str; 2]) -> &'static str {
        if self.dry { dry } else { real }
    }

    /// Runs `f` with the statement held under `slot` for `sql`, preparing it when the slot is
    /// empty or holds another text.
    fn with_held<T>(
        &self,
        slot: &'static str,
        sql: &str,
        f: impl FnOnce(&mut rusqlite::Statement<'a>) -> Result<T>,
    ) -> Result<T> {
        let mut held = self.held.borrow_mut();
        let fresh = held.get(slot).is_none_or(|(text, _)| text != sql);
        if fresh {
            held.insert(slot, (sql.to_string(), self.conn.prepare(sql)?));
        }
        let (_, stmt) = held.get_mut(slot).expect("the statement was just prepared");
        f(stmt)
    }

    /// Recreates an object's staged table with these target fields. It has no index until
    /// [`StageTx::index_object`]: stage decides which records may be staged (one per key), and
    /// indexes built once over every row cost a fraction of keeping them as rows arrive.
    pub fn reset_object(&self, object: &str, fields: &[String]) -> Result<()> {
        let table = quote_ident(&self.table(object));
        let cols: Vec<String> = fields
            .iter()
            .map(|f| format!("{} TEXT", quote_ident(f)))
            .collect();
        let sep = if cols.is_empty() { "" } else { ", " };
        self.conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {table};
             CREATE TABLE {table} (_external_id TEXT NOT NULL, _dataset TEXT NOT NULL, _batch INTEGER NOT NULL,
               _row INTEGER NOT NULL, _notes TEXT{sep}{});",
            cols.join(", "),
        ))?;
        self.conn.execute(
            self.for_run([
                "DELETE FROM _stage_keys WHERE object = ?1",
                "DELETE FROM _dry_keys WHERE object = ?1",
            ]),
            [object],
        )?;
        Ok(())
    }

    /// Indexes an object's staged records once they are all in: unique by (external id,
    /// dataset) in a run that commits, and in a dry run when `keyed`; and by lineage. The lineage index
    /// serves what reads a run afterwards (`trace`, `reconcile`, the ledger), never the run
    /// itself, so a dry run builds none.
    pub fn index_object(&self, object: &str, keyed: bool) -> Result<()> {
        let name = self.table(object);
        let table = quote_ident(&name);
        if keyed || !self.dry {
            self.conn.execute_batch(&format!(
                "CREATE UNIQUE INDEX {} ON {table} (_external_id, _dataset)",
                quote_ident(&format!("{name}_key")),
            ))?;
        }
        if !self.dry {
            self.conn.execute_batch(&format!(
                "CREATE INDEX {} ON {table} (_dataset, _batch, _row)",
                quote_ident(&format!("{name}_lineage")),
            ))?;
        }
        Ok(())
    }

    /// The first external id two staged records of one dataset share, the clash a unique key
    /// index refuses: (external id, dataset, the records' (batch, row) in source order).
    pub fn key_clash(&self, object: &str) -> Result<Option<KeyClash>> {
        let table = quote_ident(&self.table(object));
        let shared: Option<(String, String)> = self
            .conn
            .query_row(
                &format!(
                    "SELECT _external_id, _dataset FROM {table}
                      GROUP BY _external_id, _dataset HAVING count(*) > 1 LIMIT 1"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((external_id, dataset)) = shared else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT _batch, _row FROM {table} WHERE _external_id = ?1 AND _dataset = ?2 ORDER BY _batch, _row"
        ))?;
        let rows = stmt
            .query_map([&external_id, &dataset], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(KeyClash {
            external_id,
            dataset,
            rows,
        }))
    }

    /// Forgets the previous load plan.
    pub fn reset_plan(&self) -> Result<()> {
        self.conn.execute("DELETE FROM _load_plan", [])?;
        Ok(())
    }

    /// Forgets a dataset's earlier rejects, exclusions and totals.
    pub fn reset_dataset(&self, dataset: &str) -> Result<()> {
        for table in ["_rejects", "_exclusions", "_stage_runs"] {
            self.conn.execute(
                &format!("DELETE FROM {table} WHERE dataset = ?1"),
                [dataset],
            )?;
        }
        Ok(())
    }

    /// The statement [`StageTx::stage`] runs for an object's records with these fields: built
    /// once per dataset, not per row.
    pub fn stage_sql(&self, object: &str, fields: &[String]) -> String {
        let names: Vec<String> = fields.iter().map(|f| quote_ident(f)).collect();
        let sep = if names.is_empty() { "" } else { ", " };
        let marks = vec!["?"; fields.len() + 5].join(", ");
        format!(
            "INSERT INTO {} (_external_id, _dataset, _batch, _row, _notes{sep}{}) VALUES ({marks})",
            quote_ident(&self.table(object)),
            names.join(", ")
        )
    }

    /// Inserts a staged record with the statement of [`StageTx::stage_sql`]; `values` follow
    /// its fields.
    pub fn stage(
        &self,
        sql: &str,
        external_id: &str,
        lineage: (&str, i64, i64),
        notes: Option<&str>,
        values: &[Option<std::borrow::Cow<'_, str>>],
    ) -> Result<()> {
        self.with_held("stage", sql, |stmt| {
            stmt.raw_bind_parameter(1, external_id)?;
            stmt.raw_bind_parameter(2, lineage.0)?;
            stmt.raw_bind_parameter(3, lineage.1)?;
            stmt.raw_bind_parameter(4, lineage.2)?;
            stmt.raw_bind_parameter(5, notes)?;
            for (i, v) in values.iter().enumerate() {
                stmt.raw_bind_parameter(6 + i, v.as_deref())?;
            }
            stmt.raw_execute()?;
            Ok(())
        })
    }

    /// Sets one field of a staged record (dataset, external id), appending `note` (one text)
    /// to its notes: the second pass of a self-reference. With `via` the field's `_via_` column
    /// gets the dataset of the record it points at.
    pub fn update_field(
        &self,
        object: &str,
        field: &str,
        (dataset, external_id): (&str, &str),
        value: Option<&str>,
        via: Option<Option<&str>>,
        note: Option<&str>,
    ) -> Result<()> {
        let via_set = match via {
            Some(_) => format!(", {} = ?5", quote_ident(&via_column(field))),
            None => String::new(),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "UPDATE {} SET {} = ?3{via_set}, _notes = CASE WHEN ?4 IS NULL THEN _notes
               ELSE json_insert(coalesce(_notes, '[]'), '$[#]', ?4) END WHERE _external_id = ?1 AND _dataset = ?2",
            quote_ident(&self.table(object)),
            quote_ident(field)
        ))?;
        match via {
            Some(d) => stmt.execute(params![external_id, dataset, value, note, d])?,
            None => stmt.execute(params![external_id, dataset, value, note])?,
        };
        Ok(())
    }

    /// Records a rejected row (one line per problem).
    #[allow(clippy::too_many_arguments)]
    pub fn reject(
        &self,
        lineage: (&str, i64, i64),
        object: &str,
        reason: &str,
        field: Option<&str>,
        value: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        let sql = "INSERT INTO _rejects VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
        self.with_held("reject", sql, |stmt| {
            stmt.execute(params![
                lineage.0, lineage.1, lineage.2, object, reason, field, value, detail
            ])?;
            Ok(())
        })
    }

    /// Up to `per` examples of each (dataset, reason, field) the run rejected so far, with the
    /// number of rejects: (dataset, reason, field, count, [(row, value, detail)]).
    pub fn reject_summary(&self, per: usize) -> Result<Vec<RejectSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT dataset, reason, field, count(*) FROM _rejects
              GROUP BY dataset, reason, field ORDER BY dataset, reason, field",
        )?;
        let groups: Vec<(String, String, Option<String>, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut examples = self.conn.prepare(
            "SELECT _row, coalesce(value, ''), detail FROM _rejects
              WHERE dataset = ?1 AND reason = ?2 AND field IS ?3 ORDER BY _batch, _row LIMIT ?4",
        )?;
        let mut out = Vec::with_capacity(groups.len());
        for (dataset, reason, field, count) in groups {
            let found = examples
                .query_map(params![dataset, reason, field, per as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            out.push(RejectSummary {
                dataset,
                reason,
                field,
                count,
                examples: found,
            });
        }
        Ok(out)
    }

    /// Records a row excluded by a rule.
    pub fn exclude(
        &self,
        lineage: (&str, i64, i64),
        object: &str,
        rule: &str,
        detail: &str,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO _exclusions VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        stmt.execute(params![
            lineage.0, lineage.1, lineage.2, object, rule, detail
        ])?;
        Ok(())
    }

    /// Records where a source key resolves.
    pub fn key(&self, object: &str, k: &KeyRef<'_>) -> Result<()> {
        let sql = self.for_run([
            "INSERT OR REPLACE INTO _stage_keys (object, dataset, key, status, external_id, _batch, _row, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            "INSERT OR REPLACE INTO _dry_keys VALUES (?1, ?2, ?3)",
        ]);
        self.with_held("key", sql, |stmt| {
            self.insert_key(stmt, object, k).map(|_| ())
        })
    }

    /// Records where a source key resolves unless the object already has it in `dataset`:
    /// true when recorded (the first record with a key keeps it).
    pub fn key_once(&self, object: &str, k: &KeyRef<'_>) -> Result<bool> {
        let sql = self.for_run([
            "INSERT OR IGNORE INTO _stage_keys (object, dataset, key, status, external_id, _batch, _row, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            "INSERT OR IGNORE INTO _dry_keys VALUES (?1, ?2, ?3)",
        ]);
        self.with_held("key_once", sql, |stmt| {
            Ok(self.insert_key(stmt, object, k)? > 0)
        })
    }

    /// Runs an insert of one key row (one per source record, so bound in place rather than
    /// through a parameter list) as [`Self::for_run`] picked it; the number of rows inserted.
    fn insert_key(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        object: &str,
        k: &KeyRef<'_>,
    ) -> Result<usize> {
        stmt.raw_bind_parameter(1, object)?;
        stmt.raw_bind_parameter(2, k.dataset)?;
        stmt.raw_bind_parameter(3, k.key)?;
        if !self.dry {
            stmt.raw_bind_parameter(4, k.status)?;
            stmt.raw_bind_parameter(5, k.external_id)?;
            stmt.raw_bind_parameter(6, k.batch)?;
            stmt.raw_bind_parameter(7, k.row)?;
            stmt.raw_bind_parameter(8, k.detail)?;
        }
        Ok(stmt.raw_execute()?)
    }

    /// The first of `datasets` whose records of `object` already hold `key`.
    pub fn key_holder(&self, object: &str, datasets: &[&str], key: &str) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached(self.for_run([
            "SELECT 1 FROM _stage_keys WHERE object = ?1 AND dataset = ?2 AND key = ?3",
            "SELECT 1 FROM _dry_keys WHERE object = ?1 AND dataset = ?2 AND key = ?3",
        ]))?;
        for d in datasets {
            if stmt.exists(params![object, d, key])? {
                return Ok(Some(d.to_string()));
            }
        }
        Ok(None)
    }

    /// Records a dataset's totals.
    pub fn run(&self, r: &StageRunRow) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO _stage_runs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                r.dataset,
                r.object,
                r.target,
                r.target_object,
                r.source_rows,
                r.staged,
                r.merged,
                r.rejected,
                r.excluded,
                now()
            ],
        )?;
        Ok(())
    }

    /// Records one step of the load plan.
    pub fn plan(&self, p: &PlanRow) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO _load_plan (position, object, target_object, pass, fields, rows, note, dataset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                p.position,
                p.object,
                p.target_object,
                p.pass,
                p.fields,
                p.rows,
                p.note,
                p.dataset
            ],
        )?;
        Ok(())
    }

    /// Staged records of an object (with `field` set, only those where it is not null).
    pub fn count_staged(
        &self,
        object: &str,
        field: Option<&str>,
        dataset: Option<&str>,
    ) -> Result<i64> {
        let filter = field
            .map(|f| format!(" AND {} IS NOT NULL", quote_ident(f)))
            .unwrap_or_default();
        Ok(self.conn.query_row(
            &format!(
                "SELECT count(*) FROM {} WHERE (?1 IS NULL OR _dataset = ?1){filter}",
                quote_ident(&self.table(object))
            ),
            [dataset],
            |r| r.get(0),
        )?)
    }

    /// The load plan as written in this transaction.
    pub fn plan_rows(&self) -> Result<Vec<PlanRow>> {
        read_plan(self.conn)
    }

    /// Commits the whole run.
    pub fn commit(mut self) -> Result<()> {
        super::ledger::create(self.conn)?;
        self.conn.execute_batch("COMMIT")?;
        self.done = true;
        Ok(())
    }
}

/// The `_load_plan` rows, in order.
fn read_plan(conn: &rusqlite::Connection) -> Result<Vec<PlanRow>> {
    let mut stmt = conn.prepare("SELECT position, object, target_object, pass, fields, rows, note, dataset FROM _load_plan ORDER BY position")?;
    let rows = stmt.query_map([], |r| {
        Ok(PlanRow {
            position: r.get(0)?,
            object: r.get(1)?,
            target_object: r.get(2)?,
            pass: r.get(3)?,
            fields: r.get(4)?,
            rows: r.get(5)?,
            note: r.get(6)?,
            dataset: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Drop for StageTx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        if self.rollback_journal {
            // Refused only while another connection has the database open; the next open
            // switches it back then.
            let _ = self
                .conn
                .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
        }
    }
}
