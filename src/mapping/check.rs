//! `map check`: validate a mapping against the target schema and the data. Every finding has
//! a count and examples; blocking ones are what a load would reject.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use super::file::MappingFile;
use super::transforms::{Context, Transform, apply_all};
use crate::error::Result;
use crate::stage::fate::{self, FieldFate};
use crate::stage::observe::{EXAMPLES, Observed};
use crate::staging::{Db, SourceColumn};
use crate::suggestion::Suggestion;
use crate::targets::{Field, FieldType, ObjectSchema, TargetSchema};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A load would fail (the whole load, or these records).
    Blocking,
    /// Worth a look; the load would go through.
    Warning,
}

/// One problem found, with how many values or rows it touches.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Short code: `unknown_field`, `too_long`, `picklist_value`, ...
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub message: String,
    /// Rows or values affected (1 for problems of the mapping itself).
    pub count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// Distinct values affected, for picklist values the target does not allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct: Option<u64>,
}

/// Required target fields and which have a source.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Required {
    pub total: usize,
    pub mapped: usize,
    pub missing: Vec<String>,
}

/// The object's writable required fields, and which of them a mapping entry targets.
pub fn required_fields(mapping: &MappingFile, object: &ObjectSchema) -> Required {
    let mut required = Required::default();
    for f in object.fields.iter().filter(|f| f.required && !f.read_only) {
        required.total += 1;
        let targeted = mapping
            .fields
            .iter()
            .any(|fm| object.field(&fm.target).is_some_and(|x| x.name == f.name));
        if targeted {
            required.mapped += 1;
        } else {
            required.missing.push(f.name.clone());
        }
    }
    required
}

/// The outcome for one mapping file.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub file: String,
    pub dataset: String,
    pub target: String,
    pub object: String,
    /// The object's label (`Account`), for messages.
    pub object_label: String,
    pub rows: u64,
    pub fields: usize,
    pub required: Required,
    pub blocking: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
    /// Custom fields the mapping declares that the target object lacks: to create first.
    pub custom_fields: Vec<String>,
    /// What stage would do with the dataset's rows, from a dry run of stage itself over every
    /// mapping in `mappings/` (none when stage would stop, or the file is not among them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted: Option<crate::stage::DatasetOutcome>,
}

/// Finding kinds about the mapping itself rather than its rows' values: stage's rejects of
/// such a field are foreseen by the finding whatever their number.
const MAPPING_KINDS: [&str; 7] = [
    "unknown_field",
    "duplicate_target",
    "read_only",
    "unknown_column",
    "no_source",
    "type_mismatch",
    "required_unmapped",
];

impl CheckReport {
    /// Takes stage's dry-run outcome for this dataset, and adds a blocking finding for every
    /// field whose rejects the value checks did not foresee (a parent that stage itself
    /// rejects, a key another dataset holds, ...), so "0 blocking" means stage rejects
    /// nothing for mapping reasons. Ingest issues stay the warning they are.
    pub fn predict(
        &mut self,
        outcome: &crate::stage::DatasetOutcome,
        rejects: &[crate::staging::RejectSummary],
    ) {
        let mut predicted = outcome.clone();
        // What stage met in the values is in the findings already.
        predicted.observed = None;
        self.predicted = Some(predicted);
        let mut by_field: BTreeMap<Option<&str>, Vec<&crate::staging::RejectSummary>> =
            BTreeMap::new();
        for r in rejects.iter().filter(|r| r.dataset == self.dataset) {
            if r.reason == fate::Reason::IngestIssue.code() {
                continue;
            }
            by_field.entry(r.field.as_deref()).or_default().push(r);
        }
        for (field, found) in by_field {
            let blocking =
                |f: &&Finding| f.severity == Severity::Blocking && f.field.as_deref() == field;
            if self
                .findings
                .iter()
                .filter(blocking)
                .any(|f| MAPPING_KINDS.contains(&f.kind))
            {
                continue;
            }
            let foreseen: u64 = self.findings.iter().filter(blocking).map(|f| f.count).sum();
            let mut left = found.iter().map(|r| r.count as u64).sum::<u64>();
            left = left.saturating_sub(foreseen);
            if left == 0 {
                continue;
            }
            // The most frequent reason names the finding.
            let main = found.iter().max_by_key(|r| r.count).expect("grouped");
            let kind = fate::Reason::from_code(&main.reason)
                .map(fate::Reason::code)
                .unwrap_or("stage_reject");
            let examples: Vec<String> = found
                .iter()
                .flat_map(|r| &r.examples)
                .take(EXAMPLES)
                .map(|(row, value, detail)| format!("row {row} `{value}`: {detail}"))
                .collect();
            let name = field.unwrap_or("(record)");
            let reasons: Vec<String> = found
                .iter()
                .map(|r| format!("`{}` {}", r.reason, r.count))
                .collect();
            self.findings.push(Finding {
                severity: Severity::Blocking,
                kind,
                field: field.map(String::from),
                source: None,
                message: format!(
                    "stage rejects {} for `{name}` that the value checks do not foresee ({}): the reasons depend on other rows (a parent that is itself rejected, a key another record holds)",
                    crate::numbers::plural(left, "more record", "more records"),
                    reasons.join(", ")
                ),
                count: left,
                examples,
                distinct: None,
            });
        }
        self.findings.sort_by_key(|f| f.severity);
        self.blocking = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Blocking)
            .count();
        self.warnings = self.findings.len() - self.blocking;
    }
}

