//! Spreadsheets (XLSX, XLSM, XLSB, XLS, ODS) through calamine: one sheet as a record stream.
//!
//! A workbook is read into memory once, hashed as it is read, and checked before calamine
//! sees it: the claims a damaged or hostile file makes about its own size (four billion
//! shared strings in a 1 KB part) are compared with the bytes actually present, since
//! calamine allocates for them up front. XLSX and XLSB sheets are then streamed cell by cell
//! on a reader thread, so memory is bounded by the data present, never by the sheet's
//! claimed dimensions (`A1:XFD1048576`) or the span between two far-apart cells. XLS and
//! ODS sheets, which calamine only reads whole, come through its dense range.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use calamine::{Data, DataRef, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx};

use super::{Digest, Record, RecordIssue, RowSource, SourceInfo, Stamp, Tap};
use crate::error::{Error, Result};

type Bytes = Cursor<Arc<[u8]>>;
type Workbook = Sheets<Bytes>;

/// A workbook file read into memory, hashed, and checked for impossible size claims.
pub struct WorkbookFile {
    path: PathBuf,
    bytes: Arc<[u8]>,
    digest: Digest,
    /// Size and modification time when the read began.
    pub stamp: Stamp,
}

impl WorkbookFile {
    /// Reads `path` whole (one pass, hashed as read) and checks it.
    pub fn read(path: &Path) -> Result<WorkbookFile> {
        let stamp = Stamp::of(path)?;
        let tap = Tap::default();
        let mut bytes = Vec::with_capacity(stamp.size.min(1 << 30) as usize);
        std::fs::File::open(path)
            .and_then(|f| tap.reader(f).read_to_end(&mut bytes))
            .map_err(|e| Error::io("read", path, e))?;
        let file = WorkbookFile {
            path: path.to_path_buf(),
            bytes: bytes.into(),
            digest: tap.digest(),
            stamp,
        };
        file.check_claims()?;
        Ok(file)
    }

    /// The hash and length of the bytes read.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The sheet names, in workbook order.
    pub fn sheet_names(&self) -> Result<Vec<String>> {
        Ok(self.open()?.0.sheet_names())
    }

