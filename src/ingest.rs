//! Ingest: read client files with `intake` and store them losslessly with `staging`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::intake::{self, FileKind, Record, RowSource, Stamp, TextOptions, names};
use crate::progress::Progress;
use crate::staging::{BatchMeta, Db};

/// The `_issues` kind of a stored row that is no record (a report's total or footer row, a
/// blank row at the end): stage excludes such rows under this name.
pub const NON_RECORD: &str = "non_record";

/// Which sheets of a workbook to load.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum SheetChoice {
    /// The first sheet.
    #[default]
    First,
    /// The named sheet.
    Named(String),
    /// Every sheet, one dataset each.
    All,
}

/// What to ingest and how; built by the CLI from flags.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub files: Vec<PathBuf>,
    /// Dataset name to use instead of the file stem (one file only).
    pub name: Option<String>,
    pub sheets: SheetChoice,
    pub text: TextOptions,
    /// Replace what an earlier ingest of the same content, or of the same path (and sheet)
    /// into the same dataset, stored.
    pub replace: bool,
}

/// What happened to one file or sheet.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Loaded for the first time.
    Loaded,
    /// Already ingested (same content); nothing done.
    Unchanged,
    /// Loaded in place of earlier batches (same content, or an earlier version of the path).
    Replaced,
}

/// The outcome for one file or sheet.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub file: String,
    pub sheet: Option<String>,
    pub dataset: String,
    pub status: Status,
    pub batch: i64,
    pub format: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub columns: usize,
    pub rows_read: u64,
    pub rows_stored: u64,
    /// Issues by kind (ragged_row, invalid_encoding, excel_error, ...).
    pub issues: BTreeMap<String, u64>,
    /// Batches from the same path (and sheet) in this dataset: removed when `replaced`,
    /// otherwise still there beside this one.
    pub earlier: Vec<i64>,
}

/// Ingests every file in `options` into `db`; each file or sheet is one transaction.
pub fn ingest(
    db: &mut Db,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<Vec<Outcome>> {
    if options.name.is_some() && options.files.len() > 1 {
        return Err(Error::Usage(
            "`--as` names one dataset, but several files were given; ingest them one at a time"
                .into(),
        ));
    }
    // Every file is looked at before any is stored: one PDF among five exports stops the
    // command with nothing half-ingested.
    let kinds = options
        .files
        .iter()
        .map(|path| intake::classify_as(path, options.text.encoding))
        .collect::<Result<Vec<_>>>()?;
    let mut outcomes = Vec::new();
    let of = options.files.len();
    for (i, (path, kind)) in options.files.iter().zip(kinds).enumerate() {
        let numbered = crate::progress::Numbered::new(progress, i + 1, of);
        let progress: &dyn Progress = &numbered;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match kind {
            FileKind::Text => {
                if options.sheets != SheetChoice::First {
                    return Err(Error::Usage(format!(
                        "`{}` is a text file: `--sheet` and `--all-sheets` apply to workbooks only",
                        path.display()
                    )));
                }
                let stamp = Stamp::of(path)?;
                // A first hash says whether this content is already stored, without parsing
                // it; the source hashes again what it reads, and the two must agree.
                let sha256 = intake::sha256_file(path)?;
                let file = FileRef {
                    path,
                    sha256: &sha256,
                    stamp,
                };
                let dataset = dataset_name(options.name.as_deref(), &stem)?;
                let source = intake::DelimitedSource::open(path, options.text)?;
                outcomes.push(store(
                    db,
                    &file,
                    &dataset,
                    Box::new(source),
                    options,
                    progress,
                )?);
            }
            FileKind::Workbook => {
                // Read once, hashed as read: every sheet comes from these same bytes.
                let book = intake::WorkbookFile::read(path)?;
                let file = FileRef {
                    path,
                    sha256: &book.digest().sha256,
                    stamp: book.stamp,
                };
                let sheets: Vec<Option<String>> = match &options.sheets {
                    SheetChoice::First => vec![None],
                    SheetChoice::Named(name) => vec![Some(name.clone())],
                    SheetChoice::All => book.sheet_names()?.into_iter().map(Some).collect(),
                };
                // With several sheets each gets its own dataset, named stem_sheet; sheets
                // whose names meet after snake_casing (`Sales Q1`, `sales_q1`) are numbered
                // apart, never merged.
                let datasets = if sheets.len() > 1 {
                    let base = options.name.as_deref().unwrap_or(&stem);
                    let names: Vec<&str> = sheets.iter().flatten().map(String::as_str).collect();
                    names::sheet_datasets(base, &names)
                } else {
                    vec![dataset_name(options.name.as_deref(), &stem)?]
                };
                for (sheet, dataset) in sheets.iter().zip(&datasets) {
                    let source = book.sheet(sheet.as_deref())?;
                    outcomes.push(store(
                        db,
                        &file,
                        dataset,
                        Box::new(source),
                        options,
                        progress,
                    )?);
                }
            }
        }
    }
    record_metrics(db)?;
    Ok(outcomes)
}

/// Leaves the workspace-wide ingest figures for the playbook's evidence checks.
fn record_metrics(db: &Db) -> Result<()> {
    let datasets = db.dataset_summaries()?;
    let rows: i64 = datasets.iter().map(|d| d.rows).sum();
    let issues: i64 = datasets
        .iter()
        .flat_map(|d| &d.issues)
        .map(|i| i.count)
        .sum();
    let detail = format!(
        "{} in {}",
        crate::numbers::plural(rows.max(0) as u64, "row", "rows"),
        crate::numbers::plural(datasets.len() as u64, "dataset", "datasets")
    );
    db.put_metric(
        "ingest.datasets",
        datasets.len() as f64,
        Some(&detail),
        "ingest",
    )?;
    db.put_metric("ingest.rows", rows as f64, Some(&detail), "ingest")?;
    let rate = if rows > 0 {
        issues as f64 / rows as f64
    } else {
        0.0
    };
    let detail = format!(
        "{} in {}",
        crate::numbers::plural(issues.max(0) as u64, "ingest issue", "ingest issues"),
        crate::numbers::plural(rows.max(0) as u64, "row", "rows")
    );
    db.put_metric("ingest.issue_rate", rate, Some(&detail), "ingest")
}

struct FileRef<'a> {
    path: &'a Path,
    /// The content hash taken before the rows are read.
    sha256: &'a str,
    /// Size and modification time before the rows are read.
    stamp: Stamp,
}

