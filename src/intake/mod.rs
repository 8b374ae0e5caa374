//! Readers for client exports: delimited text and spreadsheets, as a stream of text records.
//!
//! The only users of `csv`, `calamine`, `zip` and `sha2`. Each source yields its header row
//! and then one [`Record`] at a time, so memory does not grow with the file, and hashes the
//! bytes it reads in the same pass ([`RowSource::finish`]), so the content hash recorded for
//! a file is the hash of exactly what was stored.

mod delimited;
mod excel;
pub mod names;
pub mod sniff;

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use encoding_rs::Encoding;
use sha2::{Digest as _, Sha256};

pub use delimited::DelimitedSource;
pub use excel::{ExcelSource, WorkbookFile, sheet_names};

use crate::error::{Error, Result};

/// One data record: its 1-based number (header excluded) and its cells as text.
#[derive(Debug, Default)]
pub struct Record {
    /// 1-based record number in the source, the header not counted.
    pub number: u64,
    /// The line the record starts on, for text files (0 when the source has no lines).
    pub line: u64,
    /// Text files: blank lines came between the previous record and this one (a report's
    /// footer starts so).
    pub blank_before: bool,
    /// Cell texts in source order.
    pub fields: csv::StringRecord,
    /// For spreadsheets: `true` where the cell is empty (stored as NULL). Empty for text files.
    pub empty: Vec<bool>,
    /// Problems found while reading this record.
    pub issues: Vec<RecordIssue>,
}

impl Record {
    /// Cell `i` as stored: None for an empty spreadsheet cell.
    pub fn cell(&self, i: usize) -> Option<&str> {
        if self.empty.get(i).copied().unwrap_or(false) {
            None
        } else {
            self.fields.get(i)
        }
    }
}

/// A problem with one record, found by the reader.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordIssue {
    /// 0-based field position, when the problem is in one field.
    pub field: Option<usize>,
    /// Short code: `invalid_encoding`, `excel_error`, ...
    pub kind: &'static str,
    pub detail: String,
}

/// What a reader found out about its source, for the catalog.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// `csv` or the spreadsheet kind (`xlsx`, `xls`, `ods`, ...).
    pub format: String,
    pub encoding: Option<String>,
    pub delimiter: Option<u8>,
    pub sheet: Option<String>,
    /// The header row's original text.
    pub headers: Vec<String>,
}

/// A stream of records from one file or sheet.
pub trait RowSource {
    /// What was detected, and the header row.
    fn info(&self) -> &SourceInfo;
    /// Reads the next record into `record`; false at the end.
    fn next_record(&mut self, record: &mut Record) -> Result<bool>;
    /// Bytes of the file consumed so far (for progress).
    fn position(&self) -> u64;
    /// After the last record: the SHA-256 and length of every byte read, in the same pass.
    fn finish(&mut self) -> Result<Digest>;
}

/// The content hash and length of the bytes a source read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// SHA-256 as lowercase hex.
    pub sha256: String,
    pub bytes: u64,
}

/// Counts and hashes the bytes that pass through the readers it makes, on the reading
/// thread (SHA-256 with the CPU's SHA extensions costs a few percent of a parse; a hashing
/// thread fed copies cost as much in copies and allocations).
#[derive(Clone, Default)]
pub(crate) struct Tap {
    state: Arc<Mutex<(Sha256, u64)>>,
}

impl Tap {
    /// Wraps `inner` so every byte read from it is counted and hashed.
    pub(crate) fn reader<R: Read>(&self, inner: R) -> TapReader<R> {
        TapReader {
            inner,
            tap: self.clone(),
        }
    }

    /// Bytes read so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.state.lock().map(|s| s.1).unwrap_or(0)
    }

    /// The hash and length of everything read so far.
    pub(crate) fn digest(&self) -> Digest {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        Digest {
            sha256: hex(&state.0.clone().finalize()),
            bytes: state.1,
        }
    }
}

/// A reader that feeds a [`Tap`].
pub(crate) struct TapReader<R> {
    inner: R,
    tap: Tap,
}