/// The dataset's columns, or None when it has not been ingested.
pub struct CheckData<'a> {
    pub db: &'a Db,
    pub columns: Option<Vec<SourceColumn>>,
    /// The keys of objects loaded from several key namespaces, where a plain reference can
    /// be ambiguous.
    pub parent_keys: Option<&'a crate::stage::ParentKeys>,
    /// The values as a dry run of stage met them; the check scans them itself without.
    pub observed: Option<&'a Observed>,
}

/// A mapping entry resolved against the schema.
struct Resolved<'a> {
    index: usize,
    source: Option<usize>,
    field: &'a Field,
}

/// Checks one mapping.
pub fn check(
    mapping: &MappingFile,
    path: &Path,
    schema: &TargetSchema,
    object_key: &str,
    object: &ObjectSchema,
    data: &CheckData,
) -> Result<CheckReport> {
    let mut findings = Vec::new();
    let mut block =
        |kind: &'static str, field: Option<&str>, source: Option<&str>, message: String| {
            findings.push(Finding {
                severity: Severity::Blocking,
                kind,
                field: field.map(String::from),
                source: source.map(String::from),
                message,
                count: 1,
                examples: Vec::new(),
                distinct: None,
            });
        };

    // Source columns: by header and by column name.
    let columns = data.columns.clone().unwrap_or_default();
    let find_column = |name: &str| super::file::column_index(&columns, name);
    if data.columns.is_none() {
        block(
            "unknown_dataset",
            None,
            None,
            format!(
                "dataset `{}` is not ingested in this workspace; run `crmkit ingest FILE --as {}` first",
                mapping.dataset, mapping.dataset
            ),
        );
    }

    let custom: Vec<&Field> = mapping.custom_fields.iter().collect();
    let mut score_warnings: Vec<Finding> = Vec::new();
    let mut resolved: Vec<Resolved> = Vec::new();
    let mut seen_targets: HashMap<String, usize> = HashMap::new();
    for (i, fm) in mapping.fields.iter().enumerate() {
        let field = mapping.target_field(object, &fm.target);
        let Some(field) = field else {
            let names = object
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .chain(custom.iter().map(|f| f.name.as_str()));
            let hint = Suggestion::closest(&fm.target, names)
                .map(|s| format!("; {s}"))
                .unwrap_or_else(|| {
                    "; declare it under `custom_fields:` if it is a custom field".to_string()
                });
            block(
                "unknown_field",
                Some(&fm.target),
                fm.source.as_deref(),
                format!(
                    "{} {} has no field `{}`{hint}",
                    schema.target, object.name, fm.target
                ),
            );
            continue;
        };
        if let Some(first) = seen_targets.insert(field.name.clone(), i) {
            block(
                "duplicate_target",
                Some(&field.name),
                fm.source.as_deref(),
                format!(
                    "`{}` is mapped twice (entries {} and {}); each target field takes one source",
                    field.name,
                    first + 1,
                    i + 1
                ),
            );
            continue;
        }
        if field.read_only {
            block(
                "read_only",
                Some(&field.name),
                fm.source.as_deref(),
                format!(
                    "`{}` is read-only in {}{}",
                    field.name,
                    schema.target,
                    field
                        .note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ),
            );
            continue;
        }
        let source = match &fm.source {
            Some(s) if super::file::score_source(s).is_some() => {
                let name = super::file::score_source(s).unwrap_or_default();
                if data.columns.is_some() && data.db.scores(&mapping.dataset, name)?.is_empty() {
                    score_warnings.push(Finding {
                        severity: Severity::Warning,
                        kind: "score_missing",
                        field: Some(field.name.clone()),
                        source: Some(s.clone()),
                        message: format!(
                            "no `{name}` score is stored for dataset `{}`: run `crmkit score rfm` / `score status` / `assign` first, or the field loads blank",
                            mapping.dataset
                        ),
                        count: 1,
                        examples: Vec::new(),
                        distinct: None,
                    });
                }
                None
            }
            Some(s) => match find_column(s) {
                Some(c) => Some(c),
                None => {
                    if data.columns.is_some() {
                        let hint = crate::suggestion::did_you_mean(
                            s,
                            columns.iter().map(|c| c.header.as_str()),
                        );
                        block(
                            "unknown_column",
                            Some(&field.name),
                            Some(s),
                            format!("dataset `{}` has no column `{s}`{hint}", mapping.dataset),
                        );
                    }
                    continue;
                }
            },
            None => {
                if !fm
                    .transform
                    .iter()
                    .any(|t| matches!(t, Transform::Default(_)))
                {
                    block(
                        "no_source",
                        Some(&field.name),
                        None,
                        format!(
                            "`{}` has no `source` and no `default` transform",
                            field.name
                        ),
                    );
                    continue;
                }
                None
            }
        };
        for t in &fm.transform {
            if let Transform::Concat(c) = t {
                for col in &c.columns {
                    if find_column(col).is_none() && data.columns.is_some() {
                        block(
                            "unknown_column",
                            Some(&field.name),
                            Some(col),
                            format!(
                                "concat names `{col}`, which dataset `{}` does not have",
                                mapping.dataset
                            ),
                        );
                    }
                }
            }
        }
        if let Some(problem) = transform_type_problem(&fm.transform, field) {
            block(
                "type_mismatch",
                Some(&field.name),
                fm.source.as_deref(),
                problem,
            );
        }
        resolved.push(Resolved {
            index: i,
            source,
            field,
        });
    }

    // Required fields with no source.
    let required = required_fields(mapping, object);
    for f in required
        .missing
        .iter()
        .filter_map(|name| object.field(name))
    {
        block(
            "required_unmapped",
            Some(&f.name),
            None,
            format!(
                "required field `{}` ({}) has no source; map a column or add `transform: [{{default: ...}}]`",
                f.name,
                f.display()
            ),
        );
    }

    findings.extend(score_warnings);
    // Custom fields the target may not have yet.
    for f in &mapping.custom_fields {
        if object.field(&f.name).is_none() {
            findings.push(Finding {
                severity: Severity::Warning,
                kind: "custom_field_missing",
                field: Some(f.name.clone()),
                source: None,
                message: format!(
                    "custom field `{}` ({}{}) is not in the {} schema: create it in the target, then pull the schema",
                    f.name,
                    f.kind,
                    f.length.map(|l| format!(", {l}")).unwrap_or_default(),
                    schema.target
                ),
                count: 1,
                examples: Vec::new(),
                distinct: None,
            });
        }
    }

    // Columns nobody mentions.
    if data.columns.is_some() {
        for c in &columns {
            let mentioned = mapping.fields.iter().any(|f| {
                f.source.as_deref().is_some_and(|s| s == c.header || s == c.column)
                    || f.transform.iter().any(|t| matches!(t, Transform::Concat(cc) if cc.columns.iter().any(|x| *x == c.header || *x == c.column)))
            }) || mapping.unmapped.iter().any(|u| u.source == c.header || u.source == c.column);
            if !mentioned {
                findings.push(Finding {
                    severity: Severity::Warning,
                    kind: "unlisted_column",
                    field: None,
                    source: Some(c.header.clone()),
                    message: format!(
                        "column `{}` is neither mapped nor listed under `unmapped:`",
                        c.header
                    ),
                    count: 1,
                    examples: Vec::new(),
                    distinct: None,
                });
            }
        }
    }

    let mut rows = 0;
    if data.columns.is_some() {
        let scanned;
        let seen = match data.observed {
            Some(seen) => seen,
            None => {
                scanned = scan_values(mapping, schema, object_key, &resolved, &columns, data)?;
                &scanned
            }
        };
        value_findings(mapping, &resolved, seen, &mut findings);
        rows = seen.rows;
    }
    findings.sort_by_key(|f| f.severity);
    let blocking = findings
        .iter()
        .filter(|f| f.severity == Severity::Blocking)
        .count();
    Ok(CheckReport {
        file: path.display().to_string(),
        dataset: mapping.dataset.clone(),
        target: schema.target.to_string(),
        object: object_key.to_string(),
        object_label: object.display().to_string(),
        rows,
        fields: mapping.fields.len(),
        required,
        blocking,
        warnings: findings.len() - blocking,
        findings,
        custom_fields: mapping
            .custom_fields
            .iter()
            .filter(|f| object.field(&f.name).is_none())
            .map(|f| f.name.clone())
            .collect(),
        predicted: None,
    })
}

