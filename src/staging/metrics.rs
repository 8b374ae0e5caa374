//! Headline metrics that commands leave behind for the playbook's evidence checks.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::Db;
use crate::error::Result;

/// One named figure, e.g. `profile.invalid_email_rate = 0.031`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    /// Human explanation with the numbers behind the value ("46 of 1,480 emails").
    pub detail: Option<String>,
    /// The command that computed it (`profile`, `map check`, ...).
    pub source: String,
    pub computed_at: String,
}

impl Db {
    /// Records (or replaces) a metric.
    pub fn put_metric(
        &self,
        name: &str,
        value: f64,
        detail: Option<&str>,
        source: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO _metrics (name, value, detail, source, computed_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, detail = excluded.detail,
               source = excluded.source, computed_at = excluded.computed_at",
            params![name, value, detail, source, super::now()],
        )?;
        Ok(())
    }

    /// One metric, if it has been computed.
    pub fn metric(&self, name: &str) -> Result<Option<Metric>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, value, detail, source, computed_at FROM _metrics WHERE name = ?1",
                [name],
                row_to_metric,
            )
            .optional()?)
    }

    /// Every metric, by name.
    pub fn metrics(&self) -> Result<Vec<Metric>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, value, detail, source, computed_at FROM _metrics ORDER BY name",
        )?;
        let rows = stmt.query_map([], row_to_metric)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn row_to_metric(r: &rusqlite::Row<'_>) -> rusqlite::Result<Metric> {
    Ok(Metric {
        name: r.get(0)?,
        value: r.get(1)?,
        detail: r.get(2)?,
        source: r.get(3)?,
        computed_at: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_replaced_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("m.db")).unwrap();
        db.put_metric("profile.invalid_email_rate", 0.5, Some("1 of 2"), "profile")
            .unwrap();
        db.put_metric("profile.invalid_email_rate", 0.25, None, "profile")
            .unwrap();
        let m = db.metric("profile.invalid_email_rate").unwrap().unwrap();
        assert_eq!(m.value, 0.25);
        assert_eq!(db.metrics().unwrap().len(), 1);
        assert!(db.metric("nope").unwrap().is_none());
    }
}