fn dataset_name(given: Option<&str>, stem: &str) -> Result<String> {
    match given {
        Some(name) => {
            let id = names::identifier(name);
            if id.is_empty() {
                Err(Error::Usage(format!(
                    "`--as {name}` leaves no usable name; use letters, digits and underscores"
                )))
            } else {
                Ok(id)
            }
        }
        None => Ok(names::dataset(stem, None)),
    }
}

/// Streams one source into its table, or skips it when its content is already stored.
fn store(
    db: &mut Db,
    file: &FileRef<'_>,
    dataset: &str,
    mut source: Box<dyn RowSource>,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let info = source.info().clone();
    let existing = db.batch_by_content(file.sha256, info.sheet.as_deref())?;
    let columns = names::columns(&info.headers);
    let earlier = db.batches_of_path(dataset, file.path, info.sheet.as_deref())?;
    let mut outcome = Outcome {
        file: file.path.display().to_string(),
        sheet: info.sheet.clone(),
        dataset: dataset.to_string(),
        status: Status::Loaded,
        batch: 0,
        format: info.format.clone(),
        encoding: info.encoding.clone(),
        delimiter: info.delimiter.map(delimiter_label),
        columns: columns.len(),
        rows_read: 0,
        rows_stored: 0,
        issues: BTreeMap::new(),
        earlier: earlier.clone(),
    };
    if let Some(batch) = existing
        && !options.replace
    {
        outcome.status = Status::Unchanged;
        outcome.batch = batch;
        outcome.earlier.clear();
        return Ok(outcome);
    }
    let mut replaced = Vec::new();
    if options.replace {
        replaced = earlier;
        replaced.extend(existing.filter(|b| !replaced.contains(b)));
        replaced.sort_unstable();
        if !replaced.is_empty() {
            outcome.status = Status::Replaced;
            outcome.earlier = replaced.clone();
        }
    }
    let meta = BatchMeta {
        dataset: dataset.to_string(),
        path: outcome.file.clone(),
        size: file.stamp.size,
        sha256: file.sha256.to_string(),
        format: info.format.clone(),
        encoding: info.encoding.clone(),
        delimiter: outcome.delimiter.clone(),
        sheet: info.sheet.clone(),
        headers: info.headers.clone(),
        columns: columns.clone(),
    };
    let label = match &info.sheet {
        Some(sheet) => format!("{} [{sheet}]", file.path.display()),
        None => file.path.display().to_string(),
    };
    progress.start(&label, file.stamp.size);
    let mut loader = db.begin_load(&meta, &replaced)?;
    outcome.batch = loader.batch();
    let width = columns.len();
    let mut record = Record::default();
    let mut extra = String::new();
    // One-field lines that follow a blank line and end a wide text table are a report's
    // footer (a Salesforce report's title, copyright, "Generated By" and org lines), not
    // records: they wait here until a full record shows they were ragged rows after all.
    let mut trailing: Vec<Record> = Vec::new();
    // Stored rows at the end that are a report's totals or footer, not records: kept as
    // ingested and marked `non_record`, so stage leaves them out with that reason.
    let mut tail = crate::values::footer::Tail::default();
    while source.next_record(&mut record)? {
        outcome.rows_read += 1;
        let single = width >= 3 && record.fields.len() == 1;
        if single && (!trailing.is_empty() || record.blank_before) {
            trailing.push(std::mem::take(&mut record));
            continue;
        }
        for held in std::mem::take(&mut trailing) {
            store_record(&mut loader, &mut outcome, &held, &columns, &mut extra)?;
            tail.push(
                held.number,
                (0..width).map(|i| held.cell(i)),
                width,
                held.blank_before,
            );
        }
        store_record(&mut loader, &mut outcome, &record, &columns, &mut extra)?;
        tail.push(
            record.number,
            (0..width).map(|i| record.cell(i)),
            width,
            record.blank_before,
        );
        if outcome.rows_read.is_multiple_of(16_384) {
            progress.set(source.position());
        }
        // Bytes beyond the size the read began with: the file is being appended to. Stop now
        // rather than chase a writer; the check below refuses it.
        if source.position() > file.stamp.size {
            break;
        }
    }
    // The footer is kept word for word in `_issues` (kind `report_footer`), not as rows.
    for line in &trailing {
        let text = line.fields.get(0).unwrap_or_default();
        loader.issue(
            Some(line.number),
            None,
            "report_footer",
            &format!("line {}: `{text}` is a line of the report's footer, not a record; kept here, not stored as a row", line.line),
        )?;
        *outcome.issues.entry("report_footer".into()).or_default() += 1;
        outcome.rows_read -= 1;
    }
    for (number, first) in tail.finish() {
        loader.issue(
            Some(number),
            None,
            NON_RECORD,
            &format!(
                "`{first}`: a report's total or footer row (or a blank row) after the records, not a record; kept as ingested, left out by stage"
            ),
        )?;
        *outcome.issues.entry(NON_RECORD.into()).or_default() += 1;
    }
    // What was stored must be the file that was hashed: the same bytes, all of them, and a
    // file that did not change while it was read. Otherwise nothing is committed.
    let digest = source.finish()?;
    let after = Stamp::of(file.path)?;
    if digest.sha256 != file.sha256 || digest.bytes != file.stamp.size || after != file.stamp {
        progress.finish();
        return Err(Error::Input(format!(
            "`{}` changed while it was being read ({} bytes when the read began, {} read, {} now); nothing was stored\n  hint: wait until whatever writes it has finished, then ingest it again",
            file.path.display(),
            file.stamp.size,
            digest.bytes,
            after.size
        )));
    }
    outcome.rows_stored = loader.finish(outcome.rows_read)?;
    progress.finish();
    Ok(outcome)
}

