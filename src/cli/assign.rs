//! `crmkit assign`: accounts to territories and reps by the rules in `playbooks/rules.yaml`,
//! rep balance, and a rebalance that moves the fewest accounts.

use std::collections::HashMap;

use clap::Args;

use super::playbook::PlaybooksDir;
use super::score::{Common, load};
use super::{ExitStatus, GlobalArgs};
use crate::error::{Error, Result};
use crate::mapping::file::MappingFile;
use crate::output;
use crate::rules::{self, territory};

/// Arguments of `crmkit assign`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit assign --as-of 2025-06-30 --dry-run\n  \
crmkit assign --rebalance --json"
)]
pub struct AssignArgs {
    /// Show the assignment without storing it
    #[arg(long)]
    pub dry_run: bool,
    /// Keep current owners and move the fewest accounts to bring every rep within tolerance
    #[arg(long)]
    pub rebalance: bool,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
}

/// Runs `crmkit assign`.
pub fn run(args: AssignArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let l = load(global, &args.playbooks)?;
    let as_of = args
        .common
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let (facts, _) = rules::status::classify(&l.src, &l.rules, as_of)?;
    let rfm_opts = rules::rfm::Options {
        as_of: Some(as_of),
        ..Default::default()
    };
    // Territories can be assigned without purchases; RFM value is then zero.
    let busy = output::Spinner::new("fitting the purchase model for expected values");
    let rfm_value: HashMap<String, f64> = rules::rfm::run(&l.src, &l.names, &l.rules, &rfm_opts)
        .map(|r| {
            r.accounts
                .into_iter()
                .map(|a| (a.account, a.expected_value.unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default();
    let opts = territory::Options {
        rebalance: args.rebalance,
        owner_map: territory::owner_map(&mappings(&l.ws.root.join("mappings"))?),
    };
    drop(busy);
    let report = {
        let _busy = output::Spinner::new("assigning territories");
        territory::run(&l.src, &l.rules, &facts, &rfm_value, &opts)?
    };
    if !args.dry_run {
        let dataset = l.src.accounts(&l.rules)?.dataset.clone();
        rules::store::save_assignments(&mut l.ws.db()?, &dataset, &report)?;
    }
    if args.common.json {
        output::json(&report)?;
    } else {
        output::print(&output::score::assign(&report, args.dry_run))?;
    }
    Ok(ExitStatus::Success)
}

/// Every mapping file of the workspace.
fn mappings(dir: &std::path::Path) -> Result<Vec<MappingFile>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in entries {
        let path = e.map_err(|e| Error::io("read", dir, e))?.path();
        if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(MappingFile::load(&path)?);
        }
    }
    Ok(out)
}
