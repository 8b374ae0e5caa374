//! Turning profiles into findings (a check, where, how many records, examples), worst first.

use super::dataset::Scanned;
use super::model::{AccountStatus, ColumnProfile, Finding, Hierarchy, Reference, Staleness};
use super::types::SemanticType;
use super::vocab;
pub use crate::error::thousands;

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
            out.push(finding(
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
            ));
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
                    "{} date formats; {} values are not in the most common one ({})",
                    dates.formats.len(),
                    thousands(others),
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
                    "{} values stand in for no value ({})",
                    thousands(c.placeholder),
                    c.placeholders
                        .iter()
                        .take(5)
                        .map(|p| format!("{:?} {}", p.value, p.count))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
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
                    "{} of {} records have no {}",
                    thousands(empty),
                    thousands(c.rows),
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
                "{} rows repeat an earlier row exactly",
                thousands(d.duplicate_rows)
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
                "{} problems recorded while reading (see the _issues table)",
                thousands(issues)
            ),
        ));
    }
}

/// Splits `dataset.column` as references name them.
fn split(name: &str) -> (&str, &str) {
    name.split_once('.').unwrap_or((name, ""))
}

/// Orphans of a reference.
pub fn reference_findings(r: &Reference, header: Option<String>, out: &mut Vec<Finding>) {
    if r.orphans == 0 {
        return;
    }
    let (dataset, column) = split(&r.from);
    out.push(Finding {
        check: "orphan_reference",
        dataset: dataset.to_string(),
        column: Some(column.to_string()),
        header,
        count: r.orphans,
        examples: r.orphan_examples.clone(),
        detail: format!(
            "{} of {} records point at no {}",
            thousands(r.orphans),
            thousands(r.values),
            r.to
        ),
    });
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
            "{} records name a parent {} that does not exist",
            thousands(h.missing_parents),
            h.id
        ),
    );
    push(
        "self_parent",
        h.self_parents,
        h.self_parent_examples.clone(),
        format!("{} records are their own parent", thousands(h.self_parents)),
    );
    push(
        "hierarchy_cycle",
        h.in_cycles,
        h.cycles.iter().map(|c| c.join(" -> ")).collect(),
        format!(
            "{} records are on parent cycles ({} cycles shown); {} more lead into one",
            thousands(h.in_cycles),
            h.cycles.len(),
            thousands(h.above_cycles)
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
        examples,
        detail: format!(
            "{} of {} records have no activity since {} ({} have no date at all)",
            thousands(s.stale),
            thousands(s.records),
            s.cutoff,
            thousands(s.no_date)
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
        examples: a.dead_examples.clone(),
        detail: format!(
            "{} of {} accounts are dead: stale, no open opportunity and no recent win in {}",
            thousands(a.dead),
            thousands(a.accounts),
            a.opportunities.as_deref().unwrap_or("-")
        ),
    });
}

/// How bad a check is: structural problems first, then invalid values, then hygiene.
fn tier(check: &str) -> u8 {
    match check {
        "hierarchy_cycle" | "orphan_reference" | "missing_parent" | "self_parent"
        | "duplicate_row" | "blank_required" => 0,
        "invalid_email" | "invalid_phone" | "invalid_date" | "nonstandard_number"
        | "invalid_url" | "invalid_value" | "mixed_date_formats" | "ingest_issue" => 1,
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
