//! Read-only questions about what has been ingested.

use rusqlite::params;
use serde::Serialize;

use super::{Db, quote_ident, source_table};
use crate::error::Result;

/// One ingested file (or sheet) as the catalog records it.
#[derive(Clone, Debug, Serialize)]
pub struct BatchRecord {
    pub batch: i64,
    pub dataset: String,
    pub path: String,
    pub size: i64,
    pub sha256: String,
    pub format: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    pub columns: i64,
    pub rows_read: i64,
    pub rows_stored: i64,
    pub issues: i64,
    pub finished_at: Option<String>,
}

/// Issues of one kind and their count.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct IssueCount {
    pub kind: String,
    pub count: i64,
}

/// A dataset (one `src_` table) with its totals.
#[derive(Clone, Debug, Serialize)]
pub struct DatasetSummary {
    pub name: String,
    pub table: String,
    pub rows: i64,
    pub columns: i64,
    pub batches: i64,
    pub issues: Vec<IssueCount>,
}

impl Db {
    /// Every batch, oldest first.
    pub fn batches(&self) -> Result<Vec<BatchRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT batch, dataset, path, size, sha256, format, encoding, delimiter, sheet,
                    columns, rows_read, rows_stored, issues, finished_at
             FROM _batches ORDER BY batch",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BatchRecord {
                batch: r.get(0)?,
                dataset: r.get(1)?,
                path: r.get(2)?,
                size: r.get(3)?,
                sha256: r.get(4)?,
                format: r.get(5)?,
                encoding: r.get(6)?,
                delimiter: r.get(7)?,
                sheet: r.get(8)?,
                columns: r.get(9)?,
                rows_read: r.get(10)?,
                rows_stored: r.get(11)?,
                issues: r.get(12)?,
                finished_at: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Names of all datasets, alphabetically.
    pub fn dataset_names(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT dataset FROM _batches ORDER BY dataset")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Totals per dataset: rows actually in the table, columns, batches, issues by kind.
    pub fn dataset_summaries(&self) -> Result<Vec<DatasetSummary>> {
        let mut out = Vec::new();
        for name in self.dataset_names()? {
            let table = source_table(&name);
            let rows: i64 = self.conn.query_row(
                &format!("SELECT count(*) FROM {}", quote_ident(&table)),
                [],
                |r| r.get(0),
            )?;
            let columns: i64 = self.conn.query_row(
                "SELECT count(*) FROM pragma_table_info(?1) WHERE name NOT IN ('_row', '_batch', '_extra')",
                [&table],
                |r| r.get(0),
            )?;
            let batches: i64 = self.conn.query_row(
                "SELECT count(*) FROM _batches WHERE dataset = ?1",
                [&name],
                |r| r.get(0),
            )?;
            let mut stmt = self.conn.prepare(
                "SELECT i.kind, count(*) FROM _issues i JOIN _batches b USING (batch)
                 WHERE b.dataset = ?1 GROUP BY i.kind ORDER BY count(*) DESC, i.kind",
            )?;
            let issues = stmt
                .query_map(params![name], |r| {
                    Ok(IssueCount {
                        kind: r.get(0)?,
                        count: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            out.push(DatasetSummary {
                name,
                table,
                rows,
                columns,
                batches,
                issues,
            });
        }
        Ok(out)
    }
}