/// What a chain's last typing transform produces, when that cannot go into the field.
fn transform_type_problem(chain: &[Transform], field: &Field) -> Option<String> {
    use FieldType as T;
    let (name, produces, fits): (&str, &str, &[FieldType]) = match chain.iter().rev().find(|t| {
        matches!(
            t,
            Transform::Date(_)
                | Transform::Datetime(_)
                | Transform::Number(_)
                | Transform::Boolean
                | Transform::Email
                | Transform::Phone(_)
        )
    })? {
        Transform::Date(_) => ("date", "dates", &[T::Date, T::Datetime]),
        Transform::Datetime(_) => ("datetime", "timestamps", &[T::Datetime]),
        Transform::Number(_) => (
            "number",
            "numbers",
            &[T::Integer, T::Number, T::Currency, T::Percent],
        ),
        Transform::Boolean => ("boolean", "true/false", &[T::Boolean]),
        Transform::Email => ("email", "email addresses", &[T::Email]),
        Transform::Phone(_) => ("phone", "phone numbers", &[T::Phone]),
        _ => return None,
    };
    if fits.contains(&field.kind) || field.kind.is_text() {
        None
    } else {
        Some(format!(
            "transform `{name}` produces {produces}, but `{}` is {}",
            field.name, field.kind
        ))
    }
}