impl<R: Read> Read for TapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            let mut state = self.tap.state.lock().unwrap_or_else(|e| e.into_inner());
            state.0.update(&buf[..n]);
            state.1 += n as u64;
        }
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file's bytes, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let tap = Tap::default();
    let file = File::open(path).map_err(|e| Error::io("read", path, e))?;
    std::io::copy(
        &mut std::io::BufReader::with_capacity(1 << 20, tap.reader(file)),
        &mut std::io::sink(),
    )
    .map_err(|e| Error::io("read", path, e))?;
    Ok(tap.digest().sha256)
}

/// A file's size and modification time, compared before and after a read to tell that the
/// file changed while it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub modified: Option<SystemTime>,
}

impl Stamp {
    pub fn of(path: &Path) -> Result<Stamp> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        Ok(Stamp {
            size: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// How to read a delimited text file; `None` means detect.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub delimiter: Option<u8>,
    pub encoding: Option<&'static Encoding>,
}

/// What a file is, from its content (extension only breaks ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Text,
    Workbook,
}

/// Looks at a file's first bytes and refuses what cannot be ingested, with a reason.
pub fn classify(path: &Path) -> Result<FileKind> {
    classify_as(path, None)
}

/// [`classify`], when the user named the text encoding: anything but a workbook is then read
/// as text in that encoding (UTF-16 without a byte-order mark looks binary to a guess).
pub fn classify_as(path: &Path, encoding: Option<&'static Encoding>) -> Result<FileKind> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    if meta.is_dir() {
        return Err(Error::Input(format!(
            "`{}` is a folder, not a file",
            path.display()
        )));
    }
    let mut sample = Vec::with_capacity(sniff::SAMPLE_BYTES);
    File::open(path)
        .and_then(|f| f.take(sniff::SAMPLE_BYTES as u64).read_to_end(&mut sample))
        .map_err(|e| Error::io("read", path, e))?;
    // A named encoding says "this is text, trust me"; otherwise a JSON, PDF, image or archive
    // given as an export is refused here, before anything is stored.
    if encoding.is_none()
        && let Some(not) = sniff::not_tabular(&sample)
    {
        return Err(Error::Data(Box::new(crate::error::DataProblem {
            file: path.to_path_buf(),
            row: None,
            column: None,
            value: None,
            problem: format!("not a table: it looks like {} ({})", not.looks_like, not.evidence),
            hint: Some(
                "crmkit ingests CSV/TSV text and XLSX, XLSM, XLS or ODS workbooks: export the data as one of those".to_string(),
            ),
        })));
    }
    match sniff::kind(&sample) {
        sniff::Kind::Empty => Err(Error::Input(format!(
            "`{}` is empty (0 bytes): there is no header row to read\n  hint: export the data again, with a header row",
            path.display()
        ))),
        sniff::Kind::Binary if encoding.is_some() => Ok(FileKind::Text),
        sniff::Kind::Binary => Err(Error::Input(format!(
            "`{}` is not a text export or a spreadsheet (it holds binary data)\n  hint: crmkit reads CSV/TSV text and XLSX, XLSM, XLS or ODS workbooks; if it is text, name its encoding with --encoding",
            path.display()
        ))),
        sniff::Kind::Zip | sniff::Kind::Ole => Ok(FileKind::Workbook),
        sniff::Kind::Text => Ok(FileKind::Text),
    }
}

/// Parses an encoding label as given to `--encoding` (`utf-8`, `latin1`, `cp1252`, `utf-16le`...).
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        Error::Usage(format!(
            "unknown encoding `{label}` (try utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1, shift_jis)"
        ))
    })
}

/// A small sheet read whole: its header and its records with their 1-based numbers.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    /// Where it came from: text (a CSV) or a workbook's first sheet.
    pub kind: FileKind,
}

/// Reads a small sheet a person edited (a review sheet, say) into a [`Table`]: a delimited
/// text file, or the first sheet of a workbook.
pub fn read_table(path: &Path) -> Result<Table> {
    let kind = classify(path)?;
    let mut source: Box<dyn RowSource> = match kind {
        FileKind::Text => Box::new(DelimitedSource::open(path, TextOptions::default())?),
        FileKind::Workbook => Box::new(ExcelSource::open(path, None)?),
    };
    let headers = source.info().headers.clone();
    let mut rows = Vec::new();
    let mut record = Record::default();
    while source.next_record(&mut record)? {
        rows.push((
            record.number,
            record.fields.iter().map(str::to_string).collect(),
        ));
    }
    Ok(Table {
        headers,
        rows,
        kind,
    })
}
