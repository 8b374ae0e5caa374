//! Streaming statistics of one column: fed a batch of cells at a time, finished into a
//! [`ColumnProfile`] once the type can be decided.

use std::collections::HashMap;

use super::model::{
    ColumnProfile, DateStats, FormatCount, Invalid, Lengths, NumberStats, ShapeCount, ValueCount,
};
use super::shapes;
use super::signs::{Signs, TextSigns};
use super::types::{self, SemanticType, TypeEvidence, bit};
use super::values::{self, ValueCounter};
use crate::values::date::{self as dates, Days, Order};

/// Invalid examples kept per type.
pub const EXAMPLES: usize = 5;
/// Distinct shapes counted per column; rarer ones are counted together as "other".
const SHAPE_CAP: usize = 10_000;
/// Distinct placeholder spellings remembered per column.
const PLACEHOLDER_CAP: usize = 32;

/// The validity bits examples are kept for, in a fixed order.
const VALIDATED: [u32; 11] = [
    bit::INT,
    bit::PLAIN,
    bit::PERCENT,
    bit::BOOL,
    bit::DATE,
    bit::EMAIL,
    bit::PHONE,
    bit::URL,
    bit::POSTCODE,
    bit::COUNTRY,
    bit::STATE,
];

/// How a cell fills its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// No value at all (a missing field, an empty spreadsheet cell, SQL NULL, or a literal
    /// null marker such as `NULL` or `\\N` written by the export).
    Null,
    /// The empty string.
    Blank,
    /// Only spaces, tabs or line breaks.
    Whitespace,
    /// A stand-in such as `N/A`, `-`, `unknown`.
    Placeholder,
    /// A real value.
    Value,
}

/// Classifies one cell.
pub fn presence(cell: Option<&str>) -> Presence {
    match cell {
        None => Presence::Null,
        Some("") => Presence::Blank,
        Some(s) => {
            let t = s.trim();
            if t.is_empty() {
                Presence::Whitespace
            } else if crate::values::placeholder::is_null_marker(t) {
                Presence::Null
            } else if crate::values::placeholder::is_placeholder(t) {
                Presence::Placeholder
            } else {
                Presence::Value
            }
        }
    }
}

/// Per column settings fixed before the scan.
#[derive(Clone, Debug)]
pub struct ColumnSpec {
    /// snake_case column name.
    pub name: String,
    /// Header text as in the file.
    pub header: String,
    /// Whether dates after `as_of` are invalid here.
    pub future_invalid: bool,
    /// The as-of date, as a day number.
    pub as_of: Days,
}

#[derive(Default)]
struct NumberAcc {
    count: u64,
    min: f64,
    max: f64,
    sum: f64,
}

#[derive(Default)]
struct DateAcc {
    count: u64,
    min: Days,
    max: Days,
    sum: i64,
    /// (format, time format) -> counts by [`Order`]: month-first, day-first, ambiguous, fixed.
    formats: HashMap<(u8, u8), [u64; 4]>,
    future: u64,
    impossible: u64,
    future_examples: Vec<String>,
}

/// Everything counted for one column so far.
pub struct ColumnStats {
    spec: ColumnSpec,
    null: u64,
    blank: u64,
    whitespace: u64,
    placeholder: u64,
    placeholders: HashMap<String, u64>,
    values: ValueCounter,
    /// Non-blank, non-placeholder values.
    considered: u64,
    bits: [u64; bit::COUNT],
    len_min: u64,
    len_max: u64,
    len_sum: u64,
    shapes: HashMap<String, u64>,
    shapes_other: u64,
    shape_buf: String,
    numbers: NumberAcc,
    dates: DateAcc,
    examples: [Vec<String>; VALIDATED.len()],
    /// Bits of [`VALIDATED`] whose example list is not full yet.
    examples_wanted: u32,
    signs: Signs,
}