/// Applies every field's transforms to every row and validates the results, as stage would:
/// for a mapping stage cannot run (it would stop), or one outside `mappings/`.
fn scan_values(
    mapping: &MappingFile,
    schema: &TargetSchema,
    object_key: &str,
    resolved: &[Resolved],
    columns: &[SourceColumn],
    data: &CheckData,
) -> Result<Observed> {
    let db = data.db;
    // Per resolved entry: the parent object of a plain reference (no `lookup:`) to another
    // object whose keys live in several namespaces, where stage may find a value ambiguous.
    let ambiguous_parent: Vec<Option<&str>> = resolved
        .iter()
        .map(|r| {
            let parent = r.field.references.first()?;
            let splits = data.parent_keys.is_some_and(|k| k.splits(parent));
            (r.field.kind == FieldType::Reference
                && mapping.fields[r.index].lookup.is_none()
                && parent != object_key
                && splits)
                .then_some(parent.as_str())
        })
        .collect();
    let lookups = lookup_counts(db, mapping, resolved)?;
    let names: Vec<String> = columns.iter().map(|c| c.column.clone()).collect();
    let by_name: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .flat_map(|(i, c)| [(c.header.as_str(), i), (c.column.as_str(), i)])
        .collect();
    let mut seen = Observed::default();
    let broken = db.broken_rows(&mapping.dataset)?;
    let non_records = db.non_record_rows(&mapping.dataset)?;
    let owners = super::owners::Resolver::new(mapping);
    db.scan_lineage(&mapping.dataset, &names, |batch, row_number, row| {
        seen.rows += 1;
        // Stage leaves these out (no record) before looking at any field.
        if non_records.contains_key(&(batch, row_number)) {
            seen.non_records.add(&format!("row {row_number}"));
            return Ok(());
        }
        // Stage rejects these whole (ingest_issue) before looking at any field.
        if let Some((issue, _)) = broken.get(&(batch, row_number)) {
            seen.broken.add(&format!("row {row_number}: {issue}"));
            return Ok(());
        }
        let lookup = |name: &str| by_name.get(name).and_then(|&i| row[i].clone());
        for (ri, r) in resolved.iter().enumerate() {
            let fm = &mapping.fields[r.index];
            let raw = r.source.and_then(|i| row[i].as_deref()).unwrap_or("");
            let ctx = Context {
                column: &lookup,
                values: mapping.values.get(&r.field.name),
            };
            let result = apply_all(&fm.transform, raw, &ctx);
            // The field's fate as stage decides it, noted as stage notes it.
            let name = &r.field.name;
            let is_reference = r.field.kind == FieldType::Reference;
            let restricted = schema.is_restricted(r.field) && !is_reference;
            let warnings = result.as_ref().map_or(&[][..], |a| &a.warnings);
            seen.transform_notes(name, raw, warnings);
            let failed = result.as_ref().err().map(|f| f.transform);
            let settled = fate::settle(r.field, restricted, fm.on_invalid, raw, result);
            seen.fate(r.field, is_reference, raw, failed, &settled, row_number);
            let FieldFate::Value(value) = settled else {
                continue;
            };
            if !is_reference || crate::text::is_blank(&value) {
                continue;
            }
            // Owners are matched to target users, never loaded as written names.
            if r.field
                .references
                .first()
                .is_some_and(|p| crate::stage::LOOKUP_ONLY.contains(&p.as_str()))
            {
                let detail = match owners.resolve(&value) {
                    super::owners::Owner::User(_) => continue,
                    super::owners::Owner::Default(_) => "default_owner",
                    super::owners::Owner::Unmatched => "blanked",
                };
                seen.note(name, "owner_unmatched", detail.into(), "loaded", &value);
                continue;
            }
            // A reference to no one record (none, or several) costs the field unless it
            // cannot be lost (stage's one policy for unresolved references); without stage's
            // key index only lookups and keys in several namespaces can be told.
            let ambiguous = ambiguous_parent[ri]
                .zip(data.parent_keys)
                .and_then(|(parent, keys)| keys.ambiguous(parent, &value));
            let why = if let Some(datasets) = ambiguous {
                Some(("ambiguous_reference", datasets.join("\n")))
            } else if let Some(counts) = &lookups[ri] {
                let column = fm
                    .lookup
                    .as_ref()
                    .map(|l| l.column.clone())
                    .unwrap_or_default();
                match counts.get(&super::file::Lookup::normalize(&value)) {
                    None => Some(("lookup_orphan", column)),
                    Some(n) if *n > 1 => Some(("lookup_ambiguous", column)),
                    Some(_) => None,
                }
            } else {
                None
            };
            if let Some((kind, detail)) = why {
                let outcome = match fate::unresolved_reference(r.field, fm.on_invalid) {
                    fate::OnInvalid::Reject => "reject",
                    _ => "blanked",
                };
                seen.note(name, kind, detail, outcome, &value);
            }
        }
        Ok(())
    })?;
    Ok(seen)
}

