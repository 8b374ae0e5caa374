//! A Datasette metadata document describing `staging.db`: what each table and view holds and,
//! for ingested datasets, the header each column came from. `datasette staging.db -m
//! metadata.json` then shows a browsable, documented workspace.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Db, source_table, stage_store::staged_table};
use crate::error::Result;

/// What crmkit's own tables hold, for readers who never saw the code.
const TABLES: &[(&str, &str)] = &[
    (
        "_batches",
        "One row per ingested file or sheet: path, size, SHA-256, format, encoding, rows read and stored.",
    ),
    (
        "_columns",
        "Each batch's columns: the header as written in the file and the column name it is stored under.",
    ),
    (
        "_issues",
        "What ingest noticed and kept (ragged rows, encoding repairs, Excel errors), by file, row and column.",
    ),
    (
        "_metrics",
        "Headline figures each command leaves for the playbook's evidence checks.",
    ),
    (
        "_answers",
        "Playbook answers; the latest row per item is the answer in force.",
    ),
    (
        "_dedupe_runs",
        "The last duplicate search per dataset: rules, threshold, pairs and clusters found.",
    ),
    (
        "_clusters",
        "Records in duplicate clusters, the proposed survivor and the review status.",
    ),
    (
        "_dedupe_pairs",
        "Compared record pairs with their match probability and per-field evidence.",
    ),
    (
        "_golden",
        "The merged (golden) value per cluster and role, and the record it came from.",
    ),
    (
        "_merges",
        "Every merged-away record and the survivor it merges into.",
    ),
    (
        "_link_runs",
        "Dedupe runs linking several datasets: the datasets in survivor priority order.",
    ),
    (
        "_link_members",
        "Lineage of linked clusters: each member's dataset, row, id, survivor (in any dataset), status and the golden values it gave.",
    ),
    ("_profile_runs", "The last profile run (one row)."),
    (
        "_profile_datasets",
        "Profiled datasets: rows, duplicate rows, candidate keys.",
    ),
    (
        "_profile_columns",
        "Per column: inferred type, fill, blanks, placeholders, distinct values, invalid values.",
    ),
    (
        "_profile_findings",
        "The profile's findings, ranked, with counts and examples.",
    ),
    (
        "_profile_references",
        "References inferred between datasets, with orphan counts.",
    ),
    (
        "_profile_status",
        "Dormant and dead accounts of the last profile, for exclusion rules.",
    ),
    (
        "_rejects",
        "Source rows stage could not load, with the field, value and reason.",
    ),
    (
        "_exclusions",
        "Source rows left out on purpose, with the exclusion rule.",
    ),
    (
        "_stage_runs",
        "Per staged dataset: source rows and how many were staged, merged, rejected, excluded.",
    ),
    (
        "_stage_keys",
        "Every source record key and what a reference to it resolves to.",
    ),
    (
        "_stage_survivors",
        "Clusters whose survivor stage could not load (excluded or rejected): the member that survives in its place, and each member merging into it.",
    ),
    (
        "_load_plan",
        "Import files in load order: object, pass, fields, rows.",
    ),
    (
        "_scores",
        "Go-to-market scores per record: status, RFM, lead score, territory, owner.",
    ),
    (
        "_adoption_snapshots",
        "Adoption snapshots taken after go-live.",
    ),
    (
        "_adoption_metrics",
        "Adoption figures per snapshot and scope (all, rep, team, manager, region).",
    ),
    (
        "_adoption_issues",
        "What reading an adoption export noticed (ragged rows, unclosed quotes), by file, row, line and column, with the value as read.",
    ),
    (
        super::ledger::VIEW,
        "Every source row of every staged dataset and where it went: staged (external_id), merged (survivor_id), rejected (rejected_for) or excluded (excluded_by); `unaccounted` or `double-counted` would be a bug `crmkit reconcile` reports.",
    ),
];

/// The `ledger` view's columns.
const LEDGER_COLUMNS: &[(&str, &str)] = &[
    ("dataset", "The ingested dataset the row belongs to."),
    ("object", "The target object the dataset is staged as."),
    ("_batch", "The ingest batch (file or sheet): see _batches."),
    ("_row", "The row's 1-based number in its file."),
    (
        "outcome",
        "staged, merged, rejected or excluded (unaccounted / double-counted would be a bug).",
    ),
    ("external_id", "The staged record's id, when staged."),
    ("survivor_id", "The record it merges into, when merged."),
    ("rejected_for", "Why stage rejected it (reason and field)."),
    ("excluded_by", "The exclusion rule that left it out."),
];

/// The document Datasette reads with `-m`.
#[derive(Debug, Serialize)]
pub struct Metadata {
    pub title: String,
    pub description: String,
    pub databases: BTreeMap<String, Database>,
}

/// One database's tables.
#[derive(Debug, Serialize)]
pub struct Database {
    pub tables: BTreeMap<String, Table>,
}

/// One table or view.
#[derive(Debug, Serialize)]
pub struct Table {
    pub description: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
}

impl Db {
    /// Describes every table and view the database holds now; `database` is the name
    /// Datasette gives it (the file stem, `staging`).
    pub fn datasette_metadata(&self, database: &str, client: &str) -> Result<Metadata> {
        let present: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name",
            )?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut tables = BTreeMap::new();
        for (name, description) in TABLES {
            if present.iter().any(|p| p == name) {
                tables.insert(
                    name.to_string(),
                    Table {
                        description: description.to_string(),
                        columns: BTreeMap::new(),
                    },
                );
            }
        }
        if let Some(ledger) = tables.get_mut(super::ledger::VIEW) {
            for (column, text) in LEDGER_COLUMNS {
                ledger.columns.insert(column.to_string(), text.to_string());
            }
        }
        for dataset in self.dataset_names()? {
            let table = source_table(&dataset);
            let mut columns = BTreeMap::new();
            columns.insert(
                "_batch".to_string(),
                "The ingest batch (file or sheet) this row came from: see _batches.".to_string(),
            );
            columns.insert(
                "_row".to_string(),
                "The row's 1-based number in its file, header excluded.".to_string(),
            );
            columns.insert(
                "_extra".to_string(),
                "Fields beyond the header's width, as a JSON array (ragged rows).".to_string(),
            );
            let mut stmt = self.conn.prepare(
                "SELECT c.column_name, c.header FROM _columns c JOIN _batches b ON b.batch = c.batch
                 WHERE b.dataset = ?1 ORDER BY c.batch, c.position",
            )?;
            let headers = stmt.query_map([&dataset], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for pair in headers {
                let (column, header) = pair?;
                columns.insert(column, format!("Header in the file: `{header}`"));
            }
            tables.insert(
                table,
                Table {
                    description: format!(
                        "Dataset `{dataset}` exactly as ingested (every value as text, nothing dropped)."
                    ),
                    columns,
                },
            );
        }
        for run in self.stage_runs()? {
            let table = staged_table(&run.object);
            if present.contains(&table) {
                tables.entry(table).or_insert_with(|| Table {
                    description: format!(
                        "Records staged for {} `{}` ({}), one per loaded source record; _dataset/_batch/_row lead back to the source row.",
                        run.target, run.target_object, run.object
                    ),
                    columns: BTreeMap::new(),
                });
            }
        }
        let mut databases = BTreeMap::new();
        databases.insert(database.to_string(), Database { tables });
        Ok(Metadata {
            title: format!("crmkit workspace: {client}"),
            description: "The staging database of a crmkit engagement. `ledger` shows where every source row went.".to_string(),
            databases,
        })
    }
}