    /// Opens sheet `sheet` (or the first) and reads its header: the first non-empty row.
    pub fn sheet(&self, sheet: Option<&str>) -> Result<ExcelSource> {
        let path = self.path.as_path();
        let (workbook, format) = self.open()?;
        let names = workbook.sheet_names();
        let name = match sheet {
            Some(wanted) => names
                .iter()
                .find(|n| n.as_str() == wanted)
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
                .cloned()
                .ok_or_else(|| {
                    let hint =
                        crate::suggestion::did_you_mean(wanted, names.iter().map(String::as_str));
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
        let feed = Feed::open(workbook, &name, path)?;
        let mut source = ExcelSource {
            feed,
            info: SourceInfo {
                format: format.to_string(),
                encoding: None,
                delimiter: None,
                sheet: Some(name.clone()),
                headers: Vec::new(),
            },
            next_number: 1,
            size: self.digest.bytes,
            digest: self.digest.clone(),
            path: path.to_path_buf(),
        };
        let mut header = Record::default();
        if !source.read_row(&mut header)? {
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

    /// Opens the workbook by its content, so a misnamed file still opens.
    fn open(&self) -> Result<(Workbook, &'static str)> {
        let path = self.path.as_path();
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
        let rs = || Cursor::new(self.bytes.clone());
        let xlsx = |format| {
            Xlsx::new(rs())
                .map(|w| (Sheets::Xlsx(w), format))
                .map_err(|e| e.to_string())
        };
        let xls = || {
            Xls::new(rs())
                .map(|w| (Sheets::Xls(w), "xls"))
                .map_err(|e| e.to_string())
        };
        let xlsb = || {
            Xlsb::new(rs())
                .map(|w| (Sheets::Xlsb(w), "xlsb"))
                .map_err(|e| e.to_string())
        };
        let ods = || {
            Ods::new(rs())
                .map(|w| (Sheets::Ods(w), "ods"))
                .map_err(|e| e.to_string())
        };
        let first = match ext.as_str() {
            "xls" => xls(),
            "xlsb" => xlsb(),
            "ods" => ods(),
            "xlsm" => xlsx("xlsm"),
            _ => xlsx("xlsx"),
        };
        first
            .or_else(|e| ods().or_else(|_| xls()).or_else(|_| xlsb()).map_err(|_| e))
            .map_err(fail)
    }

    /// Refuses a zip workbook whose shared-string table claims more entries than its bytes can
    /// hold: calamine reserves memory for the claim before reading a single string.
    fn check_claims(&self) -> Result<()> {
        let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(&self.bytes[..])) else {
            // Not a zip (XLS), or a broken one: calamine says why.
            return Ok(());
        };
        for i in 0..zip.len() {
            let Ok(entry) = zip.by_index(i) else { continue };
            let Ok(name) = entry.name().map(|n| n.to_string()) else {
                continue;
            };
            if !name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
                continue;
            }
            // Deflate cannot expand more than about 1,032 times.
            let size = entry
                .size()
                .min(entry.compressed_size().saturating_mul(1032).max(1024));
            let mut head = Vec::with_capacity(4096);
            let _ = entry.take(4096).read_to_end(&mut head);
            let Some(claimed) = sst_claim(&head) else {
                continue;
            };
            // The smallest string entry, `<si/>`, takes 5 bytes.
            let room = size / 5;
            if claimed > room {
                return Err(Error::Input(format!(
                    "`{}` is damaged: its shared-string table `{name}` claims {} strings but its {} bytes hold at most {}; nothing was stored\n  hint: open it in Excel or LibreOffice and save it again",
                    self.path.display(),
                    crate::numbers::thousands(claimed),
                    crate::numbers::thousands(size),
                    crate::numbers::thousands(room),
                )));
            }
        }
        Ok(())
    }
}

/// The `uniqueCount` (or `count`) an `<sst>` start tag claims, saturating at `u64::MAX`.
fn sst_claim(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let start = text.find("<sst")?;
    let tag = &text[start..start + text[start..].find('>')?];
    ["uniqueCount=", "count="]
        .iter()
        .filter_map(|attr| {
            let at = tag.find(attr)? + attr.len();
            let value = tag[at..].trim_start_matches(['"', '\'']);
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            (!digits.is_empty()).then(|| digits.parse::<u64>().unwrap_or(u64::MAX))
        })
        .max()
}

/// The sheet names of a workbook, in workbook order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>> {
    WorkbookFile::read(path)?.sheet_names()
}

/// One sheet of a workbook, opened for reading.
pub struct ExcelSource {
    feed: Feed,
    info: SourceInfo,
    next_number: u64,
    size: u64,
    digest: Digest,
    path: PathBuf,
}

impl ExcelSource {
    /// Reads `path` and opens sheet `sheet` (or the first).
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Self> {
        WorkbookFile::read(path)?.sheet(sheet)
    }

    /// Reads the next non-empty row into `record`.
    fn read_row(&mut self, record: &mut Record) -> Result<bool> {
        let Some(row) = self.feed.next_row(&self.path, self.info.sheet.as_deref())? else {
            return Ok(false);
        };
        record.fields.clear();
        record.empty.clear();
        record.issues.clear();
        // A sheet is rectangular: a row is as wide as its header (empty cells are NULL),
        // and wider only where it holds data beyond the header, which is then ragged.
        let last = row.last().map_or(0, |(c, _)| *c as usize + 1);
        let used = last.max(self.info.headers.len());
        let mut cells = row.iter().peekable();
        for i in 0..used {
            let cell = match cells.peek() {
                Some((c, _)) if *c as usize == i => cells.next().map(|(_, d)| d),
                _ => None,
            };
            let (text, issue) = cell.map(cell_text).unwrap_or_default();
            record.fields.push_field(&text);
            record
                .empty
                .push(cell.is_none_or(|d| matches!(d, Data::Empty)));
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
        Ok(true)
    }
}

/// One non-empty row: its cells as (column from the sheet's left edge, value), in column order.
type Row = Vec<(u32, Data)>;

/// What the reader thread sends.
enum Msg {
    /// Rows in the sheet (for progress), before the first row.
    Rows(u64),
    /// The next rows, a few hundred at a time (one hand-over per row would cost more than
    /// the row).
    Batch(Vec<Row>),
    Failed(String),
    End,
}

/// Where a sheet's rows come from.
enum Feed {
    /// A dense range (XLS, ODS), read whole by calamine.
    Range { range: Range<Data>, next: usize },
    /// Rows streamed by a reader thread that owns the workbook.
    Stream {
        rx: Receiver<Msg>,
        thread: Option<JoinHandle<()>>,
        /// Rows received and not yet read, in reverse order.
        pending: Vec<Row>,
        rows: u64,
        read: u64,
    },
}

impl Feed {
    fn open(workbook: Workbook, name: &str, path: &Path) -> Result<Feed> {
        let sheet_error = |e: String| {
            Error::Input(format!(
                "cannot read sheet `{name}` of `{}`: {e}",
                path.display()
            ))
        };
        match workbook {
            Sheets::Xlsx(book) => Ok(Feed::stream(name, move |name, tx| {
                let mut book = book;
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|e| e.to_string())?;
                let dims = cells.dimensions();
                pump(dims, || cells.next_cell().map_err(|e| e.to_string()), tx)
            })),
            Sheets::Xlsb(book) => Ok(Feed::stream(name, move |name, tx| {
                let mut book = book;
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|e| e.to_string())?;
                let dims = cells.dimensions();
                pump(dims, || cells.next_cell().map_err(|e| e.to_string()), tx)
            })),
            mut other => {
                let range = other
                    .worksheet_range(name)
                    .map_err(|e| sheet_error(e.to_string()))?;
                Ok(Feed::Range { range, next: 0 })
            }
        }
    }

    /// Starts the reader thread; `read` streams the sheet into the channel.
    fn stream(
        name: &str,
        read: impl FnOnce(&str, &SyncSender<Msg>) -> Result<(), String> + Send + 'static,
    ) -> Feed {
        let (tx, rx) = sync_channel(4);
        let name = name.to_string();
        let thread = std::thread::spawn(move || {
            let msg = match read(&name, &tx) {
                Ok(()) => Msg::End,
                Err(e) => Msg::Failed(e),
            };
            let _ = tx.send(msg);
        });
        Feed::Stream {
            rx,
            thread: Some(thread),
            pending: Vec::new(),
            rows: 0,
            read: 0,
        }
    }

    fn next_row(&mut self, path: &Path, sheet: Option<&str>) -> Result<Option<Row>> {
        let fail = |e: String| {
            Error::Input(format!(
                "cannot read sheet `{}` of `{}`: {e}; nothing was stored\n  hint: open it in Excel or LibreOffice and save it again",
                sheet.unwrap_or_default(),
                path.display()
            ))
        };
        match self {
            Feed::Range { range, next } => {
                while *next < range.height() {
                    let row = &range[*next];
                    *next += 1;
                    let cells: Row = row
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| !matches!(c, Data::Empty))
                        .map(|(i, c)| (i as u32, c.clone()))
                        .collect();
                    if !cells.is_empty() {
                        return Ok(Some(cells));
                    }
                }
                Ok(None)
            }
            Feed::Stream {
                rx,
                thread,
                pending,
                rows,
                read,
            } => loop {
                if let Some(row) = pending.pop() {
                    *read += 1;
                    return Ok(Some(row));
                }
                match rx.recv() {
                    Ok(Msg::Rows(n)) => *rows = n,
                    Ok(Msg::Batch(mut batch)) => {
                        batch.reverse();
                        *pending = batch;
                    }
                    Ok(Msg::End) => return Ok(None),
                    Ok(Msg::Failed(e)) => return Err(fail(e)),
                    Err(_) => {
                        // The reader thread ended without a word: it panicked.
                        let why = thread
                            .take()
                            .and_then(|t| t.join().err())
                            .and_then(|p| {
                                p.downcast_ref::<&str>()
                                    .map(|s| s.to_string())
                                    .or_else(|| p.downcast_ref::<String>().cloned())
                            })
                            .unwrap_or_else(|| "the reader stopped".into());
                        return Err(fail(format!("the spreadsheet reader failed ({why})")));
                    }
                }
            },
        }
    }
}