impl ColumnStats {
    /// Empty statistics for a column.
    pub fn new(spec: ColumnSpec) -> Self {
        ColumnStats {
            spec,
            null: 0,
            blank: 0,
            whitespace: 0,
            placeholder: 0,
            placeholders: HashMap::new(),
            values: ValueCounter::default(),
            considered: 0,
            bits: [0; bit::COUNT],
            len_min: u64::MAX,
            len_max: 0,
            len_sum: 0,
            shapes: HashMap::new(),
            shapes_other: 0,
            shape_buf: String::new(),
            numbers: NumberAcc::default(),
            dates: DateAcc::default(),
            examples: Default::default(),
            examples_wanted: VALIDATED.iter().fold(0, |acc, b| acc | b),
            signs: Signs::default(),
        }
    }

    /// The column's settings.
    pub fn spec(&self) -> &ColumnSpec {
        &self.spec
    }

    /// Counts one cell.
    pub fn add(&mut self, cell: Option<&str>) {
        let kind = presence(cell);
        let value = match (kind, cell) {
            // A null marker is counted as null: not billed as a placeholder nor as invalid.
            (Presence::Null, _) | (_, None) => {
                self.null += 1;
                return;
            }
            (Presence::Blank, _) => {
                self.blank += 1;
                return;
            }
            (Presence::Whitespace, _) => {
                self.whitespace += 1;
                return;
            }
            (_, Some(v)) => v,
        };
        self.values.add(values::hash(value), value);
        let len = if value.is_ascii() {
            value.len()
        } else {
            value.chars().count()
        } as u64;
        self.len_min = self.len_min.min(len);
        self.len_max = self.len_max.max(len);
        self.len_sum += len;
        self.count_shape(value);
        if kind == Presence::Placeholder {
            self.placeholder += 1;
            if self.placeholders.len() < PLACEHOLDER_CAP || self.placeholders.contains_key(value) {
                *self.placeholders.entry(value.to_string()).or_default() += 1;
            }
            return;
        }
        self.considered += 1;
        self.signs.add(value);
        let a = types::analyze(value);
        let mut bits = a.bits;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            self.bits[i] += 1;
            bits &= bits - 1;
        }
        if let Some(n) = a.number {
            let acc = &mut self.numbers;
            if acc.count == 0 {
                acc.min = n;
                acc.max = n;
            } else {
                acc.min = acc.min.min(n);
                acc.max = acc.max.max(n);
            }
            acc.count += 1;
            acc.sum += n;
        }
        if let Some(d) = a.date {
            self.count_date(d, value);
        } else if a.bits & bit::DATE_FORM != 0 {
            self.dates.impossible += 1;
        }
        // A serial date is no invalid example of a date column.
        let valid = if a.bits & bit::SERIAL_DATE != 0 {
            a.bits | bit::DATE
        } else {
            a.bits
        };
        let missing = self.examples_wanted & !valid;
        if missing != 0 {
            self.keep_examples(missing, value);
        }
    }

    fn count_shape(&mut self, value: &str) {
        shapes::shape_into(value, &mut self.shape_buf);
        if let Some(n) = self.shapes.get_mut(self.shape_buf.as_str()) {
            *n += 1;
        } else if self.shapes.len() < SHAPE_CAP {
            self.shapes.insert(self.shape_buf.clone(), 1);
        } else {
            self.shapes_other += 1;
        }
    }

    fn count_date(&mut self, d: dates::DateValue, value: &str) {
        let acc = &mut self.dates;
        if acc.count == 0 {
            acc.min = d.days;
            acc.max = d.days;
        } else {
            acc.min = acc.min.min(d.days);
            acc.max = acc.max.max(d.days);
        }
        acc.count += 1;
        acc.sum += i64::from(d.days);
        let slot = match d.order {
            Order::MonthFirst => 0,
            Order::DayFirst => 1,
            Order::Ambiguous => 2,
            Order::Fixed => 3,
        };
        // Day-first values are counted under their month-first twin and sorted out at the end.
        let format = if d.order == Order::DayFirst {
            d.format - 1
        } else {
            d.format
        };
        acc.formats.entry((format, d.time_format)).or_default()[slot] += 1;
        if self.spec.future_invalid && d.days > self.spec.as_of {
            acc.future += 1;
            let example = crate::text::excerpt(value, crate::text::EXAMPLE_CHARS);
            if acc.future_examples.len() < EXAMPLES
                && !acc.future_examples.iter().any(|e| *e == *example)
            {
                acc.future_examples.push(example.into_owned());
            }
        }
    }

    fn keep_examples(&mut self, missing: u32, value: &str) {
        for (i, b) in VALIDATED.iter().enumerate() {
            if missing & b == 0 {
                continue;
            }
            let list = &mut self.examples[i];
            let example = crate::text::excerpt(value, crate::text::EXAMPLE_CHARS);
            if !list.iter().any(|e| *e == *example) {
                list.push(example.into_owned());
            }
            if list.len() >= EXAMPLES {
                self.examples_wanted &= !b;
            }
        }
    }

    /// Rows counted (every cell, whatever it holds).
    pub fn rows(&self) -> u64 {
        self.null + self.blank + self.whitespace + self.placeholder + self.considered
    }

    /// The column's values, for reference checks.
    pub fn values(&self) -> &ValueCounter {
        &self.values
    }

    /// Frees memory only the scan needed.
    pub fn shrink(&mut self) {
        self.values.shrink();
        self.shapes = HashMap::new();
    }

    /// The placeholders seen, most frequent first.
    fn placeholder_list(&self) -> Vec<ValueCount> {
        let mut list: Vec<ValueCount> = self
            .placeholders
            .iter()
            .map(|(v, n)| ValueCount {
                value: v.clone(),
                count: *n,
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        list
    }

    /// Decides the type and turns the counts into a profile.
    pub fn finish(&self) -> ColumnProfile {
        let non_blank = self.considered + self.placeholder;
        let evidence = TypeEvidence {
            considered: self.considered,
            bits: self.bits,
            distinct: self.values.distinct(),
            max_len: self.len_max,
            mean_len: if non_blank == 0 {
                0.0
            } else {
                self.len_sum as f64 / non_blank as f64
            },
        };
        let (kind, share) = types::decide(&self.spec.name, &evidence);
        let (top, top_exact) = self.values.top(10);
        let mut shapes: Vec<ShapeCount> = self
            .shapes
            .iter()
            .map(|(s, n)| ShapeCount {
                shape: s.clone(),
                count: *n,
            })
            .collect();
        shapes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.shape.cmp(&b.shape)));
        shapes.truncate(5);
        let rows = self.rows();
        let filled = self.considered;
        ColumnProfile {
            name: self.spec.name.clone(),
            header: self.spec.header.clone(),
            kind,
            type_share: round4(share),
            rows,
            filled,
            fill_rate: if rows == 0 {
                0.0
            } else {
                round4(filled as f64 / rows as f64)
            },
            null: self.null,
            blank: self.blank,
            whitespace: self.whitespace,
            placeholder: self.placeholder,
            placeholders: self.placeholder_list(),
            distinct: self.values.distinct(),
            distinct_method: self.values.method().to_string(),
            unique: self.values.is_exact() && self.values.all_unique(),
            top_values: top
                .into_iter()
                .map(|(value, count)| ValueCount { value, count })
                .collect(),
            top_values_exact: top_exact,
            length: (non_blank > 0).then_some(Lengths {
                min: self.len_min,
                max: self.len_max,
            }),
            shapes,
            numbers: (kind.is_numeric() && self.numbers.count > 0).then(|| NumberStats {
                count: self.numbers.count,
                min: self.numbers.min,
                max: self.numbers.max,
                mean: self.numbers.sum / self.numbers.count as f64,
            }),
            dates: (kind.is_temporal() && self.dates.count > 0).then(|| self.date_stats()),
            invalid: self.invalid(kind),
            signs: self.text_signs(),
        }
    }

    /// The damage signs worth reporting; a legacy prefix must start at least half the values.
    fn text_signs(&self) -> TextSigns {
        let prefix = self.signs.prefix(self.considered, 0.5);
        TextSigns {
            garbled: self.signs.garbled.clone(),
            lost: self.signs.lost.clone(),
            id_like: self.signs.id_like.clone(),
            legacy_prefix_digits: prefix.as_ref().map(|p| p.0),
            legacy_prefix: prefix.map(|p| p.1).unwrap_or_default(),
        }
    }

    fn date_stats(&self) -> DateStats {
        let acc = &self.dates;
        let show = |d: Days| dates::date(d).map(|d| d.to_string()).unwrap_or_default();
        DateStats {
            count: acc.count,
            min: show(acc.min),
            max: show(acc.max),
            mean: show((acc.sum as f64 / acc.count as f64).round() as Days),
            formats: self.formats(),
            future: acc.future,
            impossible: acc.impossible,
        }
    }

    /// Formats seen, most used first. Ambiguous day/month values follow the column: day-first
    /// when only day-first values are unambiguous, month-first otherwise.
    pub fn formats(&self) -> Vec<FormatCount> {
        let mut out: HashMap<String, u64> = HashMap::new();
        for (&(format, time), counts) in &self.dates.formats {
            let [month_first, day_first, ambiguous, fixed] = *counts;
            let twin = dates::day_first_twin(format);
            let ambiguous_day_first = twin.is_some() && day_first > 0 && month_first == 0;
            let mut add = |f: u8, n: u64| {
                if n > 0 {
                    *out.entry(dates::label(f, time)).or_default() += n;
                }
            };
            match twin {
                Some(dm) => {
                    add(
                        format,
                        month_first + if ambiguous_day_first { 0 } else { ambiguous },
                    );
                    add(
                        dm,
                        day_first + if ambiguous_day_first { ambiguous } else { 0 },
                    );
                }
                None => add(format, month_first + day_first + ambiguous + fixed),
            }
        }
        let mut list: Vec<FormatCount> = out
            .into_iter()
            .map(|(format, count)| FormatCount { format, count })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.format.cmp(&b.format)));
        list
    }

    /// Values that do not fit the column's type.
    fn invalid(&self, kind: SemanticType) -> Invalid {
        let Some(valid_bit) = kind.valid_bit() else {
            return Invalid::default();
        };
        let valid: u64 = (0..bit::COUNT)
            .filter(|i| valid_bit & (1 << i) != 0)
            .map(|i| self.bits[i])
            .sum();
        let slot = VALIDATED.iter().position(|b| valid_bit & b != 0);
        let mut examples: Vec<String> = slot.map(|i| self.examples[i].clone()).unwrap_or_default();
        // Validity is over every non-blank value, as the samples contract defines it: a
        // placeholder in an email column is also an invalid email.
        let mut count = self.considered - valid + self.placeholder;
        let mut reasons = Vec::new();
        if kind.is_temporal() {
            let impossible = self.dates.impossible;
            let future = self.dates.future;
            let unreadable = count - impossible - self.placeholder;
            count += future;
            for (reason, n) in [
                ("unreadable", unreadable),
                ("placeholder", self.placeholder),
                ("impossible", impossible),
                ("future", future),
            ] {
                if n > 0 {
                    reasons.push(ValueCount {
                        value: reason.to_string(),
                        count: n,
                    });
                }
            }
            for e in &self.dates.future_examples {
                if examples.len() < EXAMPLES {
                    examples.push(e.clone());
                }
            }
        }
        for p in self.placeholder_list() {
            if examples.len() < EXAMPLES && !examples.contains(&p.value) {
                examples.push(p.value);
            }
        }
        examples.truncate(EXAMPLES);
        Invalid {
            count,
            examples,
            reasons,
        }
    }
}

