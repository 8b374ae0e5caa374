//! `crmkit assess`: readiness scores per dimension and overall, and the success criteria.

use clap::Args;

use super::playbook::PlaybooksDir;
use super::{ExitStatus, GlobalArgs};
use crate::error::{Error, Result};
use crate::output;
use crate::playbook::Facts;
use crate::playbook::scoring::assess;

/// Arguments of `crmkit assess`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit assess\n  crmkit assess --explain\n  crmkit assess --json --playbook implementation\n  \
crmkit assess --fail-under 70"
)]
pub struct AssessArgs {
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
    /// Show, per item, the points it gave, cost or left unknown, and why
    #[arg(long)]
    pub explain: bool,
    /// Score only this playbook (repeatable; default: all)
    #[arg(long, value_name = "NAME")]
    pub playbook: Vec<String>,
    /// Exit with 1 when the overall score is below N
    #[arg(long, value_name = "N")]
    pub fail_under: Option<f64>,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
}

/// Scores the engagement and prints the result.
pub fn run(args: AssessArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    if let Some(n) = args.fail_under
        && !(0.0..=100.0).contains(&n)
    {
        return Err(Error::Usage(format!(
            "--fail-under takes a score from 0 to 100, not {n}"
        )));
    }
    let ws = global.workspace()?;
    let library = args.playbooks.load(Some(&ws))?;
    for name in &args.playbook {
        library.get(name)?;
    }
    let db = ws.db()?;
    let facts = Facts::from_db(&db)?;
    let a = assess(&library, &facts, &args.playbook);
    if args.json {
        output::json(&a)?;
    } else {
        output::print(&output::playbook::render_assessment(
            &ws.config.client,
            &a,
            args.explain,
        ))?;
    }
    Ok(match args.fail_under {
        Some(n) if a.overall < n => ExitStatus::Findings,
        _ => ExitStatus::Success,
    })
}
