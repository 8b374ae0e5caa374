//! Reads that mapping needs from a dataset: its columns, a sample of rows, distinct values,
//! and a full scan for `map check`.

use rusqlite::params;
use serde::Serialize;

use super::{Db, ROW_ID, quote_ident, source_table};
use crate::error::Result;

/// A source column: the header as the file had it and the column it became.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceColumn {
    pub header: String,
    pub column: String,
}

impl Db {
    /// The dataset's columns in file order (first batch first), each once.
    pub fn source_columns(&self, dataset: &str) -> Result<Vec<SourceColumn>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.header, c.column_name FROM _columns c JOIN _batches b USING (batch)
             WHERE b.dataset = ?1 ORDER BY c.batch, c.position",
        )?;
        let rows = stmt.query_map(params![dataset], |r| {
            Ok(SourceColumn {
                header: r.get(0)?,
                column: r.get(1)?,
            })
        })?;
        let mut out: Vec<SourceColumn> = Vec::new();
        for row in rows {
            let row = row?;
            if !out.iter().any(|c| c.column == row.column) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Number of rows in the dataset.
    pub fn row_count(&self, dataset: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM {}",
                quote_ident(&source_table(dataset))
            ),
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Up to `limit` rows spread evenly over the dataset (every k-th row), `columns` only.
    pub fn sample_rows(
        &self,
        dataset: &str,
        columns: &[String],
        limit: u64,
    ) -> Result<Vec<Vec<Option<String>>>> {
        let total = self.row_count(dataset)?;
        let step = total.div_ceil(limit.max(1)).max(1);
        let mut out = Vec::new();
        self.scan(dataset, columns, Some(step), |row| {
            out.push(row.to_vec());
            Ok(())
        })?;
        out.truncate(limit as usize);
        Ok(out)
    }

    /// Distinct values of `column` with their counts, most frequent first; None when there are
    /// more than `max` (the column is not picklist-like). Blank and NULL are left out.
    pub fn distinct_values(
        &self,
        dataset: &str,
        column: &str,
        max: usize,
    ) -> Result<Option<Vec<(String, u64)>>> {
        let col = quote_ident(column);
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {col}, count(*) FROM {} WHERE trim(coalesce({col}, '')) <> ''
             GROUP BY {col} ORDER BY count(*) DESC, {col} LIMIT ?1",
            quote_ident(&source_table(dataset))
        ))?;
        let rows: Vec<(String, u64)> = stmt
            .query_map(params![max as i64 + 1], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok((rows.len() <= max).then_some(rows))
    }

    /// Calls `f` with `columns` of every row in row order (every `step`-th row when given).
    pub fn scan(
        &self,
        dataset: &str,
        columns: &[String],
        step: Option<u64>,
        mut f: impl FnMut(&[Option<String>]) -> Result<()>,
    ) -> Result<()> {
        let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
        let select = if cols.is_empty() {
            "NULL".to_string()
        } else {
            cols.join(", ")
        };
        let filter = match step {
            Some(k) if k > 1 => format!("WHERE {ROW_ID} % {k} = 0"),
            _ => String::new(),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {select} FROM {} {filter} ORDER BY {ROW_ID}",
            quote_ident(&source_table(dataset))
        ))?;
        let mut rows = stmt.query([])?;
        let mut buf: Vec<Option<String>> = vec![None; columns.len()];
        while let Some(row) = rows.next()? {
            for (i, slot) in buf.iter_mut().enumerate() {
                *slot = row.get(i)?;
            }
            f(&buf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staging::BatchMeta;

    fn db_with_rows(n: u64) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("t.db")).unwrap();
        let meta = BatchMeta {
            dataset: "accounts".into(),
            path: "a.csv".into(),
            size: 1,
            sha256: "x".into(),
            format: "csv".into(),
            encoding: None,
            delimiter: None,
            sheet: None,
            headers: vec!["Account Name".into(), "Type".into()],
            columns: vec!["account_name".into(), "type".into()],
        };
        let mut load = db.begin_load(&meta, &[]).unwrap();
        for i in 1..=n {
            let name = format!("Acme {i}");
            let kind = if i % 3 == 0 {
                ""
            } else if i % 2 == 0 {
                "Customer"
            } else {
                "Prospect"
            };
            load.insert(i, [Some(name.as_str()), Some(kind)].into_iter(), None)
                .unwrap();
        }
        load.finish(n).unwrap();
        (dir, db)
    }

    #[test]
    fn columns_samples_and_distincts() {
        let (_dir, db) = db_with_rows(100);
        let cols = db.source_columns("accounts").unwrap();
        assert_eq!(cols[0].header, "Account Name");
        assert_eq!(cols[1].column, "type");
        assert_eq!(db.row_count("accounts").unwrap(), 100);
        let sample = db
            .sample_rows("accounts", &["account_name".into()], 10)
            .unwrap();
        assert_eq!(sample.len(), 10);
        assert_eq!(sample[0][0].as_deref(), Some("Acme 10"));
        let d = db.distinct_values("accounts", "type", 5).unwrap().unwrap();
        assert_eq!(
            d,
            [("Customer".to_string(), 34), ("Prospect".to_string(), 33)]
        );
        assert!(
            db.distinct_values("accounts", "account_name", 5)
                .unwrap()
                .is_none()
        );
        let mut n = 0;
        db.scan("accounts", &["type".into()], None, |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 100);
    }
}
