//! `crmkit export`: import files per object in load order, and the load plan.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::schema::SchemaFlags;
use super::{ExitStatus, GlobalArgs};
use crate::error::Result;
use crate::output;
use crate::stage::export::{self, Format};

/// Import-file conventions.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Salesforce,
    Hubspot,
    Csv,
}

/// Arguments of `crmkit export`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit export --format salesforce\n  crmkit export --format csv --out /tmp/load"
)]
pub struct ExportArgs {
    /// File conventions: salesforce (Data Loader / Bulk API CSV), hubspot (import CSV), csv
    /// (default: the workspace's target when it is salesforce or hubspot, else csv)
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Folder to write into (default: out/export-FORMAT)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub schema: SchemaFlags,
    /// Print the outcome as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub force: super::ForceFlag,
}

/// Writes the files and prints them in load order.
pub fn run(args: ExportArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let db = ws.db()?;
    let chosen = args.format.unwrap_or(match ws.config.target.name() {
        "salesforce" => FormatArg::Salesforce,
        "hubspot" => FormatArg::Hubspot,
        _ => FormatArg::Csv,
    });
    let (format, name) = match chosen {
        FormatArg::Salesforce => (Format::Salesforce, "salesforce"),
        FormatArg::Hubspot => (Format::Hubspot, "hubspot"),
        FormatArg::Csv => (Format::Csv, "csv"),
    };
    let dir = args
        .out
        .unwrap_or_else(|| ws.out_dir().join(format!("export-{name}")));
    let exported = export::export(
        &ws,
        &db,
        format,
        &dir,
        &args.schema.source(),
        args.force.overwrite(),
        &output::Bar::rows(),
    )?;
    if args.json {
        output::json(&exported)?;
    } else {
        output::print(&output::stage::render_export(&exported))?;
    }
    Ok(ExitStatus::Success)
}
