//! Turning profiles into findings (a check, where, how many records, examples), worst first.

use super::dataset::Scanned;
use super::model::{AccountStatus, ColumnProfile, Finding, Hierarchy, Reference, Staleness};
use super::types::SemanticType;
use super::values::Members;
use super::{types, variants, vocab};
use crate::numbers::plural;
use crate::numbers::thousands;

fn finding(
    check: &'static str,
    dataset: &str,
    column: Option<&ColumnProfile>,
    count: u64,
    examples: Vec<String>,
    detail: String,
) -> Finding {
    Finding {
        check,
        dataset: dataset.to_string(),
        column: column.map(|c| c.name.clone()),
        header: column
            .filter(|c| c.header != c.name)
            .map(|c| c.header.clone()),
        count,
        values: None,
        examples,
        detail,
    }
}

/// The check for values invalid for `kind`, if invalid values of that type are a finding.
fn invalid_check(kind: SemanticType) -> Option<&'static str> {
    Some(match kind {
        SemanticType::Email => "invalid_email",
        SemanticType::Phone => "invalid_phone",
        SemanticType::Date | SemanticType::Datetime => "invalid_date",
        SemanticType::Integer
        | SemanticType::Decimal
        | SemanticType::Currency
        | SemanticType::Percent => "nonstandard_number",
        SemanticType::Url => "invalid_url",
        // States and regions are not a finding: no list knows every region of every country.
        SemanticType::Boolean | SemanticType::Postcode | SemanticType::Country => "invalid_value",
        _ => return None,
    })
}

