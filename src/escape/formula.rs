//! Spreadsheet formula injection: which cells a spreadsheet would run as a formula, the
//! reversible escape for CSV files people open (OWASP: a leading `'`), and its inverse.
//!
//! The escape is a bijection so an edited sheet reads back exactly: a cell that starts with a
//! formula character or with `'` gets one more `'` in front; reading strips one `'` only when
//! a formula character or `'` follows it. A cell that is a plain decimal number (`-5`,
//! `+3.25`) is left alone: a spreadsheet reads it as that number and runs nothing.

use std::borrow::Cow;

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

    /// (column index, count) of the columns that hold any.
    pub fn columns(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (i, *n))
    }
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
    }
}
