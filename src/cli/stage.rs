//! `crmkit stage`: build target-shaped records from the mappings, accounting for every row.

use chrono::NaiveDate;
use clap::Args;

use super::schema::SchemaFlags;
use super::{ExitStatus, GlobalArgs};
use crate::error::Result;
use crate::output;
use crate::stage::{self, Options};

/// Arguments of `crmkit stage`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  crmkit stage\n  crmkit stage --object contact --json")]
pub struct StageArgs {
    /// Stage only this object (references to others use their last staged keys)
    #[arg(long, value_name = "OBJECT")]
    pub object: Option<String>,
    /// Date that `older_than_days` exclusion rules count back from (default: today)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    #[command(flatten)]
    pub schema: SchemaFlags,
    /// Print the outcome as JSON
    #[arg(long)]
    pub json: bool,
}

/// Parses `--as-of`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date as YYYY-MM-DD"))
}

/// Stages and prints per dataset where the rows went, then the load order.
pub fn run(args: StageArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let mut db = ws.db()?;
    let options = Options {
        object: args.object,
        schemas: args.schema.source(),
        as_of: args
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
    };
    let outcome = stage::run(&ws, &mut db, &options, &output::Bar::rows())?;
    output::datasette::write(&ws, &db)?;
    if args.json {
        output::json(&outcome)?;
    } else {
        output::print(&output::stage::render(&outcome))?;
    }
    Ok(ExitStatus::Success)
}
