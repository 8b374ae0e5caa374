//! `crmkit status`: what the workspace holds.

use clap::Args;

use super::{ExitStatus, GlobalArgs};
use crate::error::Result;
use crate::output;

/// Arguments of `crmkit status`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  crmkit status --json")]
pub struct StatusArgs {
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
}

/// Lists datasets with rows, columns and ingest issues.
pub fn run(args: StatusArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let db = ws.db()?;
    let datasets = db.dataset_summaries()?;
    if args.json {
        output::json(&serde_json::json!({
            "workspace": ws.root.display().to_string(),
            "client": ws.config.client,
            "target": ws.config.target,
            "datasets": datasets,
        }))?;
    } else {
        output::print(&output::ingest::render_status(&ws.config, &datasets))?;
    }
    Ok(ExitStatus::Success)
}
