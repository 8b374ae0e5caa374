//! Profile storage: streaming a `src_` table's rows to the profiler (columns and row counts
//! come from `mapping_store`), and the `_profile_*`
//! tables that keep the last profile for reports (replaced as a whole, in one transaction).

use rusqlite::params;
use rusqlite::types::ValueRef;

use super::{Db, now, quote_ident, source_table};
use crate::error::{Error, Result};

/// One dataset row of a stored profile.
#[derive(Clone, Debug)]
pub struct StoredDataset {
    pub dataset: String,
    pub source: String,
    pub rows: u64,
    pub duplicate_rows: u64,
    /// JSON array of column names.
    pub candidate_keys: String,
}

/// One column row of a stored profile.
#[derive(Clone, Debug)]
pub struct StoredColumn {
    pub dataset: String,
    pub position: u64,
    pub name: String,
    pub header: String,
    pub kind: String,
    pub type_share: f64,
    pub rows: u64,
    pub filled: u64,
    pub null: u64,
    pub blank: u64,
    pub whitespace: u64,
    pub placeholder: u64,
    pub distinct: u64,
    pub distinct_method: String,
    pub invalid: u64,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// The column's whole profile as JSON.
    pub detail: String,
}

/// One finding of a stored profile.
#[derive(Clone, Debug)]
pub struct StoredFinding {
    pub rank: u64,
    pub check: String,
    pub dataset: String,
    pub column: Option<String>,
    pub header: Option<String>,
    pub count: u64,
    /// JSON array of example strings.
    pub examples: String,
    pub detail: String,
}

/// One reference of a stored profile.
#[derive(Clone, Debug)]
pub struct StoredReference {
    pub from_dataset: String,
    pub from_column: String,
    pub to_dataset: String,
    pub to_column: String,
    pub declared: bool,
    pub match_rate: f64,
    pub values: u64,
    pub orphans: u64,
    /// JSON array of orphan values.
    pub orphan_examples: String,
}

/// Everything one profile run stores.
#[derive(Clone, Debug)]
pub struct StoredProfile {
    pub as_of: String,
    pub stale_after_days: u32,
    /// The JSON document `profile --json` prints.
    pub document: String,
    pub datasets: Vec<StoredDataset>,
    pub columns: Vec<StoredColumn>,
    pub findings: Vec<StoredFinding>,
    pub references: Vec<StoredReference>,
    /// (name, value, detail) for `_metrics`, source `profile`.
    pub metrics: Vec<(String, f64, String)>,
    /// (dataset, account key, `dormant` or `dead`) for every account that is not active.
    pub statuses: Vec<(String, String, String)>,
}

