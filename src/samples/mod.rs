//! `crmkit samples`: realistic, messy legacy-CRM exports generated deterministically from a
//! seed, with a truth file listing every injected problem (contract: samples-contract.md).
//!
//! Same seed and size give byte-identical files on every machine: all randomness comes from
//! ChaCha8 streams drawn in a fixed order, no map is iterated while writing, and no clock is
//! read (the reference date is [`AS_OF`]).

pub mod adoption;
pub mod bundled;
mod company;
mod generate;
mod people;
mod pick;
mod plan;
pub mod rules;
mod scramble;
mod sink;
#[cfg(test)]
mod tests;
pub mod truth;
mod words;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

pub use truth::Truth;

use crate::error::{Error, Result};
use crate::progress::Progress;

/// Default `--accounts`.
pub const DEFAULT_ACCOUNTS: u32 = 500;
/// Default `--seed`.
pub const DEFAULT_SEED: u64 = 42;
/// Above this many accounts the workbook is skipped unless `--xlsx` asks for it.
pub const XLSX_AUTO_LIMIT: u32 = 200_000;
/// A worksheet holds 1,048,576 rows, one of them the header.
const XLSX_MAX_ROWS: u32 = 1_048_575;
/// The reference date for everything time-related: fixed, so output never depends on today.
pub const AS_OF: (i32, u32, u32) = (2025, 6, 30);
/// An account with no activity for this many days before [`AS_OF`] is stale.
pub const STALE_AFTER_DAYS: i64 = 730;
/// The truth file's name.
pub const TRUTH_FILE: &str = "truth.json";

/// [`AS_OF`] as a date.
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).expect("AS_OF is a valid date")
}

/// What to generate; built by the CLI from flags.
#[derive(Debug, Clone)]
pub struct SamplesOptions {
    pub out: PathBuf,
    pub accounts: u32,
    pub seed: u64,
    /// Write accounts.xlsx: `None` = only when `accounts <= XLSX_AUTO_LIMIT`.
    pub xlsx: Option<bool>,
}

/// One file written.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub rows: u64,
    pub encoding: String,
}

/// How many of one kind of problem were injected (named as in truth.json).
#[derive(Debug, Clone, Serialize)]
pub struct ProblemCount {
    pub problem: String,
    pub count: u64,
}

/// The outcome of a generation.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub out: String,
    pub seed: u64,
    pub accounts: u32,
    pub files: Vec<FileSummary>,
    pub problems: Vec<ProblemCount>,
}

/// Generates the sample files and truth.json into `options.out`.
pub fn generate(options: &SamplesOptions, progress: &dyn Progress) -> Result<Summary> {
    let words = words::Words::embedded()?;
    let capacity = company::NameSpace::capacity(&words);
    if options.accounts == 0 || u64::from(options.accounts) > capacity {
        return Err(Error::Usage(format!(
            "`--accounts {}` is out of range: give 1 to {capacity}",
            options.accounts
        )));
    }
    let xlsx = options.xlsx.unwrap_or(options.accounts <= XLSX_AUTO_LIMIT);
    if xlsx && options.accounts > XLSX_MAX_ROWS {
        return Err(Error::Usage(format!(
            "a worksheet holds at most {XLSX_MAX_ROWS} rows, fewer than {} accounts\n  hint: drop `--xlsx`",
            options.accounts
        )));
    }
    let dir = &options.out;
    if dir.join(crate::workspace::CONFIG_FILE).exists() {
        return Err(Error::Usage(format!(
            "`{}` is a crmkit workspace (it holds {}); refusing to write sample files into it\n  hint: choose another folder, e.g. `--out samples`",
            dir.display(),
            crate::workspace::CONFIG_FILE
        )));
    }
    check_folder(dir)?;
    crate::safe_write::create_dir(dir)?;
    let setup = generate::Setup {
        words: &words,
        dir,
        seed: options.seed,
        accounts: options.accounts,
        xlsx,
        as_of: as_of(),
        stale_after_days: STALE_AFTER_DAYS,
    };
    let output = generate::run(&setup, progress)?;
    if !xlsx {
        // A workbook left by an earlier run would not match the new truth.
        let stale = dir.join(truth::ACCOUNTS_XLSX);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| Error::io("remove", &stale, e))?;
        }
    }
    let files: BTreeMap<String, truth::FileTruth> = output
        .rows
        .iter()
        .map(|(name, rows, enc)| {
            (
                name.to_string(),
                truth::FileTruth {
                    rows: *rows,
                    encoding: enc.label().to_string(),
                },
            )
        })
        .collect();
    let mut truth = output.recorder.finish(
        options.seed,
        files,
        output.duplicate_clusters,
        output.contact_duplicate_clusters,
    )?;
    truth.adoption = Some(adoption::write(dir, options.seed, as_of())?);
    write_truth(&dir.join(TRUTH_FILE), &truth)?;
    Ok(summarise(options, &truth))
}

/// Writes truth.json, pretty-printed and streamed (it is tens of MB at a million accounts),
/// through a temporary file.
fn write_truth(path: &std::path::Path, truth: &Truth) -> Result<()> {
    use crate::safe_write::{AtomicFile, Kind, Overwrite};
    use std::io::Write;
    let mut out = AtomicFile::create(path, Kind::Samples, Overwrite::Force)?;
    serde_json::to_writer_pretty(&mut out, truth)
        .map_err(|e| Error::Other(format!("cannot write `{}`: {e}", path.display())))?;
    out.write_all(b"\n")
        .map_err(|e| Error::io("write", path, e))?;
    out.commit()
}

/// Refuses a folder that holds files but no truth.json of an earlier run: they may be a
/// client's real exports, and the samples would overwrite those of the same names.
fn check_folder(dir: &std::path::Path) -> Result<()> {
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    if entries.next().is_none() || dir.join(TRUTH_FILE).is_file() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "`{}` holds files and no {TRUTH_FILE} from an earlier `crmkit samples`; refusing to write sample files among them (they could be real exports of the same names)\n  hint: choose an empty or new folder with `--out DIR`",
        dir.display()
    )))
}

/// The counts printed after a run, in truth.json's order.
fn summarise(options: &SamplesOptions, t: &Truth) -> Summary {
    let n = |v: usize| v as u64;
    let problems = [
        ("duplicate_clusters", n(t.duplicate_clusters.len())),
        (
            "contact_duplicate_clusters",
            n(t.contact_duplicate_clusters.len()),
        ),
        ("invalid_emails", n(t.invalid_emails.len())),
        ("invalid_phones", n(t.invalid_phones.len())),
        ("orphans", n(t.orphans.len())),
        ("self_parents", n(t.self_parents.len())),
        ("missing_parents", n(t.missing_parents.len())),
        ("cycles", n(t.cycles.iter().map(Vec::len).sum())),
        ("stale_accounts", n(t.stale_accounts.len())),
        ("dead_accounts", n(t.dead_accounts.len())),
        ("mixed_date_formats", n(t.mixed_date_formats.len())),
        ("nonstandard_numbers", n(t.nonstandard_numbers.len())),
        ("blank_required", n(t.blank_required.len())),
        ("placeholders", n(t.placeholders.len())),
    ]
    .into_iter()
    .map(|(problem, count)| ProblemCount {
        problem: problem.to_string(),
        count,
    })
    .collect();
    Summary {
        out: options.out.display().to_string(),
        seed: options.seed,
        accounts: options.accounts,
        files: t
            .files
            .iter()
            .map(|(file, f)| FileSummary {
                file: file.clone(),
                rows: f.rows,
                encoding: f.encoding.clone(),
            })
            .collect(),
        problems,
    }
}
