//! `crmkit map`: suggest a field mapping, check one.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::schema::{SchemaFlags, parse_target};
use super::{ExitStatus, GlobalArgs};
use crate::error::Result;
use crate::mapping::workflow::{CheckOptions, SuggestOptions, run_check, run_suggest};
use crate::output;
use crate::workspace::Target;

/// Arguments of `crmkit map`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit map suggest accounts --object account\n  crmkit map check\n  \
crmkit map check mappings/accounts.yaml --json"
)]
pub struct MapArgs {
    #[command(subcommand)]
    pub command: MapCommand,
}

/// The `map` subcommands.
#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Propose a mapping from a dataset to a target object and write it for review
    Suggest(SuggestArgs),
    /// Validate mappings against the schema and the data (exit 1 if a load would be blocked)
    Check(CheckArgs),
}

/// Arguments of `crmkit map suggest`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit map suggest accounts --object account\n  \
crmkit map suggest contacts --object contact --target hubspot --out mappings/contacts-hubspot.yaml"
)]
pub struct SuggestArgs {
    /// The ingested dataset (see `crmkit status`)
    pub dataset: String,
    /// Target object: lead, contact, account, opportunity, user (or the target's own name)
    #[arg(long)]
    pub object: String,
    /// Target CRM (default: the workspace's)
    #[arg(long, value_parser = parse_target)]
    pub target: Option<Target>,
    /// Mapping file to write (default: mappings/DATASET.yaml)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite the mapping file if it exists
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub flags: SchemaFlags,
    /// Print the suggestion as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `crmkit map check`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 nothing blocks a load, 1 blocking issues, 2 usage or input error.\n\n\
Examples:\n  crmkit map check\n  crmkit map check mappings/accounts.yaml --json"
)]
pub struct CheckArgs {
    /// Mapping files (default: every file in mappings/)
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub flags: SchemaFlags,
    /// Print the findings as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs a `map` subcommand.
pub fn run(args: MapArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    match args.command {
        MapCommand::Suggest(a) => {
            let opts = SuggestOptions {
                dataset: a.dataset,
                object: a.object,
                target: a.target,
                schemas: a.flags.source(),
                out: a.out,
                force: a.force,
            };
            let report = run_suggest(&ws, &opts)?;
            if a.json {
                output::json(&report)?;
            } else {
                output::print(&output::mapping::render_suggest(&report))?;
            }
            Ok(ExitStatus::Success)
        }
        MapCommand::Check(a) => {
            let opts = CheckOptions {
                files: a.files,
                schemas: a.flags.source(),
            };
            let reports = run_check(&ws, &opts, &output::Bar::rows())?;
            let blocking: usize = reports.iter().map(|r| r.blocking).sum();
            if a.json {
                output::json(&serde_json::json!({
                    "blocking": blocking,
                    "warnings": reports.iter().map(|r| r.warnings).sum::<usize>(),
                    "mappings": reports,
                }))?;
            } else {
                output::print(&output::mapping::render_check(&reports))?;
            }
            Ok(if blocking > 0 {
                ExitStatus::Findings
            } else {
                ExitStatus::Success
            })
        }
    }
}