/// A calamine cell as (row, column, value).
type CellAt<'a> = Option<calamine::Cell<DataRef<'a>>>;

/// Groups a sheet's cells into rows in file order and sends each non-empty row. The sheet's
/// declared dimension gives its left edge (so a sheet that starts in column C has no empty
/// columns A and B) and its row count (for progress only): nothing is allocated for it. A
/// cell left of the declared edge means the declaration is false, and the sheet is refused
/// rather than shifted.
fn pump<'a>(
    dims: calamine::Dimensions,
    mut next: impl FnMut() -> Result<CellAt<'a>, String>,
    tx: &SyncSender<Msg>,
) -> Result<(), String> {
    let left = dims.start.1.min(dims.end.1);
    let rows = u64::from(dims.end.0.abs_diff(dims.start.0)) + 1;
    let _ = tx.send(Msg::Rows(rows));
    const BATCH: usize = 256;
    let mut current: Option<u32> = None;
    let mut row: Row = Vec::new();
    let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
    let flush = |row: &mut Row, batch: &mut Vec<Row>| -> bool {
        if !row.is_empty() {
            // Cells of a row are normally in column order; a hostile file may not keep to it.
            row.sort_by_key(|(c, _)| *c);
            batch.push(std::mem::take(row));
        }
        batch.len() < BATCH
            || tx
                .send(Msg::Batch(std::mem::replace(
                    batch,
                    Vec::with_capacity(BATCH),
                )))
                .is_ok()
    };
    while let Some(cell) = next()? {
        let (r, c) = cell.get_position();
        if c < left && !matches!(cell.get_value(), DataRef::Empty) {
            return Err(format!(
                "its declared dimension starts in column {} but it holds a cell in column {}: the workbook is damaged",
                column_name(left),
                column_name(c)
            ));
        }
        if current != Some(r) {
            if !flush(&mut row, &mut batch) {
                return Ok(());
            }
            current = Some(r);
        }
        let value: Data = cell.get_value().clone().into();
        if !matches!(value, Data::Empty) {
            row.push((c.saturating_sub(left), value));
        }
    }
    flush(&mut row, &mut batch);
    if !batch.is_empty() {
        let _ = tx.send(Msg::Batch(batch));
    }
    Ok(())
}

/// A 0-based column number as spreadsheets name it: 0 -> A, 26 -> AA.
fn column_name(mut col: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
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
        self.read_row(record)
    }

    fn position(&self) -> u64 {
        match &self.feed {
            Feed::Range { range, next } => self.size * *next as u64 / range.height().max(1) as u64,
            Feed::Stream { rows, read, .. } => self.size * (*read).min(*rows) / (*rows).max(1),
        }
    }

    fn finish(&mut self) -> Result<Digest> {
        // The whole file was read (and hashed) before the first row.
        Ok(self.digest.clone())
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

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }

    #[test]
    fn shared_string_claims() {
        let head =
            br#"<?xml version="1.0"?><sst xmlns="x" count="12" uniqueCount="4294967295"><si>"#;
        assert_eq!(sst_claim(head), Some(4_294_967_295));
        assert_eq!(sst_claim(b"<sst count='3'>"), Some(3));
        assert_eq!(sst_claim(b"<sst>"), None);
        assert_eq!(
            sst_claim(b"<sst count=\"99999999999999999999999\">"),
            Some(u64::MAX)
        );
    }
}