/// Rounds a share to four decimals for output.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(name: &str, cells: &[Option<&str>]) -> ColumnProfile {
        let as_of = dates::days(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
        let mut s = ColumnStats::new(ColumnSpec {
            name: name.into(),
            header: name.into(),
            future_invalid: true,
            as_of,
        });
        for c in cells {
            s.add(*c);
        }
        s.finish()
    }

    #[test]
    fn presence_classes() {
        let cases = [
            (None, Presence::Null),
            (Some(""), Presence::Blank),
            (Some("  \t"), Presence::Whitespace),
            (Some(" N/A "), Presence::Placeholder),
            (Some("NULL"), Presence::Null),
            (Some("\\N"), Presence::Null),
            (Some("(null)"), Presence::Null),
            (Some("xxx"), Presence::Placeholder),
            (Some("Acme"), Presence::Value),
        ];
        for (cell, want) in cases {
            assert_eq!(presence(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn fill_is_split_by_kind() {
        let p = stats(
            "industry",
            &[
                Some("Tech"),
                None,
                Some(""),
                Some("  "),
                Some("N/A"),
                Some("Tech"),
            ],
        );
        assert_eq!(
            (
                p.rows,
                p.filled,
                p.null,
                p.blank,
                p.whitespace,
                p.placeholder
            ),
            (6, 2, 1, 1, 1, 1)
        );
        assert_eq!(p.placeholders[0].value, "N/A");
        assert_eq!(p.distinct, 2);
        assert_eq!(p.top_values[0].value, "Tech");
        assert_eq!(p.top_values[0].count, 2);
    }

    #[test]
    fn emails_count_invalid_values_with_examples() {
        let p = stats(
            "email",
            &[
                Some("a@b.com"),
                Some("bob at acme.com"),
                Some("mary@acme"),
                Some("c@d.org"),
                Some(""),
            ],
        );
        assert_eq!(p.kind, SemanticType::Email);
        assert_eq!(p.invalid.count, 2);
        assert_eq!(p.invalid.examples, vec!["bob at acme.com", "mary@acme"]);
    }

    #[test]
    fn dates_report_formats_impossible_and_future() {
        let p = stats(
            "created_date",
            &[
                Some("2021-03-04"),
                Some("03/04/2021"),
                Some("4 Mar 2021"),
                Some("2021-02-30"),
                Some("2031-01-01"),
                Some("2021-05-06"),
            ],
        );
        assert_eq!(p.kind, SemanticType::Date);
        let d = p.dates.as_ref().unwrap();
        let formats: Vec<&str> = d.formats.iter().map(|f| f.format.as_str()).collect();
        assert_eq!(formats, ["%Y-%m-%d", "%d %b %Y", "%m/%d/%Y"]);
        assert_eq!(d.min, "2021-03-04");
        assert_eq!(d.max, "2031-01-01");
        assert_eq!(p.invalid.count, 2);
        assert_eq!(p.invalid.examples, vec!["2021-02-30", "2031-01-01"]);
    }

    #[test]
    fn day_first_columns_are_recognised() {
        let p = stats(
            "created_date",
            &[Some("13/04/2021"), Some("03/04/2021"), Some("25/12/2020")],
        );
        let d = p.dates.unwrap();
        assert_eq!(d.formats.len(), 1);
        assert_eq!(d.formats[0].format, "%d/%m/%Y");
        assert_eq!(d.formats[0].count, 3);
    }

    #[test]
    fn numbers_and_nonstandard_values() {
        let p = stats(
            "employees",
            &[Some("10"), Some("1,200"), Some("500+"), Some("40")],
        );
        assert_eq!(p.kind, SemanticType::Integer);
        assert_eq!(p.invalid.count, 2);
        assert_eq!(p.invalid.examples, vec!["1,200", "500+"]);
        let n = p.numbers.unwrap();
        assert_eq!((n.min, n.max), (10.0, 1200.0));
    }
}
