//! Value evidence: what a column's values look like (emails, URLs, phones, dates, numbers,
//! countries, a short list of distinct values), from a sample plus exact low-cardinality counts.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::error::Result;
use crate::staging::{Db, SourceColumn};
use crate::values::date::{self, DateParse, Order};
use crate::values::placeholder::is_blank_or_placeholder;
use crate::values::{country, domain, email, phone};

/// Rows sampled per dataset.
pub const SAMPLE_ROWS: u64 = 10_000;
/// Columns with at most this many distinct values get exact counts (picklist candidates).
pub const MAX_DISTINCT: usize = 200;

/// What the values of one source column look like.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ColumnProfile {
    pub header: String,
    pub column: String,
    /// Rows looked at.
    pub rows: u64,
    /// Rows with a value that is not blank or a placeholder.
    pub filled: u64,
    /// Rows holding a placeholder (`N/A`, `-`, `unknown`, ...).
    pub placeholders: u64,
    /// Longest value in characters.
    pub max_len: usize,
    /// Every filled value in the sample differs from the others.
    pub unique: bool,
    /// Distinct values in the sample.
    pub distinct_in_sample: usize,
    /// Exact distinct values and counts over the whole dataset, when few.
    pub distinct: Option<Vec<(String, u64)>>,
    pub emails: u64,
    pub urls: u64,
    pub phones: u64,
    pub dates: u64,
    /// Excel serial dates (`45292`), which the date transforms read where a date is expected.
    pub serial_dates: u64,
    pub numbers: u64,
    pub integers: u64,
    pub booleans: u64,
    pub countries: u64,
    /// Values naming a state, province or region.
    pub regions: u64,
    /// Values that read as amounts of money: a currency sign or code, or two decimals.
    pub amounts: u64,
    /// Values written like a person's name (`Dana Whitfield`).
    pub person_names: u64,
    /// Date formats that parsed values, most used first.
    pub date_formats: Vec<String>,
}

impl ColumnProfile {
    /// Share of filled values counted by `n`.
    pub fn share(&self, n: u64) -> f64 {
        if self.filled == 0 {
            0.0
        } else {
            n as f64 / self.filled as f64
        }
    }

    /// Builds a profile from a column's values.
    pub fn from_values<'a>(
        header: &str,
        column: &str,
        values: impl Iterator<Item = Option<&'a str>>,
        distinct: Option<Vec<(String, u64)>>,
    ) -> ColumnProfile {
        let mut p = ColumnProfile {
            header: header.to_string(),
            column: column.to_string(),
            distinct,
            ..Default::default()
        };
        let mut seen = HashSet::new();
        let mut repeated = false;
        // (date format, time format, order) -> values
        let mut layouts: BTreeMap<(u8, u8, bool), u64> = BTreeMap::new();
        // day/month layout -> (values only month-first reads, values only day-first reads)
        let mut orders: BTreeMap<u8, (u64, u64)> = BTreeMap::new();
        for v in values {
            p.rows += 1;
            let Some(v) = v else { continue };
            p.max_len = p.max_len.max(v.chars().count());
            if is_blank_or_placeholder(v) {
                if !v.trim().is_empty() {
                    p.placeholders += 1;
                }
                continue;
            }
            let v = v.trim();
            p.filled += 1;
            if !seen.insert(v.to_string()) {
                repeated = true;
            }
            if email::is_email(v) {
                p.emails += 1;
            } else if domain::host(v).is_some()
                && !v.chars().all(|c| c.is_ascii_digit() || c == '.')
            {
                p.urls += 1;
            }
            let number = crate::values::number::number(v, '.');
            if let Some((d, _)) = &number {
                p.numbers += 1;
                if d.is_integer() {
                    p.integers += 1;
                }
            }
            if phone::is_valid(v) && v.chars().any(|c| !c.is_ascii_digit()) {
                p.phones += 1;
            }
            if number.is_some() && date::excel_serial(v).is_some() {
                p.serial_dates += 1;
            }
            if let DateParse::Date(d) = date::parse(v) {
                p.dates += 1;
                let pair = d.format & !1;
                match d.order {
                    Order::MonthFirst => orders.entry(pair).or_default().0 += 1,
                    Order::DayFirst => orders.entry(pair).or_default().1 += 1,
                    _ => {}
                }
                *layouts
                    .entry((d.format, d.time_format, d.order == Order::Ambiguous))
                    .or_default() += 1;
            }
            if crate::values::boolean::boolean(v).is_some() && number.is_none() {
                p.booleans += 1;
            }
            if v.len() > 1 && country::is_country(v) {
                p.countries += 1;
            }
            if country::is_region(v) {
                p.regions += 1;
            }
            if number.is_some() && is_amount(v) {
                p.amounts += 1;
            }
            if crate::profile::types::is_person_name(v) && v.contains(' ') {
                p.person_names += 1;
            }
        }
        p.unique = p.filled > 1 && !repeated;
        p.distinct_in_sample = seen.len();
        p.date_formats = date_formats(&layouts, &orders);
        p
    }

    /// Exact distinct values when known, else none.
    pub fn values(&self) -> &[(String, u64)] {
        self.distinct.as_deref().unwrap_or_default()
    }
}