/// The findings of the values stage met (or the check's own scan met): one per field, kind,
/// detail and outcome, in the mapping's order.
fn value_findings(
    mapping: &MappingFile,
    resolved: &[Resolved],
    seen: &Observed,
    findings: &mut Vec<Finding>,
) {
    let non_record_seen = &seen.non_records;
    let broken_seen = &seen.broken;
    if non_record_seen.count > 0 {
        findings.push(Finding {
            severity: Severity::Warning,
            kind: crate::ingest::NON_RECORD,
            field: None,
            source: None,
            message: format!(
                "{} at the end of the file {} a report's totals or footer (or blank), not records: stage leaves them out as excluded `{}`, not rejected",
                crate::numbers::plural(non_record_seen.count, "row", "rows"),
                if non_record_seen.count == 1 { "is" } else { "are" },
                crate::ingest::NON_RECORD
            ),
            count: non_record_seen.count,
            examples: non_record_seen.examples.clone(),
            distinct: None,
        });
    }
    if broken_seen.count > 0 {
        findings.push(Finding {
            severity: Severity::Warning,
            kind: "ingest_issue",
            field: None,
            source: None,
            message: format!(
                "{} did not line up with the header at ingest (an unquoted delimiter, an unclosed quote): stage rejects them as `ingest_issue` rather than load shifted values; fix them in the source and ingest again",
                crate::numbers::plural(broken_seen.count, "row", "rows")
            ),
            count: broken_seen.count,
            examples: broken_seen.examples.clone(),
            distinct: None,
        });
    }
    let mut by_entry: Vec<(usize, Finding)> = Vec::new();
    for ((target, kind, detail, outcome), tally) in &seen.values {
        let (kind, outcome) = (*kind, *outcome);
        let Some(r) = resolved.iter().find(|r| r.field.name == *target) else {
            continue;
        };
        let (index, field) = (r.index, r.field);
        let fm = &mapping.fields[index];
        let src = fm.source.as_deref().unwrap_or("(default)");
        let n = tally.count;
        let name = &field.name;
        let one = n == 1;
        let values = crate::numbers::plural(n, "value", "values");
        let (are, were, have) = if one {
            ("is", "was", "has")
        } else {
            ("are", "were", "have")
        };
        // What stage does with these rows, in the words of its own policy.
        let fate = match outcome {
            "reject" if one => "stage rejects this record".to_string(),
            "reject" => format!(
                "stage rejects these {}",
                crate::numbers::plural(n, "record", "records")
            ),
            "blanked" => format!(
                "stage loads these records with `{name}` blank (on_invalid: blank; set `on_invalid: reject` to refuse them)"
            ),
            "kept" => format!(
                "stage loads the source text as written, as `{name}` is free text (on_invalid: keep)"
            ),
            "cut" => "stage cuts them to the field's length (on_invalid: keep)".to_string(),
            _ => String::new(),
        };
        let severity = if outcome == "reject" {
            Severity::Blocking
        } else {
            Severity::Warning
        };
        let message = match kind {
            "transform_failed" => format!(
                "transform `{detail}` failed for {values} of `{src}` -> `{name}`: {fate}; {}",
                failure_hint(detail, name)
            ),
            "required_blank" => format!(
                "required `{name}` is blank in {} after transforms: {fate} (add `{{default: ...}}` or clean the data)",
                crate::numbers::plural(n, "row", "rows")
            ),
            "too_long" => format!(
                "{values} for `{name}` {are} longer than {detail} characters (longest {}): {fate}; add `{{truncate: {detail}}}` or shorten them",
                tally.max
            ),
            "picklist_value" if outcome == "loaded" => format!(
                "{values} for picklist `{name}` {are} not allowed (the picklist is unrestricted: they would load as inactive values); add them to `values: {name}:`"
            ),
            "picklist_value" => format!(
                "{values} for picklist `{name}` {are} not allowed: {fate}; add them to `values: {name}:`"
            ),
            "type" => format!(
                "{values} for `{name}` {are} not {detail}: {fate}; add a transform that converts them"
            ),
            "truncated" => format!("{values} of `{src}` {are} truncated to fit `{name}`"),
            "ambiguous_reference"
            | "lookup_orphan"
            | "lookup_ambiguous"
            | "reference_orphan"
            | "parent_not_loaded" => {
                let parent = field.references.first().map(String::as_str).unwrap_or("");
                let code = if outcome == "reject" {
                    format!(" as `{}`", crate::stage::fate::Reason::BadReference.code())
                } else {
                    String::new()
                };
                match kind {
                    "ambiguous_reference" => {
                        let datasets: Vec<&str> = detail.split('\n').collect();
                        let example = tally.examples.first().map(String::as_str).unwrap_or("");
                        format!(
                            "{values} of `{src}` -> `{name}` {are} {parent} keys in datasets {}: {fate}{code}: {}",
                            datasets.join(" and "),
                            crate::stage::ambiguous_key(example, parent, &datasets)
                        )
                    }
                    "lookup_orphan" => format!(
                        "{values} of `{src}` -> `{name}` {are} in no record's `{detail}`: {fate}{code}"
                    ),
                    "lookup_ambiguous" => format!(
                        "{values} of `{src}` -> `{name}` {are} in `{detail}` of several records, so which one is meant is not known: {fate}{code}"
                    ),
                    "reference_orphan" => format!(
                        "{values} of `{src}` -> `{name}` {are} the key of no {parent} record: {fate}{code}"
                    ),
                    _ => format!(
                        "{values} of `{src}` -> `{name}` {are} {parent} records that stage does not load ({detail}): {fate}{code}; their own findings say why"
                    ),
                }
            }
            "owner_unmatched" if detail == "default_owner" => format!(
                "{} {have} an owner in `{src}` that matches no target user: stage gives them to `default_owner`; map them under `owners:`",
                crate::numbers::plural(n, "record", "records")
            ),
            "owner_unmatched" => format!(
                "{} {have} an owner in `{src}` that matches no target user: stage loads them with `{name}` blank (the loading user owns them); map them under `owners:` or set `default_owner:`",
                crate::numbers::plural(n, "record", "records")
            ),
            _ => format!("{values} of `{src}` {were} adjusted by the transforms for `{name}`"),
        };
        let finding = Finding {
            severity,
            kind,
            field: Some(field.name.clone()),
            source: fm.source.clone(),
            message,
            count: n,
            examples: tally.examples.clone(),
            distinct: (kind == "picklist_value").then_some(tally.values.len() as u64),
        };
        by_entry.push((index, finding));
    }
    by_entry.sort_by_key(|(index, _)| *index);
    findings.extend(by_entry.into_iter().map(|(_, f)| f));
}

