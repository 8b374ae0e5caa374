//! `crmkit ingest`: load exports into the workspace.

use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, GlobalArgs};
use crate::error::{Error, Result};
use crate::ingest::{IngestOptions, SheetChoice};
use crate::intake::{TextOptions, encoding_for_label};
use crate::output::{self, Bar};

/// Arguments of `crmkit ingest`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit ingest exports/accounts.csv exports/contacts.csv\n  \
crmkit ingest billing.xlsx --all-sheets\n  crmkit ingest legacy.txt --as accounts --delimiter ';' --encoding windows-1252"
)]
pub struct IngestArgs {
    /// Files to load (default: the `sources` listed in crmkit.yaml)
    pub files: Vec<PathBuf>,
    /// Dataset name (default: the file stem); the table is `src_NAME`
    #[arg(long = "as", value_name = "NAME")]
    pub name: Option<String>,
    /// Workbook sheet to load (default: the first)
    #[arg(long, conflicts_with = "all_sheets")]
    pub sheet: Option<String>,
    /// Load every sheet of a workbook, one dataset each
    #[arg(long)]
    pub all_sheets: bool,
    /// Field delimiter: a character, or `tab` (default: detected)
    #[arg(long, value_name = "C", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Text encoding, e.g. utf-8, windows-1252, utf-16le (default: detected)
    #[arg(long, value_name = "E")]
    pub encoding: Option<String>,
    /// Replace earlier loads: of the same content, and of earlier versions of the same path
    /// (and sheet) in the same dataset, in one transaction (default: an updated export of a
    /// path is added beside the earlier one as a new batch)
    #[arg(long)]
    pub replace: bool,
    /// Print the outcome as JSON
    #[arg(long)]
    pub json: bool,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "`{s}` is not one ASCII character (use e.g. ',' ';' '|' or tab)"
        )),
    }
}

/// Ingests, then prints one line per file and the issue counts.
pub fn run(args: IngestArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let files = if args.files.is_empty() {
        ws.config.sources.iter().map(|p| ws.root.join(p)).collect()
    } else {
        args.files
    };
    if files.is_empty() {
        return Err(Error::Usage(
            "no files given, and crmkit.yaml lists no `sources`\n  hint: crmkit ingest FILE..."
                .into(),
        ));
    }
    let options = IngestOptions {
        files,
        name: args.name,
        sheets: match (args.sheet, args.all_sheets) {
            (Some(name), _) => SheetChoice::Named(name),
            (None, true) => SheetChoice::All,
            (None, false) => SheetChoice::First,
        },
        text: TextOptions {
            delimiter: args.delimiter,
            encoding: args
                .encoding
                .as_deref()
                .map(encoding_for_label)
                .transpose()?,
        },
        replace: args.replace,
    };
    let mut db = ws.db()?;
    let outcomes = crate::ingest::ingest(&mut db, &options, &Bar::bytes())?;
    output::datasette::write(&ws, &db)?;
    if args.json {
        output::json(&outcomes)?;
    } else {
        output::print(&output::ingest::render(&outcomes))?;
    }
    Ok(ExitStatus::Success)
}