impl Db {
    /// The references the last profile found from `dataset`'s columns, best match first.
    pub fn profiled_references(&self, dataset: &str) -> Result<Vec<StoredReference>> {
        let mut stmt = self.conn.prepare(
            "SELECT from_dataset, from_column, to_dataset, to_column, declared, match_rate,
                    \"values\", orphans, orphan_examples
             FROM _profile_references WHERE from_dataset = ?1 ORDER BY match_rate DESC",
        )?;
        let rows = stmt.query_map([dataset], |r| {
            Ok(StoredReference {
                from_dataset: r.get(0)?,
                from_column: r.get(1)?,
                to_dataset: r.get(2)?,
                to_column: r.get(3)?,
                declared: r.get(4)?,
                match_rate: r.get(5)?,
                values: r.get::<_, i64>(6)? as u64,
                orphans: r.get::<_, i64>(7)? as u64,
                orphan_examples: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Streams a dataset's record rows in storage order: `f(row number, cells)` per row,
    /// cells in the order of `columns` (None for NULL). Rows ingest marked as no record (a
    /// report's totals or footer) are left out, as stage leaves them out.
    pub fn scan_source(
        &self,
        dataset: &str,
        columns: &[String],
        mut f: impl FnMut(u64, &[Option<&str>]) -> Result<()>,
    ) -> Result<()> {
        let non_records = self.non_record_rows(dataset)?;
        let select: Vec<String> = ["_row".to_string(), "_batch".to_string()]
            .into_iter()
            .chain(columns.iter().map(|c| quote_ident(c)))
            .collect();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM {}",
            select.join(", "),
            quote_ident(&source_table(dataset))
        ))?;
        let mut rows = stmt.query([])?;
        let mut owned: Vec<String> = vec![String::new(); columns.len()];
        while let Some(row) = rows.next()? {
            let number: i64 = row.get(0)?;
            if !non_records.is_empty() && non_records.contains_key(&(row.get(1)?, number)) {
                continue;
            }
            // Values that are not text (a table edited by hand) are shown as text.
            for (i, slot) in owned.iter_mut().enumerate() {
                slot.clear();
                match row.get_ref(i + 2)? {
                    ValueRef::Integer(n) => slot.push_str(&n.to_string()),
                    ValueRef::Real(x) => slot.push_str(&x.to_string()),
                    _ => {}
                }
            }
            let mut cells: Vec<Option<&str>> = Vec::with_capacity(columns.len());
            for (i, slot) in owned.iter().enumerate() {
                cells.push(match row.get_ref(i + 2)? {
                    ValueRef::Null => None,
                    ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                        Some(std::str::from_utf8(bytes).map_err(|_| {
                            Error::Input(format!(
                                "`{}` row {number}, column `{}` does not hold UTF-8 text",
                                source_table(dataset),
                                columns[i]
                            ))
                        })?)
                    }
                    ValueRef::Integer(_) | ValueRef::Real(_) => Some(slot.as_str()),
                });
            }
            f(number as u64, &cells)?;
        }
        Ok(())
    }

    /// Replaces the stored profile and the `profile.*` metrics, in one transaction.
    pub fn store_profile(&mut self, p: &StoredProfile) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(
            "DELETE FROM _profile_runs; DELETE FROM _profile_datasets; DELETE FROM _profile_columns;
             DELETE FROM _profile_findings; DELETE FROM _profile_references;
             DELETE FROM _profile_status; DELETE FROM _metrics WHERE source = 'profile';",
        )?;
        let at = now();
        tx.execute(
            "INSERT INTO _profile_runs (id, as_of, stale_after_days, computed_at, document)
             VALUES (1, ?1, ?2, ?3, ?4)",
            params![p.as_of, p.stale_after_days, at, p.document],
        )?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO _profile_datasets (dataset, source, rows, duplicate_rows, candidate_keys)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for d in &p.datasets {
                stmt.execute(params![
                    d.dataset,
                    d.source,
                    d.rows as i64,
                    d.duplicate_rows as i64,
                    d.candidate_keys
                ])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO _profile_columns (dataset, position, column_name, header, type, type_share,
                    rows, filled, nulls, blanks, whitespace, placeholders, distinct_count,
                    distinct_method, invalid, min_length, max_length, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            )?;
            for c in &p.columns {
                stmt.execute(params![
                    c.dataset,
                    c.position as i64,
                    c.name,
                    c.header,
                    c.kind,
                    c.type_share,
                    c.rows as i64,
                    c.filled as i64,
                    c.null as i64,
                    c.blank as i64,
                    c.whitespace as i64,
                    c.placeholder as i64,
                    c.distinct as i64,
                    c.distinct_method,
                    c.invalid as i64,
                    c.min_length.map(|n| n as i64),
                    c.max_length.map(|n| n as i64),
                    c.detail
                ])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO _profile_findings (rank, check_name, dataset, column_name, header, count, examples, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for f in &p.findings {
                stmt.execute(params![
                    f.rank as i64,
                    f.check,
                    f.dataset,
                    f.column,
                    f.header,
                    f.count as i64,
                    f.examples,
                    f.detail
                ])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO _profile_references (from_dataset, from_column, to_dataset, to_column,
                    declared, match_rate, \"values\", orphans, orphan_examples)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for r in &p.references {
                stmt.execute(params![
                    r.from_dataset,
                    r.from_column,
                    r.to_dataset,
                    r.to_column,
                    r.declared,
                    r.match_rate,
                    r.values as i64,
                    r.orphans as i64,
                    r.orphan_examples
                ])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO _metrics (name, value, detail, source, computed_at) VALUES (?1, ?2, ?3, 'profile', ?4)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value, detail = excluded.detail,
                   source = excluded.source, computed_at = excluded.computed_at",
            )?;
            for (name, value, detail) in &p.metrics {
                stmt.execute(params![name, value, detail, at])?;
            }
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO _profile_status (dataset, key, status) VALUES (?1, ?2, ?3)",
            )?;
            for (dataset, key, status) in &p.statuses {
                stmt.execute(params![dataset, key, status])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Keys of a dataset's accounts with the given profiled status (`dead`, `dormant`), or
    /// None when no profile with account status is stored.
    pub fn profiled_status_keys(
        &self,
        dataset: &str,
        status: &str,
    ) -> Result<Option<std::collections::HashSet<String>>> {
        let profiled: bool =
            self.conn
                .query_row("SELECT count(*) > 0 FROM _profile_runs", [], |r| r.get(0))?;
        if !profiled {
            return Ok(None);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM _profile_status WHERE dataset = ?1 AND status = ?2")?;
        let keys = stmt
            .query_map([dataset, status], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(keys))
    }

    /// The JSON document of the last stored profile, if any.
    pub fn stored_profile(&self) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT document FROM _profile_runs WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(n: u64) -> StoredProfile {
        StoredProfile {
            as_of: "2025-06-30".into(),
            stale_after_days: 730,
            document: format!("{{\"run\": {n}}}"),
            datasets: vec![StoredDataset {
                dataset: "accounts".into(),
                source: "src_accounts".into(),
                rows: n,
                duplicate_rows: 0,
                candidate_keys: "[]".into(),
            }],
            columns: Vec::new(),
            findings: vec![StoredFinding {
                rank: 1,
                check: "invalid_email".into(),
                dataset: "accounts".into(),
                column: Some("email".into()),
                header: None,
                count: n,
                examples: "[]".into(),
                detail: String::new(),
            }],
            references: Vec::new(),
            metrics: vec![("profile.rows".into(), n as f64, "rows".into())],
            statuses: vec![("accounts".into(), format!("A-{n}"), "dead".into())],
        }
    }

    #[test]
    fn storing_replaces_the_previous_profile() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("p.db")).unwrap();
        assert_eq!(db.stored_profile().unwrap(), None);
        db.store_profile(&stored(1)).unwrap();
        db.store_profile(&stored(2)).unwrap();
        assert_eq!(db.stored_profile().unwrap().unwrap(), "{\"run\": 2}");
        let n: i64 = db
            .conn
            .query_row("SELECT count(*) FROM _profile_findings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(db.metric("profile.rows").unwrap().unwrap().value, 2.0);
    }
}
