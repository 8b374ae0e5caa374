//! Spreadsheet formula injection: which cells a spreadsheet would run as a formula, the
//! reversible escape for CSV files people open (OWASP: a leading `'`), and its inverse.
//!
//! The escape is a bijection so an edited sheet reads back exactly: a cell that starts with a
//! formula character or with `'` gets one more `'` in front; reading strips one `'` only when
//! a formula character or `'` follows it. A cell that is a plain decimal number (`-5`,
//! `+3.25`) is left alone: a spreadsheet reads it as that number and runs nothing.

use std::borrow::Cow;

use serde::Serialize;

/// Characters a spreadsheet treats as the start of a formula.
pub const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True when a spreadsheet opening `value` as a cell would evaluate it as a formula.
pub fn is_formula(value: &str) -> bool {
    value.starts_with(FORMULA_START) && !is_plain_number(value)
}

/// `value` as a CSV cell a person can open safely; [`unescape`] gives `value` back.
pub fn escape(value: &str) -> Cow<'_, str> {
    if is_formula(value) || value.starts_with('\'') {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The original value of a cell written by [`escape`].
pub fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with('\'') || is_formula(rest) => rest,
        _ => cell,
    }
}

/// An optional sign, digits, at most one decimal point, and nothing else.
fn is_plain_number(value: &str) -> bool {
    let unsigned = value
        .strip_prefix('+')
        .filter(|rest| !rest.starts_with('-'))
        .unwrap_or(value);
    crate::samples::rules::is_plain_number(unsigned)
}

/// Per column, how many values a spreadsheet would run as formulas.
#[derive(Debug, Default, Clone)]
pub struct FormulaCount {
    counts: Vec<u64>,
}

impl FormulaCount {
    /// Counts column `i`'s `value`.
    pub fn add(&mut self, i: usize, value: &str) {
        if is_formula(value) {
            if self.counts.len() <= i {
                self.counts.resize(i + 1, 0);
            }
            self.counts[i] += 1;
        }
    }

    /// Counts every value of one row, in column order.
    pub fn add_row<'a>(&mut self, row: impl IntoIterator<Item = Option<&'a str>>) {
        for (i, v) in row.into_iter().enumerate() {
            if let Some(v) = v {
                self.add(i, v);
            }
        }
    }

    /// (column index, count) of the columns that hold any.
    pub fn columns(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (i, *n))
    }

    /// The columns that hold any, named by `headers`.
    pub fn named(&self, headers: &[&str]) -> Vec<FormulaColumn> {
        self.columns()
            .map(|(i, values)| FormulaColumn {
                column: headers.get(i).map(|h| h.to_string()).unwrap_or_default(),
                values,
            })
            .collect()
    }
}

/// A column of a file and how many of its values a spreadsheet would run as formulas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FormulaColumn {
    pub column: String,
    pub values: u64,
}

/// The load plan's warning for a file whose values start like formulas: they are kept exact
/// for the import tool, so the file must not be opened and saved in a spreadsheet.
pub fn warning(columns: &[FormulaColumn]) -> Option<String> {
    if columns.is_empty() {
        return None;
    }
    let list: Vec<String> = columns
        .iter()
        .map(|c| format!("{} in {}", c.values, super::markdown::code(&c.column)))
        .collect();
    Some(format!(
        "values that start with =, +, -, @, tab or CR ({}) are kept exact for the import tool, but a spreadsheet would run them as formulas: load this file with the import tool, do not open and save it in a spreadsheet",
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_escaped_and_read_back_exactly() {
        for (value, cell) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+44 20 7946 0958", "'+44 20 7946 0958"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("'=1", "''=1"),
            ("'", "''"),
            ("''x", "'''x"),
            ("'abc", "''abc"),
            ("-5", "-5"),
            ("+3.25", "+3.25"),
            ("-", "'-"),
            ("-5.", "'-5."),
            ("+-5", "'+-5"),
            ("Acme", "Acme"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(escape(value), cell, "{value:?}");
            assert_eq!(unescape(cell), value, "{cell:?}");
        }
    }

    #[test]
    fn cells_nobody_escaped_read_as_written() {
        for cell in ["'abc", "Acme", "-5", "'", ""] {
            assert_eq!(unescape(cell), cell);
        }
    }

    #[test]
    fn counts_formula_values_per_column() {
        let mut c = FormulaCount::default();
        for (i, v) in [(0, "=1"), (2, "@x"), (2, "+1 2"), (1, "-5"), (0, "ok")] {
            c.add(i, v);
        }
        assert_eq!(c.columns().collect::<Vec<_>>(), vec![(0, 1), (2, 2)]);
        c.add_row([Some("=2"), None, Some("ok")]);
        let named = c.named(&["id", "phone", "name"]);
        assert_eq!(
            named,
            vec![
                FormulaColumn {
                    column: "id".into(),
                    values: 2
                },
                FormulaColumn {
                    column: "name".into(),
                    values: 2
                }
            ]
        );
        let text = warning(&named).unwrap();
        assert!(text.contains("(2 in `id`, 2 in `name`)"), "{text}");
        assert_eq!(warning(&[]), None);
    }
}
