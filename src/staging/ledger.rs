//! The `ledger` view: every source row of every staged dataset and where it went (staged,
//! merged, rejected, excluded), readable by any SQLite tool without crmkit.
//!
//! Source and staged tables are named per dataset and object, so the view is rebuilt inside
//! each stage transaction from `_stage_runs`; it counts a row exactly as `reconcile` does.

use rusqlite::Connection;

use super::quote_ident;
use super::source_table;
use super::stage_store::staged_table;
use crate::error::Result;

/// The view's name, an interface: documented for `sqlite3` and Datasette users.
pub const VIEW: &str = "ledger";

/// Drops the view; stage calls it before it replaces the tables the view reads.
pub fn drop(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!("DROP VIEW IF EXISTS {VIEW}"))?;
    Ok(())
}

/// Recreates the view over the datasets `_stage_runs` lists.
pub fn create(conn: &Connection) -> Result<()> {
    let runs: Vec<(String, String)> = {
        let mut stmt = conn.prepare("SELECT dataset, object FROM _stage_runs ORDER BY dataset")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut parts = Vec::new();
    for (dataset, object) in &runs {
        let src = source_table(dataset);
        if !table_exists(conn, &src)? {
            continue;
        }
        let stg = staged_table(object);
        let external_id = if table_exists(conn, &stg)? {
            format!(
                "(SELECT t._external_id FROM {} t WHERE t._dataset = {ds} AND t._batch = s._batch AND t._row = s._row)",
                quote_ident(&stg),
                ds = literal(dataset)
            )
        } else {
            "NULL".to_string()
        };
        let ds = literal(dataset);
        let at = format!("dataset = {ds} AND x._batch = s._batch AND x._row = s._row");
        parts.push(format!(
            "SELECT {ds} AS dataset, {obj} AS object, s._batch AS _batch, s._row AS _row,
               {external_id} AS external_id,
               (SELECT x.survivor_id FROM _merges x WHERE x.{at}) AS survivor_id,
               (SELECT group_concat(x.reason || coalesce(' ' || x.field, ''), '; ') FROM _rejects x WHERE x.{at}) AS rejected_for,
               (SELECT x.rule FROM _exclusions x WHERE x.{at}) AS excluded_by
             FROM {} s",
            quote_ident(&src),
            obj = literal(object),
        ));
    }
    let rows = if parts.is_empty() {
        "SELECT NULL AS dataset, NULL AS object, NULL AS _batch, NULL AS _row, NULL AS external_id,
           NULL AS survivor_id, NULL AS rejected_for, NULL AS excluded_by WHERE 0"
            .to_string()
    } else {
        parts.join("\nUNION ALL\n")
    };
    // `merged` counts only when the row is neither staged (a member promoted in place of a
    // survivor that was not staged), rejected nor excluded, as in reconcile.
    conn.execute_batch(&format!(
        "CREATE VIEW {VIEW} AS
         WITH r AS ({rows}),
         f AS (SELECT r.*,
                 (external_id IS NOT NULL) AS is_staged,
                 (survivor_id IS NOT NULL AND external_id IS NULL AND rejected_for IS NULL
                  AND excluded_by IS NULL) AS is_merged,
                 (rejected_for IS NOT NULL) AS is_rejected,
                 (excluded_by IS NOT NULL) AS is_excluded
               FROM r)
         SELECT dataset, object, _batch, _row,
           CASE is_staged + is_merged + is_rejected + is_excluded
             WHEN 0 THEN 'unaccounted'
             WHEN 1 THEN CASE WHEN is_staged THEN 'staged' WHEN is_merged THEN 'merged'
                              WHEN is_rejected THEN 'rejected' ELSE 'excluded' END
             ELSE 'double-counted'
           END AS outcome,
           external_id, survivor_id, rejected_for, excluded_by
         FROM f"
    ))?;
    Ok(())
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )?)
}

/// A string as an SQL literal. Dataset and object names are identifiers already; quoting
/// keeps the view safe should that ever change.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes() {
        assert_eq!(literal("o'neil"), "'o''neil'");
    }

    #[test]
    fn an_empty_ledger_is_a_valid_view() {
        let conn = Connection::open_in_memory().unwrap();
        crate::staging::schema::migrate(&conn).unwrap();
        create(&conn).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM ledger", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}