/// Per resolved entry with `lookup: {dataset, column}`: how many of that dataset's rows hold
/// each value of the column (normalised as stage compares them).
fn lookup_counts(
    db: &Db,
    mapping: &MappingFile,
    resolved: &[Resolved],
) -> Result<Vec<Option<HashMap<String, u32>>>> {
    let mut out = Vec::with_capacity(resolved.len());
    for r in resolved {
        let lookup = mapping.fields[r.index].lookup.as_ref();
        let Some((dataset, column)) = lookup.and_then(|l| Some((l.dataset.as_ref()?, &l.column)))
        else {
            out.push(None);
            continue;
        };
        let Some(columns) = db.source_columns(dataset).ok() else {
            out.push(None);
            continue;
        };
        let Some(ci) = super::file::column_index(&columns, column) else {
            out.push(None);
            continue;
        };
        let mut counts: HashMap<String, u32> = HashMap::new();
        db.scan(dataset, &[columns[ci].column.clone()], None, |row| {
            if let Some(v) = row[0].as_deref().filter(|v| !v.trim().is_empty()) {
                *counts.entry(super::file::Lookup::normalize(v)).or_default() += 1;
            }
            Ok(())
        })?;
        out.push(Some(counts));
    }
    Ok(out)
}

/// What to do when a transform fails, by transform.
fn failure_hint(transform: &str, field: &str) -> String {
    match transform {
        "map" => format!("choose target values for them under `values: {field}:`"),
        "date" | "datetime" => "add their formats to `formats:` or fix the values".into(),
        "phone" => "check `country` / `country_from`, or fix the numbers".into(),
        "number" => "check `decimal`, or fix the values".into(),
        "email" => "fix or blank the invalid addresses before loading".into(),
        "country" | "state" => "fix the names or drop the transform".into(),
        _ => "fix the values or the transform".into(),
    }
}

