//! Writers for the generated files: CSV in UTF-8 or Windows-1252, and the accounts workbook.
//! Each writes to a temporary name and renames on finish (through `safe_write`), so an
//! interrupted run never leaves a file that looks complete.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use encoding_rs::WINDOWS_1252;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::rules::{parse_date, parse_loose_number};
use crate::error::{Error, Result};
use crate::safe_write::{self, Kind};

/// Text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

impl Encoding {
    /// The label written to truth.json (the names `crmkit ingest` reports).
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// Transcodes the UTF-8 the csv writer produces into Windows-1252; a character cut by a
/// buffer boundary waits for the rest of its bytes.
struct Windows1252<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for Windows1252<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        let text = std::str::from_utf8(&self.pending[..valid])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let (bytes, _, unmappable) = WINDOWS_1252.encode(text);
        if unmappable {
            let bad: String = text
                .chars()
                .filter(|c| WINDOWS_1252.encode(&c.to_string()).2)
                .collect();
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("Windows-1252 cannot hold `{bad}`"),
            ));
        }
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "output ends inside a UTF-8 character",
            ));
        }
        self.inner.flush()
    }
}

/// A CSV file being written.
pub struct CsvSink {
    writer: csv::Writer<Box<dyn Write>>,
    partial: PathBuf,
    path: PathBuf,
    rows: u64,
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io("write", path, io),
        other => Error::Other(format!("cannot write `{}`: {other:?}", path.display())),
    }
}

impl CsvSink {
    /// Creates `path` (via a partial file) and writes the header row. Windows-1252 files get
    /// CRLF line ends, as the legacy Windows tools that write them do.
    pub fn create(path: &Path, headers: &[&str], encoding: Encoding) -> Result<CsvSink> {
        let partial = safe_write::temp_path(path);
        let file =
            safe_write::create_private(&partial).map_err(|e| Error::io("create", &partial, e))?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let (out, terminator): (Box<dyn Write>, _) = match encoding {
            Encoding::Utf8 => (Box::new(out), csv::Terminator::Any(b'\n')),
            Encoding::Windows1252 => (
                Box::new(Windows1252 {
                    inner: out,
                    pending: Vec::new(),
                }),
                csv::Terminator::CRLF,
            ),
        };
        let writer = csv::WriterBuilder::new()
            .terminator(terminator)
            .buffer_capacity(1 << 16)
            .from_writer(out);
        let mut sink = CsvSink {
            writer,
            partial,
            path: path.to_path_buf(),
            rows: 0,
        };
        sink.writer
            .write_record(headers)
            .map_err(|e| csv_error(&sink.partial, e))?;
        Ok(sink)
    }

    /// Writes one data row.
    pub fn write(&mut self, record: &[String]) -> Result<()> {
        self.writer
            .write_record(record)
            .map_err(|e| csv_error(&self.partial, e))?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes, renames into place and returns the number of data rows.
    pub fn finish(self) -> Result<u64> {
        let path = self.partial;
        let mut out = self
            .writer
            .into_inner()
            .map_err(|e| Error::io("write", &path, e.into_error()))?;
        out.flush().map_err(|e| Error::io("write", &path, e))?;
        drop(out);
        safe_write::rename_into_place(&path, &self.path, Kind::Samples)?;
        Ok(self.rows)
    }
}

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    Error::Other(format!("cannot write `{}`: {e}", path.display()))
}

/// The accounts workbook: sheet `Accounts`, header in row 1, written row by row in
/// constant-memory mode.
pub struct XlsxSink {
    workbook: Workbook,
    partial: PathBuf,
    path: PathBuf,
    date_format: Format,
    /// Columns written as dates, numbers and integers where the text parses.
    date_cols: Vec<usize>,
    number_cols: Vec<usize>,
    int_cols: Vec<usize>,
    next_row: u32,
}

impl XlsxSink {
    /// Starts `path`; `created` becomes the document's creation time (a fixed one keeps the
    /// bytes reproducible).
    pub fn create(
        path: &Path,
        headers: &[&str],
        date_cols: Vec<usize>,
        number_cols: Vec<usize>,
        int_cols: Vec<usize>,
        created: &chrono::NaiveDate,
    ) -> Result<XlsxSink> {
        use chrono::Datelike;
        let partial = safe_write::temp_path(path);
        let stamp = ExcelDateTime::from_ymd(
            created.year() as u16,
            created.month() as u8,
            created.day() as u8,
        )
        .map_err(|e| xlsx_error(path, e))?;
        let mut workbook = Workbook::new();
        workbook.set_properties(
            &DocProperties::new()
                .set_creation_datetime(&stamp)
                .set_title("Accounts")
                .set_author("crmkit samples"),
        );
        let bold = Format::new().set_bold();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(|e| xlsx_error(path, e))?;
        sheet
            .set_name("Accounts")
            .and_then(|s| s.set_freeze_panes(1, 0))
            .map_err(|e| xlsx_error(path, e))?;
        for (i, h) in headers.iter().enumerate() {
            let width = if *h == "Description" { 40 } else { 18 };
            sheet
                .set_column_width(i as u16, width)
                .and_then(|s| s.write_string_with_format(0, i as u16, *h, &bold))
                .map_err(|e| xlsx_error(path, e))?;
        }
        Ok(XlsxSink {
            workbook,
            partial,
            path: path.to_path_buf(),
            date_format: Format::new().set_num_format("yyyy-mm-dd"),
            date_cols,
            number_cols,
            int_cols,
            next_row: 1,
        })
    }

    /// Writes one row; blank cells stay empty.
    pub fn write(&mut self, record: &[String]) -> Result<()> {
        let row = self.next_row;
        let path = &self.path;
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(|e| xlsx_error(path, e))?;
        for (i, value) in record.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let col = i as u16;
            let date = if self.date_cols.contains(&i) {
                parse_date(value).and_then(|(d, _)| {
                    ExcelDateTime::from_ymd(
                        chrono::Datelike::year(&d) as u16,
                        chrono::Datelike::month(&d) as u8,
                        chrono::Datelike::day(&d) as u8,
                    )
                    .ok()
                })
            } else {
                None
            };
            let number = if self.number_cols.contains(&i) {
                parse_loose_number(value)
            } else if self.int_cols.contains(&i) && super::rules::is_plain_number(value) {
                value.parse::<f64>().ok()
            } else {
                None
            };
            let written = match (date, number) {
                (Some(d), _) => sheet.write_datetime_with_format(row, col, &d, &self.date_format),
                (None, Some(n)) => sheet.write_number(row, col, n),
                (None, None) => sheet.write_string(row, col, value),
            };
            written.map_err(|e| xlsx_error(path, e))?;
        }
        self.next_row += 1;
        Ok(())
    }

    /// Saves the workbook into place and returns the number of data rows.
    pub fn finish(mut self) -> Result<u64> {
        self.workbook
            .save(&self.partial)
            .map_err(|e| xlsx_error(&self.partial, e))?;
        safe_write::rename_into_place(&self.partial, &self.path, Kind::Samples)?;
        Ok(u64::from(self.next_row - 1))
    }
}
