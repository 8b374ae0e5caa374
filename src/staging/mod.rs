//! The staging database: the only user of rusqlite. Opening, pragmas, migrations, identifiers.

mod adoption_store;
mod catalog;
mod datasette;
mod dedupe_store;
mod label_store;
mod ledger;
mod load;
mod mapping_store;
mod metrics;
mod playbook_store;
mod profile_store;
mod report_store;
mod rollout_store;
mod schema;
mod score_store;
mod stage_store;
mod survivor_store;

use std::path::Path;

use rusqlite::Connection;

pub use adoption_store::{
    AdoptionTx, ExportIssue, FileRow, HistoryRow, LeadFunnelRow, LeadRow, OppRow, RepOpps,
    RepUsage, SnapshotRow, UserRow,
};
pub use catalog::{BatchRecord, DatasetSummary, IssueCount};
pub use datasette::Metadata as DatasetteMetadata;
pub use dedupe_store::{
    ClusterRow, GoldenRow, LabelRow, LinkMemberRow, LinkRunRow, LinkSave, MemberRow, PairRow,
    RunRow, SourceRow,
};
pub use label_store::LinkLabel;
pub use load::{BatchMeta, Loader};
pub use mapping_store::SourceColumn;
pub use metrics::Metric;
pub use playbook_store::{AnswerRecord, NewAnswer};
pub use profile_store::{
    StoredColumn, StoredDataset, StoredFinding, StoredProfile, StoredReference,
};
pub use report_store::{ClusterMember, ClusterSample, DedupeSummary, StageTotals};
pub use rollout_store::{AdoptionFigures, MilestoneRow, PhaseRow};
pub use score_store::Score;
pub use stage_store::{
    Fact, KeyClash, KeyRef, KeyRow, OddRow, PlanRow, Reconciled, RejectSummary, StageRunRow,
    StageTx, TraceRow, staged_table, via_column,
};
pub use survivor_store::Replaced;

use crate::error::{Error, Result};

/// How long a command waits for another connection's lock before it reports the database busy.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// An open staging database, migrated to the current schema.
pub struct Db {
    conn: Connection,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db> {
        let conn = Connection::open(path).map_err(|e| {
            Error::Other(format!(
                "cannot open the staging database `{}`: {e}",
                path.display()
            ))
        })?;
        // WAL keeps readers (Datasette, sqlite3) working while crmkit writes; NORMAL is
        // durable at each commit in WAL mode, which is all a re-runnable tool needs.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -65536;
             PRAGMA foreign_keys = ON;",
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        schema::migrate(&conn)?;
        Ok(Db { conn })
    }

    /// The schema version stored in `PRAGMA user_version`.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The SQLite journal mode in force (`wal` for a workspace database).
    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }
}

/// The current UTC time as RFC 3339, as every table records it.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Quotes an SQL identifier so that any text, however hostile, names a column and nothing more.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How every reader names a source table's own row identity (its insertion order, which is
/// source order: batches are appended whole). SQLite answers to `rowid`, `oid` and `_rowid_`,
/// but a column of one of those names hides that alias, and client headers such as Oracle's
/// `ROWID` become a column `rowid`. Client columns never start with `_`
/// ([`crate::intake::names::columns`]), so `_rowid_` is the one alias a header cannot take.
pub const ROW_ID: &str = "_rowid_";

/// The table that holds dataset `name`'s raw rows.
pub fn source_table(dataset: &str) -> String {
    format!("src_{dataset}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_neutralises_hostile_names() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        let conn = Connection::open_in_memory().unwrap();
        let hostile = "name\"); DROP TABLE x; --";
        conn.execute_batch("CREATE TABLE x (a)").unwrap();
        conn.execute_batch(&format!("CREATE TABLE t ({} TEXT)", quote_ident(hostile)))
            .unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'x'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn fresh_database_is_migrated_and_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("s.db")).unwrap();
        assert_eq!(db.schema_version().unwrap(), schema::CURRENT_VERSION);
        assert_eq!(db.journal_mode().unwrap(), "wal");
        // Re-opening an up-to-date database changes nothing.
        drop(db);
        let db = Db::open(&dir.path().join("s.db")).unwrap();
        assert_eq!(db.schema_version().unwrap(), schema::CURRENT_VERSION);
    }

    #[test]
    fn stage_writes_through_a_rollback_journal_and_returns_to_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let db = Db::open(&path).unwrap();
        for dry in [false, true] {
            let tx = db.begin_stage(dry).unwrap();
            assert_eq!(db.journal_mode().unwrap(), "delete");
            tx.reset_object("account", &["Name".to_string()]).unwrap();
            if dry {
                drop(tx);
            } else {
                tx.commit().unwrap();
            }
            assert_eq!(db.journal_mode().unwrap(), "wal");
        }
        // Another connection holds the database open: the run keeps WAL and still commits.
        let reader = Connection::open(&path).unwrap();
        let count = |name: &str| -> i64 {
            reader
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(count("stg_account"), 1);
        let tx = db.begin_stage(false).unwrap();
        assert_eq!(db.journal_mode().unwrap(), "wal");
        tx.reset_object("contact", &[]).unwrap();
        tx.commit().unwrap();
        assert_eq!(count("stg_contact"), 1);
    }
}
