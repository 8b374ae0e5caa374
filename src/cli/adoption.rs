//! `crmkit adoption`: dated snapshots of the CRM's users, logins, activities, opportunities,
//! stage history and leads, measured for the project lead (issue 12).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::playbook::PlaybooksDir;
use super::{ExitStatus, GlobalArgs};
use crate::adoption::{self, IngestRequest, IngestResult, recognise};
use crate::error::{Error, Result};
use crate::output;
use crate::safe_write::{self, Kind, Overwrite};

/// Arguments of `crmkit adoption`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit adoption ingest users.csv opportunities.csv OpportunityHistory.csv --as-of 2025-06-30\n  \
crmkit adoption list\n  crmkit report adoption"
)]
pub struct AdoptionArgs {
    #[command(subcommand)]
    pub command: AdoptionCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdoptionCommand {
    /// Read exports into a dated snapshot and measure adoption
    Ingest(IngestArgs),
    /// List the snapshots with their headline figures
    List(ListArgs),
}

/// Arguments of `crmkit adoption ingest`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit adoption ingest users.csv logins.csv activities.csv opportunities.csv --as-of 2025-06-30\n  \
crmkit adoption ingest deals.csv --snapshot june --as-of 2025-06-30\n  \
crmkit adoption ingest odd-export.csv --mapping adoption/odd-export.yaml\n\n\
Each file's kind (users, logins, activities, opportunities, stage history, leads, usage summary) \
is recognised from its headers (playbooks/adoption.yaml). A file that is not recognised gets a \
suggested role mapping in the workspace's adoption/ folder: review it and pass it with --mapping."
)]
pub struct IngestArgs {
    /// Exports to read (CSV, TSV, XLSX...)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The date the exports were taken (default: today)
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Snapshot name (default: the as-of date); an existing snapshot gets the files added
    #[arg(long, value_name = "NAME")]
    pub snapshot: Option<String>,
    /// A reviewed role mapping (`adoption/NAME.yaml`) for a file that is not recognised
    #[arg(long, value_name = "FILE")]
    pub mapping: Vec<PathBuf>,
    /// Print the outcome as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
}

/// Arguments of `crmkit adoption list`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  crmkit adoption list\n  crmkit adoption list --json")]
pub struct ListArgs {
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: AdoptionArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    match args.command {
        AdoptionCommand::Ingest(a) => ingest(a, global),
        AdoptionCommand::List(a) => list(a, global),
    }
}

/// Parses `--as-of`.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        Error::Usage(format!(
            "`--as-of {text}` is not a date: write it as YYYY-MM-DD, e.g. 2025-06-30"
        ))
    })
}

fn ingest(args: IngestArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let as_of = match &args.as_of {
        Some(t) => parse_date(t)?,
        None => chrono::Utc::now().date_naive(),
    };
    let mappings = args
        .mapping
        .iter()
        .map(|p| recognise::read_mapping(p).map(|m| (p.clone(), m)))
        .collect::<Result<Vec<_>>>()?;
    let playbooks = args.playbooks.resolve(Some(&ws));
    let mut db = ws.db()?;
    let result = adoption::ingest(
        &mut db,
        &IngestRequest {
            files: &args.files,
            as_of,
            snapshot: args.snapshot.clone(),
            mappings: &mappings,
            playbooks: playbooks.as_deref(),
        },
        &output::Bar::bytes(),
    )?;
    match result {
        IngestResult::Done {
            snapshot,
            as_of,
            files,
            analysis,
            previous,
        } => {
            if args.json {
                output::json(&serde_json::json!({
                    "snapshot": snapshot,
                    "as_of": as_of,
                    "previous": previous,
                    "files": files,
                    "figures": analysis.figures,
                    "not_measured": analysis.not_measured,
                }))?;
            } else {
                output::print(&output::adoption::ingested(
                    &snapshot,
                    &as_of,
                    &files,
                    &analysis,
                    previous.as_deref(),
                ))?;
            }
            Ok(ExitStatus::Success)
        }
        IngestResult::Unrecognised(files) => {
            let dir = ws.root.join("adoption");
            let mut lines = Vec::new();
            for f in &files {
                let stem = f
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "export".into());
                let name = Some(crate::intake::names::identifier(&stem))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "export".into());
                let path = dir.join(format!("{name}.yaml"));
                if path.exists() {
                    lines.push(format!(
                        "  `{}`: headers {}; a mapping is waiting at {} (kept as it is): review it, then add `--mapping {}`",
                        f.path.display(),
                        f.headers.join(", "),
                        path.display(),
                        path.display()
                    ));
                    continue;
                }
                safe_write::create_dir(&dir)?;
                safe_write::write(
                    &path,
                    Kind::Mapping,
                    Overwrite::OwnOutput,
                    f.suggestion.as_bytes(),
                )?;
                lines.push(format!(
                    "  `{}`: headers {}; suggested role mapping written to {}: review it, then add `--mapping {}`",
                    f.path.display(),
                    f.headers.join(", "),
                    path.display(),
                    path.display()
                ));
            }
            Err(Error::Input(format!(
                "{} not recognised as an adoption export (users, logins, activities, opportunities, stage history, leads, usage summary); nothing was stored:\n{}",
                crate::numbers::plural(files.len() as u64, "file is", "files are"),
                lines.join("\n")
            )))
        }
    }
}

fn list(args: ListArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let db = ws.db()?;
    let mut rows = Vec::new();
    for s in db.adoption_snapshots()? {
        let a = adoption::stored_analysis(&db, &s.snapshot)?;
        rows.push((s, a));
    }
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(s, a)| {
                serde_json::json!({
                    "snapshot": s.snapshot,
                    "as_of": s.as_of,
                    "ingested_at": s.ingested_at,
                    "files": a.as_ref().map(|a| a.sources.len()),
                    "figures": a.as_ref().map(|a| &a.figures),
                })
            })
            .collect();
        output::json(&list)?;
    } else {
        output::print(&output::adoption::listed(&rows))?;
    }
    Ok(ExitStatus::Success)
}
