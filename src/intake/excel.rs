//! Spreadsheets (XLSX, XLSM, XLSB, XLS, ODS) through calamine: one sheet as a record stream.
//!
//! calamine reads a whole sheet into memory; a sheet holds at most 1,048,576 rows, so this
//! is bounded, unlike text files which are streamed.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook};

use super::{Record, RecordIssue, RowSource, SourceInfo};
use crate::error::{Error, Result};

/// One sheet of a workbook, opened for reading.
pub struct ExcelSource {
    range: Range<Data>,
    info: SourceInfo,
    /// Index (in `range`) of the next row to read.
    next_row: usize,
    next_number: u64,
    size: u64,
}

type Workbook = Sheets<BufReader<File>>;

/// Opens a workbook by its content, so a misnamed file still opens.
fn open(path: &Path) -> Result<(Workbook, &'static str)> {
    let fail = |e: String| {
        Error::Input(format!(
            "`{}` looks like a spreadsheet but cannot be opened: {e}",
            path.display()
        ))
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    let first: Result<(Workbook, &str), String> = match ext.as_str() {
        "xls" => open_workbook::<Xls<_>, _>(path)
            .map(|w| (Sheets::Xls(w), "xls"))
            .map_err(|e| e.to_string()),
        "xlsb" => open_workbook::<Xlsb<_>, _>(path)
            .map(|w| (Sheets::Xlsb(w), "xlsb"))
            .map_err(|e| e.to_string()),
        "ods" => open_workbook::<Ods<_>, _>(path)
            .map(|w| (Sheets::Ods(w), "ods"))
            .map_err(|e| e.to_string()),
        "xlsm" => open_workbook::<Xlsx<_>, _>(path)
            .map(|w| (Sheets::Xlsx(w), "xlsm"))
            .map_err(|e| e.to_string()),
        _ => open_workbook::<Xlsx<_>, _>(path)
            .map(|w| (Sheets::Xlsx(w), "xlsx"))
            .map_err(|e| e.to_string()),
    };
    first
        .or_else(|e| {
            open_workbook::<Ods<_>, _>(path)
                .map(|w| (Sheets::Ods(w), "ods"))
                .or_else(|_| open_workbook::<Xls<_>, _>(path).map(|w| (Sheets::Xls(w), "xls")))
                .or_else(|_| open_workbook::<Xlsb<_>, _>(path).map(|w| (Sheets::Xlsb(w), "xlsb")))
                .map_err(|_| e)
        })
        .map_err(fail)
}

/// The sheet names of a workbook, in workbook order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>> {
    Ok(open(path)?.0.sheet_names())
}

impl ExcelSource {
    /// Opens sheet `sheet` (or the first) and reads its header: the first non-empty row.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Self> {
        let (mut workbook, format) = open(path)?;
        let names = workbook.sheet_names();
        let name = match sheet {
            Some(wanted) => names
                .iter()
                .find(|n| n.as_str() == wanted)
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
                .cloned()
                .ok_or_else(|| {
                    let hint = crate::error::suggest(wanted, names.iter().map(String::as_str))
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    Error::Usage(format!(
                        "`{}` has no sheet `{wanted}`{hint} (sheets: {})",
                        path.display(),
                        names.join(", ")
                    ))
                })?,
            None => names
                .first()
                .cloned()
                .ok_or_else(|| Error::Input(format!("`{}` has no sheets", path.display())))?,
        };
        let range = workbook.worksheet_range(&name).map_err(|e| {
            Error::Input(format!(
                "cannot read sheet `{name}` of `{}`: {e}",
                path.display()
            ))
        })?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut source = ExcelSource {
            range,
            info: SourceInfo {
                format: format.to_string(),
                encoding: None,
                delimiter: None,
                sheet: Some(name.clone()),
                headers: Vec::new(),
            },
            next_row: 0,
            next_number: 1,
            size,
        };
        let mut header = Record::default();
        if !source.read_row(&mut header) {
            return Err(Error::Input(format!(
                "sheet `{name}` of `{}` is empty: there is no header row",
                path.display()
            )));
        }
        source.info.headers = header.fields.iter().map(str::to_string).collect();
        // The header row is not a record: numbering of data records starts at 1.
        source.next_number = 1;
        Ok(source)
    }

    /// Reads the next non-empty row into `record`.
    fn read_row(&mut self, record: &mut Record) -> bool {
        let width = self.range.width();
        while self.next_row < self.range.height() {
            let row_index = self.next_row;
            self.next_row += 1;
            let row = &self.range[row_index];
            if row.iter().all(|c| matches!(c, Data::Empty)) {
                continue;
            }
            record.fields.clear();
            record.empty.clear();
            record.issues.clear();
            // A sheet is rectangular: a row is as wide as its header (empty cells are NULL),
            // and wider only where it holds data beyond the header, which is then ragged.
            let last = row
                .iter()
                .rposition(|c| !matches!(c, Data::Empty))
                .map_or(0, |p| p + 1);
            let used = last.max(self.info.headers.len()).min(width);
            for (i, cell) in row.iter().take(used).enumerate() {
                let (text, issue) = cell_text(cell);
                record.fields.push_field(&text);
                record.empty.push(matches!(cell, Data::Empty));
                if let Some(detail) = issue {
                    record.issues.push(RecordIssue {
                        field: Some(i),
                        kind: "excel_error",
                        detail,
                    });
                }
            }
            record.number = self.next_number;
            self.next_number += 1;
            return true;
        }
        false
    }
}

/// A cell as text: numbers in shortest form, dates as ISO 8601, errors as their code (flagged).
fn cell_text(cell: &Data) -> (String, Option<String>) {
    match cell {
        Data::Empty => (String::new(), None),
        Data::String(s) => (s.clone(), None),
        Data::Int(i) => (i.to_string(), None),
        Data::Float(f) => (float_text(*f), None),
        Data::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_string(), None),
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), None),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                match dt.as_duration() {
                    Some(d) => (format!("PT{}S", d.num_seconds()), None),
                    None => (float_text(dt.as_f64()), None),
                }
            } else {
                match dt.as_datetime() {
                    Some(t) if t.time() == chrono::NaiveTime::MIN => {
                        (t.format("%Y-%m-%d").to_string(), None)
                    }
                    Some(t) => (t.format("%Y-%m-%dT%H:%M:%S").to_string(), None),
                    None => (float_text(dt.as_f64()), None),
                }
            }
        }
        Data::Error(e) => {
            let code = e.to_string();
            let detail = format!("the cell holds the spreadsheet error {code}");
            (code, Some(detail))
        }
    }
}

/// Shortest text that reads back as the same number, without a trailing `.0`.
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

impl RowSource for ExcelSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_record(&mut self, record: &mut Record) -> Result<bool> {
        Ok(self.read_row(record))
    }

    fn position(&self) -> u64 {
        let height = self.range.height().max(1) as u64;
        self.size * self.next_row as u64 / height
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(float_text(1200.0), "1200");
        assert_eq!(float_text(0.5), "0.5");
        assert_eq!(float_text(-3.25), "-3.25");
    }
}
