//! Property tests (fuzzing) of intake: arbitrary bytes, CSV-like text and mutated workbooks.
//! Intake never panics, and every CSV record is stored whole: cells, NULLs for missing
//! fields and `_extra` for surplus ones account for every field of every row.
//!
//! `cargo test` runs a few dozen cases each; `scripts/fuzz` runs the same properties with
//! `PROPTEST_CASES` in the tens of thousands for a bounded time.

use std::io::Write;
use std::path::Path;

use crmkit::ingest::{IngestOptions, ingest};
use crmkit::intake::{self, FileKind, Record, RowSource, TextOptions};
use crmkit::progress::Silent;
use crmkit::staging::Db;
use proptest::prelude::*;

/// Cases per property: small for `cargo test`, `PROPTEST_CASES` when set (scripts/fuzz).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Reads a file the way ingest does, to the end; errors are fine, panics are not.
fn read_all(path: &Path, text: TextOptions) -> crmkit::Result<u64> {
    let mut source: Box<dyn RowSource> = match intake::classify_as(path, text.encoding)? {
        FileKind::Text => Box::new(intake::DelimitedSource::open(path, text)?),
        FileKind::Workbook => Box::new(intake::ExcelSource::open(path, None)?),
    };
    let mut record = Record::default();
    let mut n = 0;
    while source.next_record(&mut record)? {
        n += 1;
    }
    source.finish()?;
    Ok(n)
}

/// A field: any text, weighted towards what breaks CSV (delimiters, quotes, line breaks,
/// NUL, non-ASCII, a replacement character).
fn field() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9 ]{1,6}",
            1 => Just(",".to_string()),
            1 => Just("\"".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("\r\n".to_string()),
            1 => Just("\0".to_string()),
            1 => Just(";".to_string()),
            1 => "[\\u{80}-\\u{10FFFF}]{1,3}",
        ],
        0..4,
    )
    .prop_map(|parts| parts.concat())
}

/// A header of 1-5 fields and up to 12 records of 1-7 fields each (ragged on purpose).
fn table() -> impl Strategy<Value = Vec<Vec<String>>> {
    (
        prop::collection::vec("[A-Za-z][A-Za-z0-9 ]{0,8}", 1..5),
        prop::collection::vec(prop::collection::vec(field(), 1..7), 0..12),
    )
        .prop_map(|(header, rows)| {
            let mut all = vec![header];
            all.extend(rows);
            all
        })
}