/// Why a transformed, non-blank value would be rejected by the field, if it would be.
pub(crate) fn value_problem(value: &str, field: &Field) -> Option<(&'static str, String)> {
    use FieldType as T;
    let ok = match field.kind {
        T::Email => crate::values::email::is_email(value),
        T::Integer => plain_number(value).is_some_and(|d| d.is_integer()),
        T::Number | T::Currency | T::Percent => plain_number(value).is_some(),
        T::Date => iso_date(value),
        T::Datetime => chrono::DateTime::parse_from_rfc3339(value).is_ok() || iso_date(value),
        T::Boolean => value == "true" || value == "false",
        _ => true,
    };
    if !ok {
        let what = match field.kind {
            T::Email => "valid email addresses",
            T::Integer => "whole numbers",
            T::Number | T::Currency | T::Percent => "plain numbers (`1234.5`)",
            T::Date => "dates as YYYY-MM-DD",
            T::Datetime => "ISO 8601 timestamps",
            _ => "true/false",
        };
        return Some(("type", what.to_string()));
    }
    if matches!(field.kind, T::Picklist | T::Multipicklist) && !field.values.is_empty() {
        let parts: Vec<&str> = if field.kind == T::Multipicklist {
            value.split(';').collect()
        } else {
            vec![value]
        };
        if parts
            .iter()
            .any(|p| !field.values.iter().any(|v| v.value == p.trim()))
        {
            return Some(("picklist_value", String::new()));
        }
    }
    // A reference loads its parent's key, not this text: never cut or measured.
    if let Some(max) = field.length
        && field.kind != T::Reference
        && value.chars().count() > max as usize
    {
        return Some(("too_long", max.to_string()));
    }
    None
}

