//! `crmkit reconcile` and `crmkit trace`: every source row accounted for, and one row's story.

use clap::Args;

use super::{ExitStatus, GlobalArgs};
use crate::error::Result;
use crate::output;
use crate::stage::reconcile;

/// Arguments of `crmkit reconcile`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  crmkit reconcile --json")]
pub struct ReconcileArgs {
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `crmkit trace`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  crmkit trace contacts 42\n  crmkit trace accounts A-000014")]
pub struct TraceArgs {
    /// The dataset (ingested name)
    pub dataset: String,
    /// The source row number (`_row`: 1 = the first record after the header), or the
    /// record's id (its key, as the export writes it)
    pub row: String,
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
}

/// Prints the equation per dataset; exit 1 when any does not balance.
pub fn run(args: ReconcileArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let db = ws.db()?;
    let r = reconcile::reconcile(&db)?;
    if args.json {
        output::json(&r)?;
    } else {
        output::print(&output::stage::render_reconcile(&r))?;
    }
    Ok(if r.balanced {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}

/// Prints where one source row went.
pub fn run_trace(args: TraceArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let db = ws.db()?;
    let dataset = crate::intake::names::identifier(&args.dataset);
    let t = reconcile::trace(&db, &dataset, &args.row)?;
    if args.json {
        output::json(&t)?;
    } else {
        output::print(&output::stage::render_trace(&t))?;
    }
    Ok(ExitStatus::Success)
}