/// Stores one record: the cells that fit the header, the surplus in `_extra`, and its issues.
fn store_record(
    loader: &mut crate::staging::Loader<'_>,
    outcome: &mut Outcome,
    record: &Record,
    columns: &[String],
    extra: &mut String,
) -> Result<()> {
    let width = columns.len();
    let found = record.fields.len();
    let extra_json = if found > width {
        let surplus: Vec<&str> = record.fields.iter().skip(width).collect();
        extra.clear();
        extra.push_str(&serde_json::to_string(&surplus).unwrap_or_default());
        Some(extra.as_str())
    } else {
        None
    };
    if found != width {
        let detail = format!(
            "expected {width} fields, found {found}{}",
            if found > width {
                "; the surplus is kept in _extra"
            } else {
                "; the missing ones are NULL"
            }
        );
        loader.issue(Some(record.number), None, "ragged_row", &detail)?;
        *outcome.issues.entry("ragged_row".into()).or_default() += 1;
    }
    for issue in &record.issues {
        let column = issue.field.and_then(|i| columns.get(i)).map(String::as_str);
        loader.issue(Some(record.number), column, issue.kind, &issue.detail)?;
        *outcome.issues.entry(issue.kind.to_string()).or_default() += 1;
    }
    loader.insert(
        record.number,
        (0..width).map(|i| record.cell(i)),
        extra_json,
    )
}

/// How a delimiter is shown and recorded: `,` or `\t`.
fn delimiter_label(d: u8) -> String {
    match d {
        b'\t' => "\\t".to_string(),
        other => (other as char).to_string(),
    }
}