/// A date as YYYY-MM-DD. Stage checks every staged date: the common ten-character shape is
/// read directly, anything else as chrono reads `%Y-%m-%d` (whose format parsing per value
/// cost more than the rest of the check).
fn iso_date(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
    {
        let n = |r: std::ops::Range<usize>| {
            b[r].iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        return chrono::NaiveDate::from_ymd_opt(n(0..4) as i32, n(5..7), n(8..10)).is_some();
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
}

/// A number written plainly: optional `-`, digits, optional `.` and digits.
fn plain_number(value: &str) -> Option<crate::values::number::Decimal> {
    let body = value.strip_prefix('-').unwrap_or(value);
    let ok = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.matches('.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.');
    if ok {
        crate::values::number::number(value, '.').map(|(d, _)| d)
    } else {
        None
    }
}

/// Writes the `map.*` metrics for a set of checked mappings.
pub fn record_metrics(db: &Db, reports: &[CheckReport]) -> Result<()> {
    let total: usize = reports.iter().map(|r| r.required.total).sum();
    let mapped: usize = reports.iter().map(|r| r.required.mapped).sum();
    let coverage = if total == 0 {
        1.0
    } else {
        mapped as f64 / total as f64
    };
    let detail: Vec<String> = reports
        .iter()
        .map(|r| {
            let mut d = format!(
                "{}/{} required {} fields mapped",
                r.required.mapped, r.required.total, r.object_label
            );
            if !r.required.missing.is_empty() {
                d.push_str(&format!(": {} missing", r.required.missing.join(", ")));
            }
            d
        })
        .collect();
    db.put_metric(
        "map.required_coverage",
        coverage,
        Some(&detail.join("; ")),
        "map check",
    )?;
    let blocking: usize = reports.iter().map(|r| r.blocking).sum();
    let per_file: Vec<String> = reports
        .iter()
        // The dataset, not the file path: this text reaches client-facing reports.
        .map(|r| format!("{}: {}", r.dataset, r.blocking))
        .collect();
    db.put_metric(
        "map.blocking_issues",
        blocking as f64,
        Some(&per_file.join("; ")),
        "map check",
    )?;
    // Each blocking issue with its fix, one per line, for the readiness report to list.
    let blocking_list: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.findings
                .iter()
                .filter(|f| f.severity == Severity::Blocking)
                // dataset, object, kind, field, count, then the message (a fallback for kinds
                // the report has no sentence for).
                .map(move |f| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        r.dataset,
                        r.object_label,
                        f.kind,
                        f.field.as_deref().unwrap_or_default(),
                        f.count,
                        f.message
                    )
                })
        })
        .collect();
    db.put_metric(
        "map.blocking_list",
        blocking as f64,
        Some(&blocking_list.join("\n")),
        "map check",
    )?;
    let custom: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.custom_fields
                .iter()
                .map(move |f| format!("{}.{f}", r.object_label))
        })
        .collect();
    // The detail reads as the guide's answer to "which custom fields must exist (or none)".
    db.put_metric(
        "map.custom_fields",
        custom.len() as f64,
        Some(&if custom.is_empty() {
            "none".to_string()
        } else {
            custom.join(", ")
        }),
        "map check",
    )?;
    let mut objects: Vec<String> = reports
        .iter()
        .map(|r| format!("{}:{}", r.target, r.object))
        .collect();
    objects.sort();
    objects.dedup();
    db.put_metric(
        "map.mapped_objects",
        objects.len() as f64,
        Some(&objects.join(", ")),
        "map check",
    )?;
    let mut missing = 0;
    let mut per_field = Vec::new();
    for r in reports {
        for f in r.findings.iter().filter(|f| f.kind == "picklist_value") {
            let n = f.distinct.unwrap_or(0);
            missing += n;
            per_field.push(format!(
                "{} {}: {n} ({}{})",
                r.object_label,
                f.field.as_deref().unwrap_or_default(),
                f.examples.join(", "),
                if n as usize > f.examples.len() {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
    }
    let detail = if per_field.is_empty() {
        "every picklist value is allowed by the target or mapped".to_string()
    } else {
        format!(
            "{missing} distinct source values are not in the target's picklists: {}",
            per_field.join("; ")
        )
    };
    db.put_metric(
        "map.picklist_values_missing",
        missing as f64,
        Some(&detail),
        "map check",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: &'static str, field: &str, count: u64) -> Finding {
        Finding {
            severity: Severity::Blocking,
            kind,
            field: Some(field.into()),
            source: None,
            message: String::new(),
            count,
            examples: Vec::new(),
            distinct: None,
        }
    }

    fn rejects(reason: &str, field: Option<&str>, count: i64) -> crate::staging::RejectSummary {
        crate::staging::RejectSummary {
            dataset: "contacts".into(),
            reason: reason.into(),
            field: field.map(String::from),
            count,
            examples: vec![(4, "A-7".into(), "account `A-7` is not loaded".into())],
        }
    }

    #[test]
    fn stage_rejects_the_checks_do_not_foresee_block() {
        let mut report = CheckReport {
            file: "m.yaml".into(),
            dataset: "contacts".into(),
            target: "salesforce".into(),
            object: "contact".into(),
            object_label: "Contact".into(),
            rows: 10,
            fields: 3,
            required: Required::default(),
            blocking: 2,
            warnings: 0,
            findings: vec![
                finding("lookup_orphan", "AccountId", 1),
                finding("unknown_column", "Email", 1),
            ],
            custom_fields: Vec::new(),
            predicted: None,
        };
        let outcome = crate::stage::DatasetOutcome {
            dataset: "contacts".into(),
            rejected: 6,
            ..Default::default()
        };
        report.predict(
            &outcome,
            &[
                // One foreseen, two more from rejected parents.
                rejects("bad_reference", Some("AccountId"), 3),
                // Foreseen by a finding about the mapping itself, whatever the number.
                rejects("bad_type", Some("Email"), 2),
                // Ingest issues stay the warning they are.
                rejects("ingest_issue", None, 1),
            ],
        );
        assert_eq!(report.predicted.as_ref().unwrap().rejected, 6);
        assert_eq!(report.blocking, 3);
        let added = report
            .findings
            .iter()
            .find(|f| f.kind == "bad_reference")
            .unwrap();
        assert_eq!(added.count, 2);
        assert_eq!(added.field.as_deref(), Some("AccountId"));
        assert_eq!(added.examples, ["row 4 `A-7`: account `A-7` is not loaded"]);
    }

    #[test]
    fn plain_numbers_only() {
        assert!(plain_number("1234.5").is_some());
        assert!(plain_number("-3").is_some());
        for bad in ["$1.2M", "1,200", "1.", ".5", "", "-"] {
            assert!(plain_number(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn iso_dates_read_as_chrono_reads_them() {
        for v in [
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "0999-01-01",
            "2024-1-5",
            "20240101",
            "2024-01-01 ",
            "+2024-01-01",
            "12024-01-01",
            "2024-01-32",
            "x",
        ] {
            assert_eq!(
                iso_date(v),
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
                "{v}"
            );
        }
    }

    #[test]
    fn value_problems_by_type() {
        let schema = crate::targets::builtin(crate::workspace::Target::Hubspot).unwrap();
        let (_, deals) = schema.object("opportunity").unwrap();
        let stage = deals.field("dealstage").unwrap();
        assert_eq!(value_problem("closedwon", stage), None);
        assert_eq!(
            value_problem("Closed Won", stage).unwrap().0,
            "picklist_value"
        );
        let amount = deals.field("amount").unwrap();
        assert_eq!(value_problem("$5", amount).unwrap().0, "type");
        let sf = crate::targets::builtin(crate::workspace::Target::Salesforce).unwrap();
        let (_, account) = sf.object("account").unwrap();
        let city = account.field("BillingCity").unwrap();
        assert_eq!(
            value_problem(&"x".repeat(41), city),
            Some(("too_long", "40".to_string()))
        );
        let employees = account.field("NumberOfEmployees").unwrap();
        assert_eq!(value_problem("1.5", employees).unwrap().0, "type");
        assert_eq!(value_problem("12", employees), None);
    }

    #[test]
    fn transform_types_must_fit_the_field() {
        let sf = crate::targets::builtin(crate::workspace::Target::Salesforce).unwrap();
        let (_, account) = sf.object("account").unwrap();
        let revenue = account.field("AnnualRevenue").unwrap();
        let date = vec![Transform::Date(Default::default())];
        assert!(transform_type_problem(&date, revenue).is_some());
        let number = vec![Transform::Trim, Transform::Number(Default::default())];
        assert!(transform_type_problem(&number, revenue).is_none());
        let name = account.field("Name").unwrap();
        assert!(transform_type_problem(&date, name).is_none());
    }
}
