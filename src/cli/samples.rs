//! `crmkit samples`: generate messy legacy-CRM exports with a truth file.

use std::path::PathBuf;

use clap::Args;

use super::ExitStatus;
use crate::error::Result;
use crate::output::{self, Bar};
use crate::samples::{DEFAULT_ACCOUNTS, DEFAULT_SEED, SamplesOptions};

/// Arguments of `crmkit samples`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit samples\n  crmkit samples --out bench --accounts 1000000 --seed 7 --no-xlsx"
)]
pub struct SamplesArgs {
    /// Folder to write into: created if missing; refused if it holds a crmkit.yaml, or other
    /// files and no truth.json of an earlier run
    #[arg(long, value_name = "DIR", default_value = "samples")]
    pub out: PathBuf,
    /// Number of accounts; contacts, opportunities, activities and users scale with it
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ACCOUNTS)]
    pub accounts: u32,
    /// Random seed: the same seed and N give byte-identical files
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Also write accounts.xlsx (by default only when N <= 200,000)
    #[arg(long, conflicts_with = "no_xlsx")]
    pub xlsx: bool,
    /// Never write accounts.xlsx
    #[arg(long)]
    pub no_xlsx: bool,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

/// Generates the files and prints what was written and injected.
pub fn run(args: SamplesArgs) -> Result<ExitStatus> {
    let options = SamplesOptions {
        out: args.out,
        accounts: args.accounts,
        seed: args.seed,
        xlsx: match (args.xlsx, args.no_xlsx) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    };
    let summary = crate::samples::generate(&options, &Bar::rows())?;
    if args.json {
        output::json(&summary)?;
    } else {
        output::print(&output::samples::render(&summary))?;
    }
    Ok(ExitStatus::Success)
}
