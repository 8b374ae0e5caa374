//! Pure builders of the readiness report's sections from what the workspace holds: the
//! catalog, the assessment, mapping files, dedupe results, stage totals and the guide.

use std::collections::BTreeMap;

use super::model::{
    ClusterExample, ClusterMemberView, Count, CriterionView, CustomField, DimensionView,
    DuplicateDataset, Duplicates, FailingItem, Ingest, IngestDataset, MappedObject, NextStep,
    Picklist, ReadinessSection, StageRow, Staging,
};
use crate::mapping::check::required_fields;
use crate::mapping::file::MappingFile;
use crate::playbook::guide::{GuideView, NextKind};
use crate::playbook::scoring::{Assessment, Status, basis_text};
use crate::staging::{BatchRecord, ClusterSample, DatasetSummary, DedupeSummary, StageTotals};
use crate::targets::ObjectSchema;

/// Failing items listed in the report.
const FAILING: usize = 10;
/// Example clusters listed in the report.
pub const EXAMPLES: usize = 5;

/// The header's figures from the catalog; None before anything is ingested.
pub fn ingest(batches: &[BatchRecord], summaries: &[DatasetSummary]) -> Option<Ingest> {
    if summaries.is_empty() {
        return None;
    }
    let mut issues: BTreeMap<String, u64> = BTreeMap::new();
    for s in summaries {
        for i in &s.issues {
            *issues.entry(i.kind.clone()).or_default() += i.count as u64;
        }
    }
    let mut issues: Vec<Count> = issues
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    issues.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    let datasets: Vec<IngestDataset> = summaries
        .iter()
        .map(|s| IngestDataset {
            name: s.name.clone(),
            files: batches
                .iter()
                .filter(|b| b.dataset == s.name)
                .map(|b| {
                    let file = std::path::Path::new(&b.path)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| b.path.clone());
                    match &b.sheet {
                        Some(sheet) => format!("{file} [{sheet}]"),
                        None => file,
                    }
                })
                .collect(),
            rows: s.rows.max(0) as u64,
            columns: s.columns.max(0) as u64,
            issues: s.issues.iter().map(|i| i.count.max(0) as u64).sum(),
        })
        .collect();
    Some(Ingest {
        files: batches.len() as u64,
        rows: datasets.iter().map(|d| d.rows).sum(),
        issue_total: issues.iter().map(|i| i.count).sum(),
        issues,
        datasets,
    })
}

/// Scores, criteria and the items that cost the most points.
pub fn readiness(a: &Assessment) -> ReadinessSection {
    let mut failing: Vec<&crate::playbook::scoring::ItemResult> = a
        .items
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Partial))
        .collect();
    // Stable: equal losses keep walk order.
    failing.sort_by(|x, y| y.cost.total_cmp(&x.cost));
    let applies = |r: &&crate::playbook::scoring::ItemResult| r.status != Status::NotApplicable;
    let weight: f64 = a.items.iter().filter(applies).map(|r| r.weight).sum();
    let open: f64 = a.items.iter().map(|r| r.unknown).sum();
    ReadinessSection {
        overall: a.overall,
        playbooks: a.playbooks.clone(),
        items: a.items.iter().filter(applies).count(),
        not_applicable: a
            .items
            .iter()
            .filter(|r| !applies(r))
            .map(|r| r.title.clone())
            .collect(),
        open_items: a
            .items
            .iter()
            .filter(|r| r.status == Status::Unknown)
            .count(),
        open_share: if weight > 0.0 { open / weight } else { 0.0 },
        known_share: if weight > 0.0 {
            1.0 - open / weight
        } else {
            0.0
        },
        tone: if weight <= 0.0 || open / weight > 0.5 {
            "open".to_string()
        } else {
            crate::report::charts::score_tone(a.overall)
                .name()
                .to_string()
        },
        dimensions: a
            .dimensions
            .iter()
            .map(|d| DimensionView {
                name: d.name.to_string(),
                score: d.score,
                points: round2(d.points),
                max_points: round2(d.max_points),
                lost_points: round2(d.cost_points),
                open_points: round2(d.unknown_points),
            })
            .collect(),
        criteria: a
            .criteria
            .iter()
            .map(|c| CriterionView {
                name: c.name.clone(),
                description: c.description.clone(),
                met: c.met,
                reasons: c.reasons.clone(),
            })
            .collect(),
        failing_total: failing.len(),
        failing: failing
            .into_iter()
            .take(FAILING)
            .map(|r| FailingItem {
                id: r.id.clone(),
                title: r.title.clone(),
                playbook: r.playbook.clone(),
                step: r.step,
                dimension: r.dimension.to_string(),
                status: if r.status == Status::Fail {
                    "fail"
                } else {
                    "partial"
                }
                .into(),
                weight: r.weight,
                points_lost: round2(r.cost),
                basis: basis_text(r),
                recommendation: r.recommendation.clone(),
            })
            .collect(),
    }
}

