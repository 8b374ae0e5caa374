//! Sheets a person opens in a spreadsheet (review sheets, pairs files, rejects files): CSV with formula
//! cells escaped ([`formula::escape`]), or XLSX whose cells are all strings, never formulas.

use std::path::Path;

use rust_xlsxwriter::{Format as CellFormat, Workbook};

use crate::error::{Error, Result};
use crate::escape::formula;
use crate::safe_write::{self, Kind, Overwrite};

/// The most characters an XLSX cell holds; longer values are cut with an ellipsis.
const XLSX_MAX_CHARS: usize = 32_767;

/// File formats of a sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

impl SheetFormat {
    /// The format a path asks for: `.xlsx` is a workbook, anything else CSV.
    pub fn of(path: &Path) -> SheetFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => SheetFormat::Xlsx,
            _ => SheetFormat::Csv,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            SheetFormat::Csv => "csv",
            SheetFormat::Xlsx => "xlsx",
        }
    }
}

/// Writes `header` and `rows` to `path` in the format its extension names, through
/// [`safe_write`] (never over a file that is not crmkit's own output of `kind` unless
/// forced); `title` names the worksheet of a workbook.
pub fn write(
    path: &Path,
    title: &str,
    header: &[String],
    rows: &[Vec<String>],
    kind: Kind,
    overwrite: Overwrite,
) -> Result<()> {
    let bytes = match SheetFormat::of(path) {
        SheetFormat::Csv => csv_bytes(path, header, rows)?,
        SheetFormat::Xlsx => xlsx_bytes(path, title, header, rows)?,
    };
    safe_write::write(path, kind, overwrite, &bytes)
}

fn csv_bytes(path: &Path, header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::Other(format!("cannot write `{}`: {e}", path.display()));
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        w.write_record(row.iter().map(|c| formula::escape(c).into_owned()))
            .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::io("write", path, e.into_error()))
}

fn xlsx_bytes(
    path: &Path,
    title: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| {
        Error::Other(format!("cannot write `{}`: {e}", path.display()))
    };
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(title).map_err(err)?;
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    let bold = CellFormat::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            // Every value a string cell: a spreadsheet shows `=1+1` as text, never runs it.
            if !value.is_empty() {
                let value = crate::text::excerpt(value, XLSX_MAX_CHARS);
                sheet
                    .write_string(r as u32 + 1, c as u16, &*value)
                    .map_err(err)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(SheetFormat::of(Path::new("a/b.XLSX")), SheetFormat::Xlsx);
        assert_eq!(SheetFormat::of(Path::new("b.csv")), SheetFormat::Csv);
        assert_eq!(SheetFormat::of(Path::new("b")), SheetFormat::Csv);
    }

    #[test]
    fn csv_cells_that_would_run_are_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        let header = vec!["id".to_string(), "name".to_string()];
        let rows = vec![vec!["-5".to_string(), "=1+1".to_string()]];
        write(&path, "s", &header, &rows, Kind::Report, Overwrite::Force).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "id,name\n-5,'=1+1\n"
        );
    }
}
