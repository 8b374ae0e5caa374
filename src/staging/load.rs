//! Bulk loading of one source file (or sheet) into its `src_` table, as one transaction.

use rusqlite::{CachedStatement, Connection, OptionalExtension, params};

use super::{Db, now, quote_ident, source_table};
use crate::error::{Error, Result};
use crate::numbers::thousands;

/// The most columns a table can have in the bundled SQLite (its `SQLITE_MAX_COLUMN`).
const SQLITE_MAX_COLUMN: usize = 2000;

/// The most data columns a dataset can hold: SQLite's limit less `_row`, `_batch`, `_extra`.
const MAX_DATA_COLUMNS: usize = SQLITE_MAX_COLUMN - 3;

/// What the catalog records about one file (or sheet) being loaded.
#[derive(Clone, Debug)]
pub struct BatchMeta {
    pub dataset: String,
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub format: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    /// Original header text, in file order.
    pub headers: Vec<String>,
    /// The column each header became, same order.
    pub columns: Vec<String>,
}

/// An open load: rows go in through [`Loader::insert`], and nothing is visible until
/// [`Loader::finish`]; dropping it unfinished rolls everything back.
pub struct Loader<'a> {
    conn: &'a Connection,
    insert: CachedStatement<'a>,
    issue: CachedStatement<'a>,
    batch: i64,
    path: String,
    width: usize,
    rows: u64,
    issues: u64,
    done: bool,
}

impl Db {
    /// The batch that already holds this content (same SHA-256 and sheet), if any.
    pub fn batch_by_content(&self, sha256: &str, sheet: Option<&str>) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT batch FROM _batches WHERE sha256 = ?1 AND coalesce(sheet, '') = coalesce(?2, '')",
                params![sha256, sheet],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Batches of `dataset` loaded from the file at `path` (the same file, however the path was
    /// spelled) and the same sheet, oldest first.
    pub fn batches_of_path(
        &self,
        dataset: &str,
        path: &std::path::Path,
        sheet: Option<&str>,
    ) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT batch, path FROM _batches WHERE dataset = ?1 AND coalesce(sheet, '') = coalesce(?2, '') ORDER BY batch",
        )?;
        let rows: Vec<(i64, String)> = stmt
            .query_map(params![dataset, sheet], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let given = path.canonicalize().ok();
        Ok(rows
            .into_iter()
            .filter(|(_, stored)| {
                std::path::Path::new(stored) == path
                    || (given.is_some()
                        && std::path::Path::new(stored).canonicalize().ok() == given)
            })
            .map(|(batch, _)| batch)
            .collect())
    }

    /// Starts loading a batch; `replace` names earlier batches whose rows are removed first,
    /// inside the same transaction.
    pub fn begin_load(&mut self, meta: &BatchMeta, replace: &[i64]) -> Result<Loader<'_>> {
        let conn = &self.conn;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let mut loader = Loader {
            conn,
            // Placeholders, replaced below once the table exists.
            insert: conn.prepare_cached("SELECT 1")?,
            issue: conn.prepare_cached(
                "INSERT INTO _issues (batch, file, row, column, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            batch: 0,
            path: meta.path.clone(),
            width: meta.columns.len(),
            rows: 0,
            issues: 0,
            done: false,
        };
        for &old in replace {
            delete_batch(conn, old)?;
        }
        let table = source_table(&meta.dataset);
        ensure_table(conn, &table, meta)?;
        conn.execute(
            "INSERT INTO _batches (dataset, path, size, sha256, format, encoding, delimiter, sheet, columns, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                meta.dataset,
                meta.path,
                meta.size as i64,
                meta.sha256,
                meta.format,
                meta.encoding,
                meta.delimiter,
                meta.sheet,
                meta.columns.len() as i64,
                now(),
            ],
        )?;
        loader.batch = conn.last_insert_rowid();
        {
            let mut col = conn.prepare_cached(
                "INSERT INTO _columns (batch, position, header, column_name) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, (header, column)) in meta.headers.iter().zip(&meta.columns).enumerate() {
                col.execute(params![loader.batch, i as i64 + 1, header, column])?;
            }
        }
        let names: Vec<String> = ["_row", "_batch"]
            .iter()
            .map(|s| s.to_string())
            .chain(meta.columns.iter().cloned())
            .chain(std::iter::once("_extra".to_string()))
            .map(|c| quote_ident(&c))
            .collect();
        let marks = vec!["?"; names.len()].join(", ");
        loader.insert = conn.prepare_cached(&format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            quote_ident(&table),
            names.join(", ")
        ))?;
        Ok(loader)
    }
}