/// One mapping file against its target object.
pub fn mapped_object(file: &str, m: &MappingFile, object: &ObjectSchema) -> MappedObject {
    let required = required_fields(m, object);
    MappedObject {
        file: file.to_string(),
        dataset: m.dataset.clone(),
        target: m.target.to_string(),
        object: m.object.clone(),
        object_label: object.display().to_string(),
        fields: m.fields.len(),
        required_total: required.total,
        required_mapped: required.mapped,
        required_missing: required.missing,
        custom_fields: m
            .custom_fields
            .iter()
            .filter(|f| object.field(&f.name).is_none())
            .map(|f| CustomField {
                name: f.name.clone(),
                kind: f.kind.name().to_string(),
                length: f.length,
            })
            .collect(),
        picklists: m
            .values
            .iter()
            .map(|(field, values)| Picklist {
                field: field.clone(),
                values: values.len(),
                mapped: values.values().filter(|v| v.is_some()).count(),
                undecided: values
                    .iter()
                    .filter(|(_, v)| v.is_none())
                    .map(|(k, _)| k.clone())
                    .collect(),
            })
            .collect(),
    }
}

/// Totals per deduplicated dataset and example clusters; None before any dedupe.
pub fn duplicates(summaries: &[DedupeSummary], samples: &[ClusterSample]) -> Option<Duplicates> {
    if summaries.is_empty() {
        return None;
    }
    let datasets: Vec<DuplicateDataset> = summaries
        .iter()
        .map(|s| DuplicateDataset {
            dataset: s.dataset.clone(),
            object: s.object.clone(),
            records: s.records,
            clusters: s.clusters,
            duplicates: s.duplicates,
            rate: ratio(s.duplicates, s.records),
            accepted: s.accepted,
            rejected: s.rejected,
        })
        .collect();
    let records = datasets.iter().map(|d| d.records).sum();
    let duplicates = datasets.iter().map(|d| d.duplicates).sum();
    Some(Duplicates {
        records,
        clusters: datasets.iter().map(|d| d.clusters).sum(),
        duplicates,
        rate: ratio(duplicates, records),
        datasets,
        examples: samples
            .iter()
            .take(EXAMPLES)
            .map(|c| ClusterExample {
                dataset: c.dataset.clone(),
                cluster: c.cluster,
                status: c.status.clone(),
                rule: c.rule.clone(),
                members: c
                    .members
                    .iter()
                    .map(|m| ClusterMemberView {
                        id: m.record_id.clone(),
                        survivor: m.survivor,
                        text: crate::text::example(
                            &m.values
                                .iter()
                                .flatten()
                                .map(|v| v.trim())
                                .filter(|v| !v.is_empty())
                                .collect::<Vec<_>>()
                                .join(" · "),
                        ),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The columns shown for a cluster's records: the first three roles the run matched on.
pub fn example_columns(roles_json: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Role {
        column: String,
    }
    serde_json::from_str::<Vec<Role>>(roles_json)
        .map(|roles| roles.into_iter().take(3).map(|r| r.column).collect())
        .unwrap_or_default()
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The equation per staged dataset; None when nothing has been staged.
pub fn staging(totals: &[StageTotals]) -> Option<Staging> {
    if totals.is_empty() {
        return None;
    }
    let datasets: Vec<StageRow> = totals
        .iter()
        .map(|t| StageRow {
            dataset: t.dataset.clone(),
            object: t.object.clone(),
            target: t.target.clone(),
            target_object: t.target_object.clone(),
            source_rows: t.source_rows,
            staged: t.staged,
            merged: t.merged,
            rejected: t.rejected,
            excluded: t.excluded,
            rejected_share: share(t.rejected, t.source_rows),
            balanced: t.source_rows == t.staged + t.merged + t.rejected + t.excluded,
        })
        .collect();
    let sum = |f: fn(&StageRow) -> u64| datasets.iter().map(f).sum::<u64>();
    Some(Staging {
        rejected_share: share(sum(|d| d.rejected), sum(|d| d.source_rows)),
        source_rows: sum(|d| d.source_rows),
        staged: sum(|d| d.staged),
        merged: sum(|d| d.merged),
        rejected: sum(|d| d.rejected),
        excluded: sum(|d| d.excluded),
        balanced: datasets.iter().all(|d| d.balanced),
        datasets,
    })
}

/// What the next steps know besides the guide.
pub struct NextFacts<'a> {
    pub pending: &'a BTreeMap<String, String>,
    /// `map.blocking_issues`, when measured.
    pub blocking_issues: Option<u64>,
    /// (dataset, clusters still only proposed), per deduplicated dataset.
    pub proposed_clusters: Vec<(String, u64)>,
    pub unbalanced: Vec<String>,
}

/// The guide's next action first, then the data still to measure (in pipeline order), then
/// what the measurements ask for, then the other playbooks' open questions.
pub fn next_steps(guide: &GuideView, facts: &NextFacts) -> Vec<NextStep> {
    let mut steps = vec![NextStep {
        kind: match guide.next.kind {
            NextKind::Measure => "measure",
            NextKind::Answer => "answer",
            NextKind::Fix => "fix",
            NextKind::Done => "done",
        }
        .into(),
        text: guide.next.text.clone(),
        client_text: guide.next.plain.clone(),
        command: guide.next.command.clone(),
    }];
    let mut push = |step: NextStep| {
        let repeated = step.command.is_some()
            && steps
                .iter()
                .any(|s| s.command == step.command && s.kind == step.kind);
        if !repeated {
            steps.push(step);
        }
    };
    for (section, what) in PENDING_ORDER {
        if let Some(command) = facts.pending.get(*section) {
            push(NextStep {
                kind: "measure".into(),
                text: format!("measure {what}"),
                client_text: format!("measure {what}"),
                command: Some(command.clone()),
            });
        }
    }
    if let Some(n) = facts.blocking_issues.filter(|n| *n > 0) {
        let issues = crate::numbers::plural(n, "blocking mapping issue", "blocking mapping issues");
        push(NextStep {
            kind: "fix".into(),
            text: format!(
                "resolve the {issues} in the mapping files (required fields, unknown fields, values), then check again"
            ),
            client_text: format!("resolve the {issues} (section 3), then check the mapping again"),
            command: Some("crmkit map check".into()),
        });
    }
    for (dataset, n) in facts.proposed_clusters.iter().filter(|(_, n)| *n > 0) {
        let clusters = crate::numbers::plural(
            *n,
            "proposed duplicate cluster",
            "proposed duplicate clusters",
        );
        push(NextStep {
            kind: "review".into(),
            text: format!(
                "review the {clusters} of `{dataset}`: accept or reject each, pick survivors"
            ),
            client_text: format!(
                "review the {clusters} of {dataset} with the data owner: accept or reject each, pick the record to keep"
            ),
            command: Some(format!(
                "crmkit dedupe apply out/dedupe-review-{dataset}.csv"
            )),
        });
    }
    if !facts.unbalanced.is_empty() {
        push(NextStep {
            kind: "fix".into(),
            text: format!(
                "find the source rows that are not accounted for in {}",
                facts.unbalanced.join(", ")
            ),
            client_text: format!(
                "find the source rows that are not accounted for in {}",
                facts.unbalanced.join(", ")
            ),
            command: Some("crmkit reconcile".into()),
        });
    }
    for o in guide.others.iter().filter(|o| o.open > 0) {
        push(NextStep {
            kind: "answer".into(),
            text: format!(
                "answer the {} of `{}` ({})",
                crate::numbers::plural(o.open as u64, "open question", "open questions"),
                o.name,
                o.title
            ),
            client_text: format!(
                "answer the {} of \"{}\"",
                crate::numbers::plural(o.open as u64, "open question", "open questions"),
                o.title
            ),
            command: Some(format!("crmkit guide --playbook {}", o.name)),
        });
    }
    steps
}

/// Sections that need a command before they have data, in pipeline order, with what they measure.
pub const PENDING_ORDER: &[(&str, &str)] = &[
    ("ingest", "what the exports hold (load them)"),
    ("data_quality", "data quality (profile the datasets)"),
    ("mapping", "field mapping coverage"),
    ("duplicates", "duplicates"),
    (
        "staging",
        "where every source row goes (stage and reconcile)",
    ),
];

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::guide::{NextAction, OtherPlaybook};
    use crate::playbook::{Facts, Library, scoring::assess};
    use crate::staging::{ClusterMember, IssueCount};

    #[test]
    fn failing_items_come_most_points_lost_first() {
        let lib = Library::load(None).unwrap();
        let mut facts = Facts::default();
        for (name, value) in [
            ("profile.invalid_email_rate", 0.5), // data.verify-emails, weight 3: fails
            ("profile.invalid_phone_rate", 0.5), // weight 2: fails
            ("profile.stale_rate", 0.9),         // weight 1: fails
            ("profile.duplicate_row_rate", 0.0), // passes
        ] {
            facts.metrics.insert(
                name.into(),
                crate::staging::Metric {
                    name: name.into(),
                    value,
                    detail: None,
                    source: "t".into(),
                    computed_at: "t".into(),
                },
            );
        }
        let r = readiness(&assess(&lib, &facts, &[]));
        let ids: Vec<&str> = r.failing.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "data.verify-emails",
                "data.verify-phones",
                "data.stale-share"
            ]
        );
        assert_eq!(r.failing_total, 3);
        assert_eq!(r.failing[0].points_lost, 3.0);
        assert!(r.failing[0].basis.contains("profile.invalid_email_rate"));
        assert!(r.failing[0].recommendation.is_some());
        assert_eq!(r.open_items, r.items - 4);
        assert!(r.open_share > 0.9 && r.open_share < 1.0);
    }

    fn totals(dataset: &str, source: u64, parts: [u64; 4]) -> StageTotals {
        StageTotals {
            dataset: dataset.into(),
            object: "account".into(),
            target: "salesforce".into(),
            target_object: "Account".into(),
            source_rows: source,
            staged: parts[0],
            merged: parts[1],
            rejected: parts[2],
            excluded: parts[3],
        }
    }

    #[test]
    fn staging_checks_the_equation_per_dataset() {
        assert!(staging(&[]).is_none());
        let s = staging(&[
            totals("accounts", 10, [6, 2, 1, 1]),
            totals("contacts", 5, [3, 0, 1, 0]),
        ])
        .unwrap();
        assert!(s.datasets[0].balanced);
        assert!(!s.datasets[1].balanced);
        assert!(!s.balanced);
        assert_eq!((s.source_rows, s.staged, s.excluded), (15, 9, 1));
    }

    #[test]
    fn duplicates_sum_datasets_and_describe_members() {
        assert!(duplicates(&[], &[]).is_none());
        let summary = DedupeSummary {
            dataset: "accounts".into(),
            object: "account".into(),
            roles: "[]".into(),
            records: 200,
            clusters: 3,
            duplicates: 4,
            accepted: 1,
            rejected: 0,
        };
        let sample = ClusterSample {
            dataset: "accounts".into(),
            cluster: 7,
            status: "proposed".into(),
            rule: "most_complete".into(),
            members: vec![ClusterMember {
                record_id: "A-1".into(),
                survivor: true,
                values: vec![
                    Some(" Acme ".into()),
                    None,
                    Some("".into()),
                    Some("555".into()),
                ],
            }],
        };
        let d = duplicates(&[summary], &[sample]).unwrap();
        assert_eq!(d.rate, 0.02);
        assert_eq!(d.examples[0].members[0].text, "Acme · 555");
        assert_eq!(
            example_columns(
                r#"[{"role":"name","column":"account_name"},{"role":"domain","column":"website"},
               {"role":"phone","column":"phone"},{"role":"city","column":"city"}]"#
            ),
            ["account_name", "website", "phone"]
        );
        assert!(example_columns("not json").is_empty());
    }

    #[test]
    fn ingest_totals_per_dataset_with_file_names_only() {
        let batch = |dataset: &str, path: &str, sheet: Option<&str>| BatchRecord {
            batch: 1,
            dataset: dataset.into(),
            path: path.into(),
            size: 1,
            sha256: String::new(),
            format: "csv".into(),
            encoding: None,
            delimiter: None,
            sheet: sheet.map(String::from),
            columns: 3,
            rows_read: 2,
            rows_stored: 2,
            issues: 0,
            finished_at: None,
        };
        let summary = |name: &str, rows: i64, issues: Vec<IssueCount>| DatasetSummary {
            name: name.into(),
            table: format!("src_{name}"),
            rows,
            columns: 3,
            batches: 1,
            issues,
        };
        assert!(ingest(&[], &[]).is_none());
        let i = ingest(
            &[
                batch("accounts", "/home/me/exports/accounts.csv", None),
                batch("book", "/x/book.xlsx", Some("Sheet 1")),
            ],
            &[
                summary(
                    "accounts",
                    5,
                    vec![IssueCount {
                        kind: "ragged_row".into(),
                        count: 2,
                    }],
                ),
                summary("book", 7, Vec::new()),
            ],
        )
        .unwrap();
        assert_eq!(i.datasets[0].files, ["accounts.csv"]);
        assert_eq!(i.datasets[1].files, ["book.xlsx [Sheet 1]"]);
        assert_eq!((i.rows, i.files, i.issue_total), (12, 2, 2));
        assert_eq!(i.issues[0].name, "ragged_row");
    }

    #[test]
    fn next_steps_start_with_the_guide_and_follow_the_pipeline() {
        let guide = GuideView {
            playbook: "implementation".into(),
            title: "T".into(),
            score: 0.0,
            steps: Vec::new(),
            evidence: Vec::new(),
            next: NextAction {
                kind: NextKind::Measure,
                item: Some("data.verify-emails".into()),
                text: "measure emails".into(),
                plain: "measure emails".into(),
                command: Some("crmkit profile".into()),
            },
            others: vec![OtherPlaybook {
                name: "best-practices".into(),
                title: "Best practices".into(),
                open: 4,
                items: 19,
            }],
        };
        let pending: BTreeMap<String, String> = [
            ("data_quality".to_string(), "crmkit profile".to_string()),
            (
                "duplicates".to_string(),
                "crmkit dedupe DATASET --object OBJECT".to_string(),
            ),
        ]
        .into();
        let steps = next_steps(
            &guide,
            &NextFacts {
                pending: &pending,
                blocking_issues: Some(2),
                proposed_clusters: vec![("accounts".into(), 3), ("contacts".into(), 0)],
                unbalanced: Vec::new(),
            },
        );
        let commands: Vec<&str> = steps.iter().filter_map(|s| s.command.as_deref()).collect();
        // The profile command is not repeated after the guide's.
        assert_eq!(
            commands,
            [
                "crmkit profile",
                "crmkit dedupe DATASET --object OBJECT",
                "crmkit map check",
                "crmkit dedupe apply out/dedupe-review-accounts.csv",
                "crmkit guide --playbook best-practices",
            ]
        );
        assert!(steps[2].text.contains("2 blocking mapping issues"));
        assert!(steps[3].text.contains("3 proposed duplicate clusters"));
    }
}
