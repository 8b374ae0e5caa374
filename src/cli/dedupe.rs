//! `crmkit dedupe`: find duplicate records, propose survivors, and apply a person's review.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{ExitStatus, GlobalArgs};
use crate::dedupe::{Rules, review, run};
use crate::error::Result;
use crate::output;
use crate::output::sheet::SheetFormat;
use crate::safe_write;

/// Arguments of `crmkit dedupe`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  crmkit dedupe accounts --object account --id account_id --pairs out/pairs.csv\n  \
crmkit dedupe contacts --object contact --field email=work_email --format xlsx\n  \
crmkit dedupe apply out/dedupe-review-accounts.csv"
)]
pub struct DedupeArgs {
    #[command(subcommand)]
    pub action: Option<DedupeAction>,
    /// Dataset to deduplicate (an ingested `src_` table without the prefix)
    #[arg(required = true)]
    pub dataset: Option<String>,
    /// Kind of record: account, contact or lead
    #[arg(long, required = true)]
    pub object: Option<String>,
    /// Column with the record id (default: the source row number)
    #[arg(long, value_name = "COLUMN")]
    pub id: Option<String>,
    /// Match probability at which two records are linked
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub threshold: f64,
    /// Use COLUMN for ROLE (name, domain, email, phone, street, city, postcode, country, first_name, last_name)
    #[arg(long = "field", value_name = "ROLE=COLUMN", value_parser = parse_field)]
    pub fields: Vec<(String, String)>,
    /// Write every pair of records that share a cluster, with per-field scores, to this CSV
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
    /// Where to write the review sheet (default: out/dedupe-review-DATASET.csv or .xlsx);
    /// a path ending in .xlsx is written as a workbook
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,
    /// Format of the default review sheet: csv (formula-like cells escaped with a leading ')
    /// or xlsx (every cell a string)
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SheetArg,
    /// Dedupe rules to use instead of the built-in playbooks/dedupe.yaml
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub force: super::ForceFlag,
}

/// File formats of the review sheet.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SheetArg {
    Csv,
    Xlsx,
}

/// `crmkit dedupe` subcommands.
#[derive(Debug, Subcommand)]
pub enum DedupeAction {
    /// Apply an edited review sheet: accept/reject clusters, change survivors
    #[command(after_help = "Example:\n  crmkit dedupe apply out/dedupe-review-accounts.csv")]
    Apply {
        /// The review sheet (CSV or XLSX) written by `crmkit dedupe` and edited by a person
        file: PathBuf,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

fn parse_field(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((role, column)) if !role.trim().is_empty() && !column.trim().is_empty() => {
            Ok((role.trim().to_string(), column.trim().to_string()))
        }
        _ => Err(format!("`{s}` is not ROLE=COLUMN (e.g. name=company_name)")),
    }
}

/// Runs dedupe or applies a review.
pub fn run(args: DedupeArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let mut db = ws.db()?;
    if let Some(DedupeAction::Apply { file, json }) = args.action {
        let applied = review::apply(&mut db, &file)?;
        // Its decisions are in the database now, so the next run may write a fresh sheet.
        safe_write::adopt(&file, safe_write::Kind::DedupeReview)?;
        if json {
            output::json(&applied)?;
        } else {
            output::print(&output::dedupe::render_applied(&applied))?;
        }
        return Ok(ExitStatus::Success);
    }
    let rules = match &args.rules {
        Some(path) => Rules::load(path)?,
        None => Rules::builtin(),
    };
    let dataset = crate::intake::names::identifier(&args.dataset.unwrap_or_default());
    let mapped = run::mapped_roles(&ws, &db, &rules, &dataset)?;
    let options = run::Options {
        dataset,
        object: args.object.unwrap_or_default().to_lowercase(),
        id_column: args.id,
        threshold: args.threshold,
        fields: args.fields,
        mapped,
    };
    let report = run::run(&mut db, &rules, &options, &output::Bar::rows())?;
    let format = match args.format {
        SheetArg::Csv => SheetFormat::Csv,
        SheetArg::Xlsx => SheetFormat::Xlsx,
    };
    let review_path = args.review.unwrap_or_else(|| {
        ws.out_dir().join(format!(
            "dedupe-review-{}.{}",
            report.dataset,
            format.extension()
        ))
    });
    // Both are checked first, so a refused pairs file does not follow a written review sheet.
    let overwrite = args.force.overwrite();
    safe_write::check(&review_path, safe_write::Kind::DedupeReview, overwrite)?;
    if let Some(path) = &args.pairs {
        safe_write::check(path, safe_write::Kind::DedupePairs, overwrite)?;
    }
    output::dedupe::write_review(&review_path, &report, overwrite)?;
    if let Some(path) = &args.pairs {
        output::dedupe::write_pairs(path, &report, overwrite)?;
    }
    if args.json {
        output::json(&report)?;
    } else {
        output::print(&output::dedupe::render(
            &report,
            &review_path,
            args.pairs.as_deref(),
        ))?;
    }
    Ok(ExitStatus::Success)
}