/// Findings about single columns and whole datasets.
pub fn dataset_findings(d: &Scanned, out: &mut Vec<Finding>) {
    let vocab = vocab::columns();
    for c in &d.columns {
        if let Some(check) = invalid_check(c.kind)
            && c.invalid.count > 0
        {
            let reasons = if c.invalid.reasons.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = c
                    .invalid
                    .reasons
                    .iter()
                    .map(|r| format!("{} {}", r.count, r.value))
                    .collect();
                format!(" ({})", list.join(", "))
            };
            let mut f = finding(
                check,
                &d.name,
                Some(c),
                c.invalid.count,
                c.invalid.examples.clone(),
                format!(
                    "{} of {} {} values are not valid {}{reasons}",
                    thousands(c.invalid.count),
                    thousands(c.filled),
                    c.name,
                    c.kind.name()
                ),
            );
            // Values of a closed list (countries, yes/no) are fixed a value at a time.
            if check == "invalid_value" {
                f.values = invalid_distinct(d, c);
            }
            out.push(f);
        }
        if let Some(dates) = &c.dates
            && dates.formats.len() >= 2
        {
            let dominant = dates.formats[0].count;
            let others = dates.count - dominant;
            out.push(finding(
                "mixed_date_formats",
                &d.name,
                Some(c),
                others,
                dates
                    .formats
                    .iter()
                    .map(|f| format!("{} ({})", f.format, f.count))
                    .collect(),
                format!(
                    "{} date formats; {} not in the most common one ({})",
                    dates.formats.len(),
                    plural(others, "value is", "values are"),
                    dates.formats[0].format
                ),
            ));
        }
        if c.placeholder > 0 {
            out.push(finding(
                "placeholder_value",
                &d.name,
                Some(c),
                c.placeholder,
                c.placeholders
                    .iter()
                    .take(5)
                    .map(|p| p.value.clone())
                    .collect(),
                format!(
                    "{} in for no value ({})",
                    plural(c.placeholder, "value stands", "values stand"),
                    c.placeholders
                        .iter()
                        .take(5)
                        .map(|p| format!("{:?} {}", p.value, p.count))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        text_findings(d, c, out);
        if let Some(ci) = d.column(&c.name) {
            variant_findings(d, ci, out);
        }
        let empty = c.null + c.blank + c.whitespace;
        if vocab.required.matches(&c.name) && empty > 0 {
            out.push(finding(
                "blank_required",
                &d.name,
                Some(c),
                empty,
                Vec::new(),
                format!(
                    "{} have no {}",
                    crate::numbers::part_of(empty, c.rows, "record", "records"),
                    c.name
                ),
            ));
        }
    }
    if d.duplicate_rows > 0 {
        out.push(finding(
            "duplicate_row",
            &d.name,
            None,
            d.duplicate_rows,
            d.duplicate_examples
                .iter()
                .map(|r| format!("row {r}"))
                .collect(),
            format!(
                "{} an earlier row exactly",
                plural(d.duplicate_rows, "row repeats", "rows repeat")
            ),
        ));
    }
    let issues: u64 = d.issues.iter().map(|i| i.count).sum();
    if issues > 0 {
        out.push(finding(
            "ingest_issue",
            &d.name,
            None,
            issues,
            d.issues
                .iter()
                .map(|i| format!("{} {}", i.value, i.count))
                .collect(),
            format!(
                "{} recorded while reading (see the _issues table)",
                plural(issues, "problem", "problems")
            ),
        ));
    }
}

/// Distinct values of `c` that do not fit its type (placeholders included, as the invalid
/// count includes them), when the distinct values are known.
fn invalid_distinct(d: &Scanned, c: &ColumnProfile) -> Option<u64> {
    let bit = c.kind.valid_bit()?;
    let ci = d.column(&c.name)?;
    let stats = d.stats.get(ci)?;
    if stats.values().distinct() as usize > variants::MAX_VALUES {
        return None;
    }
    match stats.values().members()? {
        Members::Texts(iter) => Some(
            iter.filter(|(_, t, _)| {
                !t.trim().is_empty()
                    && (crate::values::placeholder::is_placeholder(t.trim())
                        || types::analyze(t).bits & bit == 0)
            })
            .count() as u64,
        ),
        Members::Hashes(_) => None,
    }
}

/// Mojibake and lost characters, a glued-on legacy code, record ids in a name column.
fn text_findings(d: &Scanned, c: &ColumnProfile, out: &mut Vec<Finding>) {
    let s = &c.signs;
    let damaged = s.garbled.count + s.lost.count;
    if damaged > 0 {
        let mut examples = s.garbled.examples.clone();
        examples.extend(s.lost.examples.iter().cloned());
        examples.truncate(5);
        let mut parts = Vec::new();
        if s.garbled.count > 0 {
            parts.push(format!(
                "{} garbled by a wrong encoding (Ã©, â€™)",
                thousands(s.garbled.count)
            ));
        }
        if s.lost.count > 0 {
            parts.push(format!(
                "{} with characters lost to `?`",
                thousands(s.lost.count)
            ));
        }
        out.push(finding(
            "mojibake",
            &d.name,
            Some(c),
            damaged,
            examples,
            format!(
                "{} damaged text in {}: {}",
                plural(damaged, "value has", "values have"),
                c.name,
                parts.join("; ")
            ),
        ));
    }
    let codes = matches!(
        c.kind,
        SemanticType::Identifier
            | SemanticType::Phone
            | SemanticType::Postcode
            | SemanticType::Email
            | SemanticType::Url
    ) || c.kind.is_numeric()
        || c.kind.is_temporal();
    if let Some(digits) = s.legacy_prefix_digits
        && !codes
    {
        out.push(finding(
            "legacy_prefix",
            &d.name,
            Some(c),
            s.legacy_prefix.count,
            s.legacy_prefix.examples.clone(),
            format!(
                "{} of {} {} values start with a {digits}-digit code glued to the value",
                thousands(s.legacy_prefix.count),
                thousands(c.filled),
                c.name
            ),
        ));
    }
    let name_column = matches!(
        vocab::type_hint(&c.name),
        Some(SemanticType::CompanyName | SemanticType::PersonName)
    ) || vocab::columns().required.matches(&c.name);
    if name_column && s.id_like.count > 0 {
        out.push(finding(
            "id_in_name",
            &d.name,
            Some(c),
            s.id_like.count,
            s.id_like.examples.clone(),
            format!(
                "{} of {} {} values are record ids or codes, not names",
                thousands(s.id_like.count),
                thousands(c.filled),
                c.name
            ),
        ));
    }
}

/// Spellings of one category value (`Tecnology` beside `Technology`, `USA` beside `United
/// States`), with the value to keep.
fn variant_findings(d: &Scanned, ci: usize, out: &mut Vec<Finding>) {
    let c = &d.columns[ci];
    if !matches!(
        c.kind,
        SemanticType::Category | SemanticType::Country | SemanticType::State
    ) {
        return;
    }
    let Some(values) = distinct_values(d, ci) else {
        return;
    };
    let groups = variants::groups(&values, c.kind == SemanticType::Country);
    if groups.is_empty() {
        return;
    }
    let records: u64 = groups.iter().map(|g| g.variant_records()).sum();
    let spellings: u64 = groups.iter().map(|g| g.variants.len() as u64).sum();
    let examples: Vec<String> = groups
        .iter()
        .flat_map(|g| {
            g.variants
                .iter()
                .map(move |(v, n)| format!("{v} ({n}) → {}", g.canonical))
        })
        .take(5)
        .collect();
    let mut f = finding(
        "variant_values",
        &d.name,
        Some(c),
        records,
        examples,
        format!(
            "{} {} other spellings of {} ({}); map each to the value to keep",
            plural(records, "record uses", "records use"),
            thousands(spellings),
            plural(groups.len() as u64, "value", "values"),
            groups
                .iter()
                .take(3)
                .map(|g| format!("{:?}", g.canonical))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    f.values = Some(spellings);
    out.push(f);
}

/// The distinct values of a column with their counts, while they are known exactly and few.
pub fn distinct_values(d: &Scanned, ci: usize) -> Option<Vec<(String, u64)>> {
    let stats = d.stats.get(ci)?;
    if stats.values().distinct() as usize > variants::MAX_VALUES {
        return None;
    }
    match stats.values().members()? {
        Members::Texts(iter) => Some(
            iter.filter(|(_, t, _)| {
                let t = t.trim();
                !t.is_empty() && !crate::values::placeholder::is_placeholder(t)
            })
            .map(|(_, t, n)| (t.to_string(), n))
            .collect(),
        ),
        Members::Hashes(_) => None,
    }
}

/// Splits `dataset.column` as references name them.
fn split(name: &str) -> (&str, &str) {
    name.split_once('.').unwrap_or((name, ""))
}

/// Share of records that must hold a reference before its blanks are a defect: a link most
/// records carry is one the process expects (an opportunity's account); one that many records
/// leave blank is optional (an activity's contact).
const EXPECTED_LINK: f64 = 0.8;

/// Orphans and blanks of a reference.
pub fn reference_findings(r: &Reference, header: Option<String>, out: &mut Vec<Finding>) {
    let (dataset, column) = split(&r.from);
    let (target, _) = split(&r.to);
    let sure = if r.declared {
        String::new()
    } else {
        format!(" (link found from the data, {} confidence)", r.confidence)
    };
    if r.orphans > 0 {
        out.push(Finding {
            check: "orphan_reference",
            dataset: dataset.to_string(),
            column: Some(column.to_string()),
            header: header.clone(),
            count: r.orphans,
            values: None,
            examples: r.orphan_examples.clone(),
            detail: format!(
                "{} of {} point at no {}{sure}",
                thousands(r.orphans),
                plural(r.values, "record", "records"),
                r.to
            ),
        });
    }
    if r.ambiguous > 0 {
        out.push(Finding {
            check: "ambiguous_reference",
            dataset: dataset.to_string(),
            column: Some(column.to_string()),
            header: header.clone(),
            count: r.ambiguous,
            values: None,
            examples: r.ambiguous_examples.clone(),
            detail: format!(
                "{} of {} name a {target} that several {target} records share, so the link cannot say which one is meant{sure}: stage loads them without it unless a unique column is named with `lookup:`",
                thousands(r.ambiguous),
                plural(r.values, "record", "records"),
            ),
        });
    }
    let filled = r.records.saturating_sub(r.blank) as f64 / r.records.max(1) as f64;
    if r.blank > 0 && (r.declared || filled >= EXPECTED_LINK) {
        out.push(Finding {
            check: "blank_reference",
            dataset: dataset.to_string(),
            column: Some(column.to_string()),
            header,
            count: r.blank,
            values: None,
            examples: Vec::new(),
            detail: format!(
                "{} of {} {} have no {} ({column} is blank)",
                thousands(r.blank),
                thousands(r.records),
                dataset,
                crate::profile::dataset::singular(target)
            ),
        });
    }
}

/// Missing parents, self-parents and cycles.
pub fn hierarchy_findings(h: &Hierarchy, header: Option<String>, out: &mut Vec<Finding>) {
    let mut push = |check: &'static str, count: u64, examples: Vec<String>, detail: String| {
        if count > 0 {
            out.push(Finding {
                check,
                dataset: h.dataset.clone(),
                column: Some(h.parent.clone()),
                header: header.clone(),
                count,
                values: None,
                examples,
                detail,
            });
        }
    };
    push(
        "missing_parent",
        h.missing_parents,
        h.missing_parent_examples.clone(),
        format!(
            "{} a parent {} that does not exist",
            plural(h.missing_parents, "record names", "records name"),
            h.id
        ),
    );
    push(
        "self_parent",
        h.self_parents,
        h.self_parent_examples.clone(),
        plural(
            h.self_parents,
            "record is its own parent",
            "records are their own parent",
        ),
    );
    push(
        "hierarchy_cycle",
        h.in_cycles,
        h.cycles.iter().map(|c| c.join(" -> ")).collect(),
        format!(
            "{} on parent cycles ({} shown); {} more {} into one",
            plural(h.in_cycles, "record is", "records are"),
            plural(h.cycles.len() as u64, "cycle", "cycles"),
            thousands(h.above_cycles),
            if h.above_cycles == 1 { "leads" } else { "lead" }
        ),
    );
}

/// Stale records of a dataset.
pub fn staleness_findings(s: &Staleness, examples: Vec<String>, out: &mut Vec<Finding>) {
    if s.stale == 0 {
        return;
    }
    out.push(Finding {
        check: "stale_record",
        dataset: s.dataset.clone(),
        column: (s.columns.len() == 1).then(|| s.columns[0].clone()),
        header: None,
        count: s.stale,
        values: None,
        examples,
        detail: format!(
            "{} have no activity since {} ({} no date at all)",
            crate::numbers::part_of(s.stale, s.records, "record", "records"),
            s.cutoff,
            plural(s.no_date, "has", "have")
        ),
    });
}

/// Dead accounts.
pub fn account_findings(a: &AccountStatus, out: &mut Vec<Finding>) {
    if a.dead == 0 {
        return;
    }
    out.push(Finding {
        check: "dead_account",
        dataset: a.dataset.clone(),
        column: None,
        header: None,
        count: a.dead,
        values: None,
        examples: a.dead_examples.clone(),
        detail: format!(
            "{} are dead: stale, no open opportunity and no recent win in {}",
            crate::numbers::part_of(a.dead, a.accounts, "account", "accounts"),
            a.opportunities.as_deref().unwrap_or("-")
        ),
    });
}

/// How bad a check is: structural problems first, then invalid values, then hygiene.
fn tier(check: &str) -> u8 {
    match check {
        "hierarchy_cycle"
        | "orphan_reference"
        | "ambiguous_reference"
        | "missing_parent"
        | "self_parent"
        | "duplicate_row"
        | "blank_required"
        | "blank_reference" => 0,
        "invalid_email" | "invalid_phone" | "invalid_date" | "nonstandard_number"
        | "invalid_url" | "invalid_value" | "mixed_date_formats" | "ingest_issue" | "mojibake"
        | "id_in_name" | "legacy_prefix" | "variant_values" => 1,
        _ => 2,
    }
}

/// Orders findings worst first: by tier, then by the share of the dataset affected.
pub fn sort(findings: &mut [Finding], rows_of: impl Fn(&str) -> u64) {
    let share = |f: &Finding| f.count as f64 / rows_of(&f.dataset).max(1) as f64;
    findings.sort_by(|a, b| {
        tier(a.check)
            .cmp(&tier(b.check))
            .then_with(|| share(b).total_cmp(&share(a)))
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| a.dataset.cmp(&b.dataset))
            .then_with(|| a.column.cmp(&b.column))
    });
}
