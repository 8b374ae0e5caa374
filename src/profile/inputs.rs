//! Where profiled rows come from: files read directly through `intake` (no workspace), or
//! ingested datasets streamed from the staging database.

use std::path::{Path, PathBuf};

use super::model::ValueCount;
use super::scan::RowSink;
use crate::error::{Error, Result};
use crate::intake::{self, FileKind, Record, RowSource, TextOptions, names};
use crate::progress::Progress;
use crate::staging::Db;

/// Reads every row into the sink; returns problems met while reading (by kind).
pub type Reader<'a> = Box<dyn FnOnce(&mut RowSink, &dyn Progress) -> Result<Vec<ValueCount>> + 'a>;

/// One dataset to profile.
pub struct Input<'a> {
    pub name: String,
    /// The `src_` table or the file path, for output.
    pub source: String,
    /// Header text per column.
    pub headers: Vec<String>,
    /// snake_case column names.
    pub columns: Vec<String>,
    /// Problems already known (ingest issues).
    pub issues: Vec<ValueCount>,
    /// Size for progress (bytes for files, rows for tables).
    pub size: u64,
    pub read: Reader<'a>,
}

/// Inputs for files given on the command line; each becomes a dataset named after its stem.
pub fn file_inputs(paths: &[PathBuf], sheet: Option<&str>) -> Result<Vec<Input<'static>>> {
    let mut inputs: Vec<Input<'static>> = Vec::new();
    for path in paths {
        let mut input = file_input(path, sheet)?;
        let base = input.name.clone();
        let mut n = 2;
        while inputs.iter().any(|i| i.name == input.name) {
            input.name = format!("{base}_{n}");
            n += 1;
        }
        inputs.push(input);
    }
    Ok(inputs)
}

fn file_input(path: &Path, sheet: Option<&str>) -> Result<Input<'static>> {
    let kind = intake::classify(path)?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut source: Box<dyn RowSource> = match kind {
        FileKind::Text => {
            if sheet.is_some() {
                return Err(Error::Usage(format!(
                    "`{}` is a text file: `--sheet` applies to workbooks only",
                    path.display()
                )));
            }
            Box::new(intake::DelimitedSource::open(path, TextOptions::default())?)
        }
        FileKind::Workbook => Box::new(intake::ExcelSource::open(path, sheet)?),
    };
    let info = source.info().clone();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = names::dataset(&stem, None);
    let columns = names::columns(&info.headers);
    let width = columns.len();
    let read: Reader<'static> = Box::new(move |sink, progress| {
        let mut record = Record::default();
        let mut ragged = 0;
        let mut issues: Vec<ValueCount> = Vec::new();
        while source.next_record(&mut record)? {
            // Spreadsheets drop trailing empty cells, so only surplus cells make their rows ragged.
            let spreadsheet = !record.empty.is_empty();
            if record.fields.len() > width || (!spreadsheet && record.fields.len() < width) {
                ragged += 1;
            }
            for issue in &record.issues {
                match issues.iter_mut().find(|i| i.value == issue.kind) {
                    Some(i) => i.count += 1,
                    None => issues.push(ValueCount {
                        value: issue.kind.to_string(),
                        count: 1,
                    }),
                }
            }
            sink.push(record.number, (0..width).map(|i| record.cell(i)))?;
            if record.number.is_multiple_of(16_384) {
                progress.set(source.position());
            }
        }
        if ragged > 0 {
            issues.push(ValueCount {
                value: "ragged_row".into(),
                count: ragged,
            });
        }
        Ok(issues)
    });
    Ok(Input {
        name,
        source: path.display().to_string(),
        headers: info.headers,
        columns,
        issues: Vec::new(),
        size,
        read,
    })
}

/// Inputs for ingested datasets (`names` empty = all), read from `db`.
pub fn workspace_inputs<'a>(db: &'a Db, names: &[String]) -> Result<Vec<Input<'a>>> {
    let known = db.dataset_names()?;
    if known.is_empty() {
        return Err(Error::Usage(
            "the workspace holds no data yet\n  hint: crmkit ingest FILE... first, or profile a file directly: crmkit profile FILE".into(),
        ));
    }
    let wanted: Vec<String> = if names.is_empty() {
        known.clone()
    } else {
        let mut out = Vec::new();
        for n in names {
            let id = names::identifier(n);
            if !known.contains(&id) {
                let hint = crate::suggestion::did_you_mean(&id, known.iter().map(String::as_str));
                return Err(Error::Usage(format!(
                    "no dataset `{n}` in this workspace{hint} (datasets: {})",
                    known.join(", ")
                )));
            }
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    };
    let summaries = db.dataset_summaries()?;
    let mut inputs = Vec::new();
    for name in wanted {
        let cols = db.source_columns(&name)?;
        let issues = summaries
            .iter()
            .find(|s| s.name == name)
            .map(|s| {
                s.issues
                    .iter()
                    .map(|i| ValueCount {
                        value: i.kind.clone(),
                        count: i.count as u64,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let columns: Vec<String> = cols.iter().map(|c| c.column.clone()).collect();
        let size = db.row_count(&name)?;
        let table = crate::staging::source_table(&name);
        let read_name = name.clone();
        let read_columns = columns.clone();
        let read: Reader<'a> = Box::new(move |sink, progress| {
            let mut n: u64 = 0;
            db.scan_source(&read_name, &read_columns, |row, cells| {
                sink.push(row, cells.iter().copied())?;
                n += 1;
                if n.is_multiple_of(16_384) {
                    progress.set(n);
                }
                Ok(())
            })?;
            Ok(Vec::new())
        });
        inputs.push(Input {
            name,
            source: table,
            headers: cols.into_iter().map(|c| c.header).collect(),
            columns,
            issues,
            size,
            read,
        });
    }
    Ok(inputs)
}