/// Whether a number is written as money: with a currency sign or code, or with exactly two
/// decimals after at least two digits (`1250.00`, `1.250,00`).
fn is_amount(v: &str) -> bool {
    const CODES: [&str; 7] = ["USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY"];
    if v.contains(['$', '€', '£', '¥']) || CODES.iter().any(|c| v.contains(c)) {
        return true;
    }
    let body = v.trim().trim_start_matches('-');
    match body.rsplit_once(['.', ',']) {
        Some((int, frac)) => {
            frac.len() == 2
                && frac.bytes().all(|b| b.is_ascii_digit())
                && int.bytes().filter(u8::is_ascii_digit).count() >= 2
        }
        None => false,
    }
}

/// The column's date formats, most used first: an ambiguous `03/04/2021` takes the order
/// the column's unambiguous values show (day-first when more of them read only day-first).
fn date_formats(
    layouts: &BTreeMap<(u8, u8, bool), u64>,
    orders: &BTreeMap<u8, (u64, u64)>,
) -> Vec<String> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (&(format, time, ambiguous), &n) in layouts {
        let day_first = orders.get(&(format & !1)).is_some_and(|(m, d)| d > m);
        let format = match date::day_first_twin(format) {
            Some(twin) if ambiguous && day_first => twin,
            _ => format,
        };
        *counts.entry(date::label(format, time)).or_default() += n;
    }
    let mut out: Vec<(String, u64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.into_iter().map(|(f, _)| f).collect()
}

/// Profiles every column of a dataset from a sample of rows and exact distinct counts.
pub fn gather(db: &Db, dataset: &str, columns: &[SourceColumn]) -> Result<Vec<ColumnProfile>> {
    let names: Vec<String> = columns.iter().map(|c| c.column.clone()).collect();
    let rows = db.sample_rows(dataset, &names, SAMPLE_ROWS)?;
    let mut out = Vec::with_capacity(columns.len());
    for (i, col) in columns.iter().enumerate() {
        let distinct_sample: HashMap<&str, ()> = rows
            .iter()
            .filter_map(|r| r[i].as_deref())
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v, ()))
            .collect();
        let distinct = if distinct_sample.len() <= MAX_DISTINCT {
            db.distinct_values(dataset, &col.column, MAX_DISTINCT)?
        } else {
            None
        };
        out.push(ColumnProfile::from_values(
            &col.header,
            &col.column,
            rows.iter().map(|r| r[i].as_deref()),
            distinct,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(values: &[&str]) -> ColumnProfile {
        ColumnProfile::from_values("h", "c", values.iter().map(|v| Some(*v)), None)
    }

    #[test]
    fn recognises_value_kinds() {
        let p = profile(&["a@b.com", "c@d.org", "N/A", "bad at x"]);
        assert_eq!((p.filled, p.emails), (3, 2));
        let p = profile(&["www.acme.com", "https://x.io/", "acme.com"]);
        assert_eq!(p.urls, 3);
        let p = profile(&["(415) 555-0134", "415.555.0134", "call me"]);
        assert_eq!(p.phones, 2);
        let p = profile(&["2021-03-04", "03/04/2021", "4 Mar 2021", "03/05/2021"]);
        assert_eq!(p.dates, 4);
        assert_eq!(p.date_formats[0], "%m/%d/%Y");
        // The unambiguous values say the column is day-first.
        let p = profile(&["03/04/2021", "13/04/2021", "25/12/2020", "2021-03-04 10:20"]);
        assert_eq!(p.date_formats, ["%d/%m/%Y", "%Y-%m-%d %H:%M"]);
        let p = profile(&["$1.2M", "1,200", "250k", "12.5"]);
        assert_eq!((p.numbers, p.integers), (4, 3));
        let p = profile(&["USA", "Germany", "France", "x"]);
        assert_eq!(p.countries, 3);
        let p = profile(&["yes", "no", "Y"]);
        assert_eq!(p.booleans, 3);
        let p = profile(&["Texas", "Bayern", "Ontario", "France"]);
        assert_eq!((p.regions, p.countries), (3, 1));
        let p = profile(&["$1,200", "4500.00", "EUR 300", "12", "0.25"]);
        assert_eq!((p.numbers, p.amounts), (5, 3));
        let p = profile(&[
            "Dana Whitfield",
            "Marco Rossi",
            "Dana Whitfield",
            "ACME",
            "x",
        ]);
        assert_eq!(p.person_names, 3);
    }

    #[test]
    fn uniqueness_length_and_blanks() {
        let p = profile(&["A-1", "A-2", "A-3", ""]);
        assert!(p.unique);
        assert_eq!((p.rows, p.filled, p.max_len), (4, 3, 3));
        let p = profile(&["x", "x"]);
        assert!(!p.unique);
        assert_eq!(p.share(p.filled), 1.0);
        assert_eq!(profile(&[]).share(0), 0.0);
    }
}