impl Loader<'_> {
    /// The batch number rows are stored under.
    pub fn batch(&self) -> i64 {
        self.batch
    }

    /// Stores one record; `cells[i]` is column `i` (None = no value at all), `extra` holds
    /// surplus fields of a ragged row.
    pub fn insert<'c>(
        &mut self,
        row: u64,
        cells: impl Iterator<Item = Option<&'c str>>,
        extra: Option<&str>,
    ) -> Result<()> {
        let stmt = &mut self.insert;
        stmt.raw_bind_parameter(1, row as i64)?;
        stmt.raw_bind_parameter(2, self.batch)?;
        let mut bound = 0;
        for (i, cell) in cells.take(self.width).enumerate() {
            stmt.raw_bind_parameter(i + 3, cell)?;
            bound += 1;
        }
        for i in bound..self.width {
            stmt.raw_bind_parameter(i + 3, None::<&str>)?;
        }
        stmt.raw_bind_parameter(self.width + 3, extra)?;
        stmt.raw_execute()?;
        self.rows += 1;
        Ok(())
    }

    /// Records a problem with a row (`kind` is a short code such as `ragged_row`).
    pub fn issue(
        &mut self,
        row: Option<u64>,
        column: Option<&str>,
        kind: &str,
        detail: &str,
    ) -> Result<()> {
        self.issue.execute(params![
            self.batch,
            self.path,
            row.map(|r| r as i64),
            column,
            kind,
            detail
        ])?;
        self.issues += 1;
        Ok(())
    }

    /// Records the totals and commits; returns the rows stored.
    pub fn finish(mut self, rows_read: u64) -> Result<u64> {
        self.conn.execute(
            "UPDATE _batches SET rows_read = ?2, rows_stored = ?3, issues = ?4, finished_at = ?5 WHERE batch = ?1",
            params![self.batch, rows_read as i64, self.rows as i64, self.issues as i64, now()],
        )?;
        self.conn.execute_batch("COMMIT")?;
        self.done = true;
        Ok(self.rows)
    }
}

impl Drop for Loader<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: the transaction may already be gone if the failure was SQLite's.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Creates the source table, or adds the columns a new file brings to an existing one.
/// Refuses a file whose columns would take the table past SQLite's column limit.
fn ensure_table(conn: &Connection, table: &str, meta: &BatchMeta) -> Result<()> {
    let columns = &meta.columns;
    let existing: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
        stmt.query_map([table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let added = columns.iter().filter(|c| !existing.contains(c)).count();
    let data_columns = existing.len().saturating_sub(3) + added;
    if data_columns > MAX_DATA_COLUMNS {
        let whose = if existing.is_empty() {
            format!(
                "`{}` has {} columns",
                meta.path,
                thousands(columns.len() as u64)
            )
        } else {
            format!(
                "with the columns `{}` adds, dataset `{}` would have {} columns",
                meta.path,
                meta.dataset,
                thousands(data_columns as u64)
            )
        };
        return Err(Error::Input(format!(
            "{whose}, more than the {} a dataset can hold (SQLite's limit of {} columns a table, less crmkit's _row, _batch and _extra); nothing was stored\n  hint: split the file into narrower files that each keep the id column, and ingest each with its own --as NAME",
            thousands(MAX_DATA_COLUMNS as u64),
            thousands(SQLITE_MAX_COLUMN as u64)
        )));
    }
    if existing.is_empty() {
        let cols: Vec<String> = columns
            .iter()
            .map(|c| format!("{} TEXT", quote_ident(c)))
            .collect();
        let sep = if cols.is_empty() { "" } else { ", " };
        conn.execute_batch(&format!(
            "CREATE TABLE {} (\"_row\" INTEGER NOT NULL, \"_batch\" INTEGER NOT NULL{sep}{}, \"_extra\" TEXT)",
            quote_ident(table),
            cols.join(", ")
        ))?;
    } else {
        for c in columns.iter().filter(|c| !existing.contains(c)) {
            conn.execute_batch(&format!(
                "ALTER TABLE {} ADD COLUMN {} TEXT",
                quote_ident(table),
                quote_ident(c)
            ))?;
        }
    }
    Ok(())
}

/// Removes a batch's rows and catalog entries (issues and columns cascade).
fn delete_batch(conn: &Connection, batch: i64) -> Result<()> {
    let dataset: String = conn.query_row(
        "SELECT dataset FROM _batches WHERE batch = ?1",
        [batch],
        |r| r.get(0),
    )?;
    conn.execute(
        &format!(
            "DELETE FROM {} WHERE _batch = ?1",
            quote_ident(&source_table(&dataset))
        ),
        [batch],
    )?;
    conn.execute("DELETE FROM _batches WHERE batch = ?1", [batch])?;
    Ok(())
}
