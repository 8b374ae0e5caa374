//! `crmkit profile`: data quality of ingested datasets, or a quick look at files.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{ExitStatus, GlobalArgs};
use crate::error::{Error, Result};
use crate::output::{self, Bar};
use crate::profile::{self, Options};

/// Staleness window when neither the flag nor crmkit.yaml sets one.
const DEFAULT_STALE_DAYS: u32 = 730;

/// Arguments of `crmkit profile`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit profile\n  crmkit profile accounts contacts --json\n  \
crmkit profile exports/accounts.csv --as-of 2025-06-30 --stale-after 365"
)]
pub struct ProfileArgs {
    /// Datasets to profile (default: all ingested), or files to look at without a workspace
    #[arg(value_name = "DATASET|FILE")]
    pub targets: Vec<String>,
    /// Print the profile as JSON (the documented document)
    #[arg(long)]
    pub json: bool,
    /// Date staleness and future dates are judged against, YYYY-MM-DD (default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Days without activity after which a record is stale (default: crmkit.yaml, else 730)
    #[arg(long, value_name = "DAYS")]
    pub stale_after: Option<u32>,
    /// Workbook sheet to read, when profiling a workbook file (default: the first)
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub playbooks: super::playbook::PlaybooksDir,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date in the form YYYY-MM-DD (e.g. 2025-06-30)"))
}

/// Profiles files directly, or the workspace's datasets (and stores the result there).
pub fn run(args: ProfileArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let files: Vec<PathBuf> = args
        .targets
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .collect();
    let (profile, stored) = if !files.is_empty() {
        if files.len() != args.targets.len() {
            return Err(Error::Usage(
                "give either files or dataset names, not both (names that are not files are read as datasets)".into(),
            ));
        }
        let mut options = Options::new(as_of, args.stale_after.unwrap_or(DEFAULT_STALE_DAYS));
        options.rules = Some(crate::rules::Rules::load(
            args.playbooks.resolve(None).as_deref(),
        )?);
        let inputs = profile::file_inputs(&files, args.sheet.as_deref())?;
        (profile::run(inputs, &options, &Bar::bytes())?, false)
    } else {
        if args.sheet.is_some() {
            return Err(Error::Usage(
                "`--sheet` applies when profiling a workbook file; ingested datasets are already one sheet each".into(),
            ));
        }
        let ws = global.workspace()?;
        let stale_after = args
            .stale_after
            .unwrap_or(ws.config.settings.stale_after_days);
        let mut options = Options::new(as_of, stale_after).with_config(&ws.config)?;
        options.rules = Some(crate::rules::Rules::load(
            args.playbooks.resolve(Some(&ws)).as_deref(),
        )?);
        let mut db = ws.db()?;
        let profile = {
            let inputs = profile::workspace_inputs(&db, &args.targets)?;
            profile::run(inputs, &options, &output::Bar::rows())?
        };
        profile::store(&mut db, &profile)?;
        (profile, true)
    };
    if args.json {
        output::json(&profile)?;
    } else {
        output::print(&output::profile::render(&profile, stored))?;
    }
    Ok(ExitStatus::Success)
}
