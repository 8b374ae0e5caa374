//! Turning untrusted header and file names into safe, unique SQL identifiers.

use std::collections::HashSet;

/// Lowercase ASCII snake_case: letters and digits kept (accents folded), everything else `_`,
/// runs collapsed, ends trimmed, a leading digit prefixed. May return an empty string.
pub fn identifier(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_sep = false;
    for ch in text.chars() {
        let folded = fold(ch);
        if folded.is_empty() {
            pending_sep = !out.is_empty();
            continue;
        }
        if pending_sep {
            out.push('_');
            pending_sep = false;
        }
        out.push_str(&folded);
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "c_");
    }
    out
}

/// One character as identifier text: ASCII letters lowercased, accented Latin letters
/// folded to their base letters (`ř` -> `r`, `ß` -> `ss`), everything else dropped (and read
/// as a separator). Other scripts stay dropped, so identifiers of stored tables do not change.
fn fold(ch: char) -> String {
    if ch.is_ascii_alphanumeric() {
        return ch.to_ascii_lowercase().to_string();
    }
    let mut out = String::new();
    match ch {
        '#' => out.push_str("no"),
        '%' => out.push_str("pct"),
        _ if crate::values::fold::is_latin(ch) => {
            crate::values::fold::push_char(ch, &mut out);
        }
        _ => {}
    }
    out
}

/// Column names for a header row: safe identifiers, blanks named `column_N` (N = position),
/// duplicates numbered `_2`, `_3`, ... Identifiers never start with `_`, so they cannot
/// collide with the loader's own `_row`, `_batch` and `_extra`.
pub fn columns(headers: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let mut base = identifier(header);
            if base.is_empty() {
                base = format!("column_{}", i + 1);
            }
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            name
        })
        .collect()
}

/// The dataset name for a file stem (and sheet): a safe identifier, `dataset` if nothing is left.
pub fn dataset(stem: &str, sheet: Option<&str>) -> String {
    let joined = match sheet {
        Some(sheet) => format!("{stem}_{sheet}"),
        None => stem.to_string(),
    };
    let id = identifier(&joined);
    if id.is_empty() {
        "dataset".to_string()
    } else {
        id
    }
}

/// Dataset names for the sheets of one workbook (`stem_sheet`), unique: sheets whose names
/// meet after snake_casing (`Sales Q1`, `sales_q1`) are numbered `_2`, `_3` in sheet order,
/// so they never land in one table.
pub fn sheet_datasets(stem: &str, sheets: &[&str]) -> Vec<String> {
    let mut seen = HashSet::new();
    sheets
        .iter()
        .map(|sheet| {
            let base = dataset(stem, Some(sheet));
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            name
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        let cases = [
            ("Account Name", "account_name"),
            ("  E-mail / Work  ", "e_mail_work"),
            ("name\"); DROP TABLE x; --", "name_drop_table_x"),
            ("Société", "societe"),
            ("2nd Phone", "c_2nd_phone"),
            ("Phone #", "phone_no"),
            ("Win %", "win_pct"),
            ("日本", ""),
            // Every Latin letter folds; other scripts stay out of identifiers.
            ("Dvořák Straße", "dvorak_strasse"),
            ("Łódź", "lodz"),
            ("Имя", ""),
        ];
        for (input, want) in cases {
            assert_eq!(identifier(input), want, "{input:?}");
        }
    }

    #[test]
    fn columns_are_unique_and_never_blank() {
        let headers: Vec<String> = ["Name", "name", "", "NAME", "_row", "  "]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            columns(&headers),
            ["name", "name_2", "column_3", "name_3", "row", "column_6"]
        );
    }

    #[test]
    fn dataset_names() {
        assert_eq!(
            dataset("Accounts Export (2024)", None),
            "accounts_export_2024"
        );
        assert_eq!(dataset("book", Some("Sheet 1")), "book_sheet_1");
        assert_eq!(dataset("!!!", None), "dataset");
        assert_eq!(
            sheet_datasets("book", &["Sales Q1", "sales_q1", "SALES-Q1", "Other"]),
            [
                "book_sales_q1",
                "book_sales_q1_2",
                "book_sales_q1_3",
                "book_other"
            ]
        );
    }

    #[test]
    fn sqlite_rowid_names_never_lose_their_meaning() {
        // `_rowid_` is how staging reads a table's row identity; no header may become it.
        let headers: Vec<String> = ["ROWID", "_rowid_", "OID", "__x", "_row", "_batch"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cols = columns(&headers);
        assert_eq!(cols, ["rowid", "rowid_2", "oid", "x", "row", "batch"]);
        assert!(cols.iter().all(|c| !c.starts_with('_')));
    }
}