/// Writes records as CSV the way careful writers do: a field is quoted when it holds a
/// delimiter, quote, line break or surrounding space, or is the only, empty, field of its row.
fn write_csv(records: &[Vec<String>], crlf: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for record in records {
        let last = record.len() - 1;
        for (i, f) in record.iter().enumerate() {
            let quote = f.contains([',', '"', '\n', '\r'])
                || f.starts_with(' ')
                || f.ends_with(' ')
                || (record.len() == 1 && f.is_empty());
            if quote {
                write!(out, "\"{}\"", f.replace('"', "\"\"")).unwrap();
            } else {
                out.extend_from_slice(f.as_bytes());
            }
            if i < last {
                out.push(b',');
            }
        }
        out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    out
}

/// The cells of one stored row: columns in file order, then `_extra`.
type StoredRow = (Vec<Option<String>>, Option<String>);

fn stored_rows(db: &Path, width: usize) -> Vec<StoredRow> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let cols: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT column_name FROM _columns ORDER BY position")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(cols.len(), width);
    let select: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {}, _extra FROM src_t ORDER BY _row",
            select.join(", ")
        ))
        .unwrap();
    stmt.query_map([], |r| {
        let cells = (0..width)
            .map(|i| r.get(i))
            .collect::<rusqlite::Result<Vec<Option<String>>>>()?;
        Ok((cells, r.get(width)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary bytes, as text or workbook, under any name: an error or records, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), ext in prop::sample::select(vec!["csv", "txt", "xlsx"])) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("f.{ext}"));
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_all(&path, TextOptions::default());
        let forced = TextOptions { encoding: Some(encoding_rs::UTF_16LE), ..TextOptions::default() };
        let _ = read_all(&path, forced);
    }

    /// Well-formed CSV of hostile fields, stored through ingest: every field of every row is
    /// back, byte for byte; short rows have NULLs, long rows keep their surplus in `_extra`,
    /// and each ragged row is flagged.
    #[test]
    fn csv_is_stored_losslessly(records in table(), crlf in any::<bool>(), bom in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend(write_csv(&records, crlf));
        std::fs::write(&path, &bytes).unwrap();
        let db_path = dir.path().join("s.db");
        let mut db = Db::open(&db_path).unwrap();
        let options = IngestOptions {
            files: vec![path],
            text: TextOptions { delimiter: Some(b','), encoding: None },
            ..IngestOptions::default()
        };
        let outcome = ingest(&mut db, &options, &Silent).unwrap();
        drop(db);
        let width = records[0].len();
        let rows = &records[1..];
        prop_assert_eq!(outcome[0].rows_stored as usize, rows.len());
        let ragged = rows.iter().filter(|r| r.len() != width).count() as u64;
        prop_assert_eq!(outcome[0].issues.get("ragged_row").copied().unwrap_or(0), ragged);
        let stored = stored_rows(&db_path, width);
        for (row, (cells, extra)) in rows.iter().zip(&stored) {
            for (i, cell) in cells.iter().enumerate() {
                prop_assert_eq!(cell.as_deref(), row.get(i).map(String::as_str));
            }
            let surplus: Vec<String> = extra
                .as_deref()
                .map(|e| serde_json::from_str(e).unwrap())
                .unwrap_or_default();
            prop_assert_eq!(&surplus[..], row.get(width..).unwrap_or_default());
        }
    }

    /// A small workbook whose XML parts are mutated (and stored uncompressed, so the damage
    /// reaches the XML reader rather than the zip checksum): an error or records, never a
    /// panic or an abort.
    #[test]
    fn mutated_workbooks_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![Just(""), Just("9999999999"), Just("<"), Just("\""), Just("XFD1048576"), Just("<c r=\"A1\" t=\"s\"><v>7</v></c>"), Just("uniqueCount=\"4294967295\"")], 0..3usize), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.xlsx");
        let parts = workbook_parts();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (i, (name, xml)) in parts.iter().enumerate() {
            let mut xml = xml.clone();
            for (at, insert, cut) in &edits {
                if at.index(parts.len()) != i || xml.is_empty() {
                    continue;
                }
                let mut pos = at.index(xml.len());
                while !xml.is_char_boundary(pos) {
                    pos -= 1;
                }
                let mut end = (pos + cut).min(xml.len());
                while !xml.is_char_boundary(end) {
                    end -= 1;
                }
                xml.replace_range(pos..end, insert);
            }
            zip.start_file(name.as_str(), stored).unwrap();
            zip.write_all(xml.as_bytes()).unwrap();
        }
        std::fs::write(&path, zip.finish().unwrap().into_inner()).unwrap();
        let _ = read_all(&path, TextOptions::default());
    }
}

/// The XML parts of a small two-row workbook, written once by rust_xlsxwriter.
fn workbook_parts() -> Vec<(String, String)> {
    use std::io::Read;
    use std::sync::OnceLock;
    static PARTS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    PARTS
        .get_or_init(|| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            ws.write_string(0, 0, "Name").unwrap();
            ws.write_string(0, 1, "Seats").unwrap();
            ws.write_string(1, 0, "Acme").unwrap();
            ws.write_number(1, 1, 12.5).unwrap();
            ws.write_string(2, 0, "Globex").unwrap();
            let bytes = wb.save_to_buffer().unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            (0..zip.len())
                .map(|i| {
                    let mut entry = zip.by_index(i).unwrap();
                    let name = entry.name().unwrap().to_string();
                    let mut xml = String::new();
                    entry.read_to_string(&mut xml).unwrap();
                    (name, xml)
                })
                .collect()
        })
        .clone()
}
