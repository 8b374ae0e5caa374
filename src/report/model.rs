//! The readiness report as data: the JSON document `report readiness --format json` prints,
//! and the model the HTML and Markdown templates render. Field names are documented in the
//! README; add fields, never rename them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cleanup::Method;

/// The whole readiness report.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    pub client: String,
    pub target: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    /// The workspace's playbook, whose next action `next_steps` starts with.
    pub playbook: String,
    /// What was ingested; None before the first `crmkit ingest`.
    pub ingest: Option<Ingest>,
    pub readiness: ReadinessSection,
    pub data_quality: Option<DataQuality>,
    pub mapping: Option<Mapping>,
    pub duplicates: Option<Duplicates>,
    pub staging: Option<Staging>,
    /// Account status, RFM ranking and rep balance from `crmkit score` and `crmkit assign`.
    pub prioritisation: Option<super::priorities::Prioritisation>,
    pub next_steps: Vec<NextStep>,
    /// Sections without data yet, each with the command that produces it.
    pub pending: BTreeMap<String, String>,
    /// `client` (the default: metric expressions, item ids and commands in an appendix) or
    /// `team` (all of it inline).
    pub audience: String,
}

/// Datasets and rows ingested, from the catalog.
#[derive(Clone, Debug, Serialize)]
pub struct Ingest {
    pub datasets: Vec<IngestDataset>,
    pub files: u64,
    pub rows: u64,
    /// Ingest issues by kind, over every dataset.
    pub issues: Vec<Count>,
    pub issue_total: u64,
}

/// One dataset as ingested.
#[derive(Clone, Debug, Serialize)]
pub struct IngestDataset {
    pub name: String,
    /// File names (and sheets) loaded into it, without their folders.
    pub files: Vec<String>,
    pub rows: u64,
    pub columns: u64,
    pub issues: u64,
}

/// A name and how many.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Count {
    pub name: String,
    pub count: u64,
}

/// Readiness scores from the playbooks.
#[derive(Clone, Debug, Serialize)]
pub struct ReadinessSection {
    /// 0-100.
    pub overall: f64,
    pub playbooks: Vec<String>,
    pub items: usize,
    /// Items with no answer and no measurement yet.
    pub open_items: usize,
    /// Share of all points still open (0-1): how much of the score is still unknown.
    pub open_share: f64,
    /// Share of all points known (answered or measured), 0-1: the score's coverage.
    pub known_share: f64,
    /// `good`, `warn` or `bad` by the score; `open` while less than half the points are known,
    /// so a day-one score is not shown as a red verdict.
    pub tone: String,
    pub dimensions: Vec<DimensionView>,
    pub criteria: Vec<CriterionView>,
    /// Failing and partly passing items, most points lost first (at most ten).
    pub failing: Vec<FailingItem>,
    /// All failing and partly passing items.
    pub failing_total: usize,
    /// Titles of the items answered n/a: out of the score, named so nobody wonders where
    /// they went.
    pub not_applicable: Vec<String>,
}

/// One dimension's score.
#[derive(Clone, Debug, Serialize)]
pub struct DimensionView {
    pub name: String,
    pub score: f64,
    pub points: f64,
    pub max_points: f64,
    pub lost_points: f64,
    pub open_points: f64,
}

/// One success criterion.
#[derive(Clone, Debug, Serialize)]
pub struct CriterionView {
    pub name: String,
    pub description: String,
    pub met: bool,
    pub reasons: Vec<String>,
}

/// An item that fails or partly passes.
#[derive(Clone, Debug, Serialize)]
pub struct FailingItem {
    pub id: String,
    pub title: String,
    pub playbook: String,
    pub step: usize,
    pub dimension: String,
    /// `fail` or `partial`.
    pub status: String,
    pub weight: f64,
    pub points_lost: f64,
    /// What decided it: the evidence and its figures, or the answer.
    pub basis: String,
    pub recommendation: Option<String>,
}

/// Data quality, from the stored profile.
#[derive(Clone, Debug, Serialize)]
pub struct DataQuality {
    pub as_of: String,
    pub stale_after_days: u32,
    pub rows: u64,
    /// Worst first.
    pub findings: Vec<FindingView>,
    /// The findings grouped by check, worst first.
    pub groups: Vec<FindingGroup>,
    pub effort: Effort,
    pub datasets: Vec<DatasetQuality>,
    pub account_status: Option<AccountStatus>,
    pub hierarchies: Vec<HierarchyView>,
    pub references: Vec<ReferenceView>,
    pub staleness: Vec<StaleView>,
}

/// One profile finding, with what fixing it takes.
#[derive(Clone, Debug, Serialize)]
pub struct FindingView {
    /// 1 = worst.
    pub rank: usize,
    pub check: String,
    /// The check in words (`Invalid email addresses`).
    pub label: String,
    pub dataset: String,
    pub column: Option<String>,
    pub header: Option<String>,
    /// Records affected: the records to fix.
    pub count: u64,
    pub examples: Vec<String>,
    pub detail: String,
    pub method: Method,
    /// The kind of fix in words (`value map`, `by hand, per record`).
    pub method_label: &'static str,
    pub fix: String,
    /// The fix in the client's words (no transforms, mapping keys or commands).
    pub client_fix: String,
    /// Estimated hours to fix.
    pub hours: f64,
    /// Distinct values behind the records, when a line per value fixes them.
    pub values: Option<u64>,
}

/// The clean-up estimate over every finding.
#[derive(Clone, Debug, Serialize)]
pub struct Effort {
    /// Records to fix, summed over findings (a record with two problems counts twice).
    pub records: u64,
    pub hours: f64,
    pub by_method: Vec<MethodEffort>,
}

/// The estimate for one way of fixing.
#[derive(Clone, Debug, Serialize)]
pub struct MethodEffort {
    pub method: Method,
    /// The kind of fix in words.
    pub label: &'static str,
    pub findings: usize,
    pub records: u64,
    pub hours: f64,
}

/// One dataset's size, duplicate rows and the fill of its key columns.
#[derive(Clone, Debug, Serialize)]
pub struct DatasetQuality {
    pub name: String,
    pub rows: u64,
    pub duplicate_rows: u64,
    pub key_columns: Vec<KeyColumn>,
}

/// A column that matters for a load: names, emails, phones, websites, references.
#[derive(Clone, Debug, Serialize)]
pub struct KeyColumn {
    pub column: String,
    pub header: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub filled: u64,
    pub fill_rate: f64,
}

/// Active, dormant and dead accounts.
#[derive(Clone, Debug, Serialize)]
pub struct AccountStatus {
    pub dataset: String,
    pub accounts: u64,
    pub active: u64,
    pub dormant: u64,
    pub dead: u64,
    pub dead_examples: Vec<String>,
}

/// Problems of a parent-child hierarchy.
#[derive(Clone, Debug, Serialize)]
pub struct HierarchyView {
    pub dataset: String,
    pub parent: String,
    /// `dataset · Parent header` as the export spells the column.
    pub parent_label: String,
    pub records: u64,
    pub with_parent: u64,
    pub missing_parents: u64,
    pub self_parents: u64,
    pub in_cycles: u64,
    /// missing + self + in cycles.
    pub problems: u64,
    pub max_depth: u64,
    pub examples: Vec<String>,
}

/// A reference between datasets and its orphans.
#[derive(Clone, Debug, Serialize)]
pub struct ReferenceView {
    pub from: String,
    pub to: String,
    /// `dataset · Header` of each end, as the export spells the columns.
    pub from_label: String,
    pub to_label: String,
    pub values: u64,
    pub orphans: u64,
    pub match_rate: f64,
    pub orphan_examples: Vec<String>,
    /// Records with no value in the referencing column.
    pub blank: u64,
    /// How sure the link is: `declared`, `high`, `medium`, `low` (empty from older profiles).
    pub confidence: String,
}

/// Staleness of one dataset.
#[derive(Clone, Debug, Serialize)]
pub struct StaleView {
    pub dataset: String,
    pub records: u64,
    pub stale: u64,
    /// stale / records.
    pub share: f64,
    pub no_date: u64,
    pub cutoff: String,
}

/// Field mapping: coverage of required fields, custom fields, picklist values.
#[derive(Clone, Debug, Serialize)]
pub struct Mapping {
    /// `map.required_coverage` (0-1), when `map check` has run.
    pub required_coverage: Option<f64>,
    /// `map.blocking_issues`, when `map check` has run.
    pub blocking_issues: Option<u64>,
    /// Each blocking issue with its fix, as `map check` recorded them.
    pub blocking: Vec<BlockingIssue>,
    /// `good` when every mapping is checked, covers its required fields and nothing blocks;
    /// `warn` while anything blocks or is unchecked; `bad` when required fields have no source.
    pub tone: String,
    pub objects: Vec<MappedObject>,
    /// Custom fields to create in the target, over every mapping.
    pub custom_fields: usize,
    /// Source picklist values that need a decision: undecided plus not allowed.
    pub picklist_values_to_map: u64,
    /// Values left undecided (`~`) in the mapping files' `values:` maps.
    pub picklist_undecided: u64,
    /// `map.picklist_values_missing`: distinct source values the target's picklists do not
    /// allow, when `map check` has run.
    pub picklist_not_allowed: Option<u64>,
    /// Which fields and values, as `map check` recorded them.
    pub picklist_detail: Option<String>,
}

/// A problem that would stop a load, and how to fix it.
#[derive(Clone, Debug, Serialize)]
pub struct BlockingIssue {
    pub dataset: String,
    /// The target object's label (`Account`); empty from a check run by an older crmkit.
    pub object: String,
    /// The map check's finding kind (`required_blank`), which picks the report's sentence.
    pub kind: String,
    pub field: String,
    /// Records or values affected.
    pub count: u64,
    /// The check's own words, split at its first colon: the team view and the fallback.
    pub issue: String,
    pub fix: String,
}

/// Findings of one check, grouped: similar findings read as one line in the client view.
#[derive(Clone, Debug, Serialize)]
pub struct FindingGroup {
    pub check: String,
    pub label: String,
    pub method: Method,
    pub method_label: &'static str,
    pub fix: String,
    /// The fix in the client's words (no transforms, mapping keys or commands).
    pub client_fix: String,
    /// Records over the group's findings.
    pub count: u64,
    pub hours: f64,
    /// Where, most records first: (`dataset · column`, records).
    pub places: Vec<Place>,
    /// A few examples over the group's findings, worst finding first.
    pub examples: Vec<String>,
}

/// Where a grouped finding is, and how many records.
#[derive(Clone, Debug, Serialize)]
pub struct Place {
    pub place: String,
    pub count: u64,
}

/// One mapping file.
#[derive(Clone, Debug, Serialize)]
pub struct MappedObject {
    pub file: String,
    pub dataset: String,
    pub target: String,
    pub object: String,
    pub object_label: String,
    pub fields: usize,
    pub required_total: usize,
    pub required_mapped: usize,
    pub required_missing: Vec<String>,
    pub custom_fields: Vec<CustomField>,
    pub picklists: Vec<Picklist>,
}

/// A custom field the target does not have yet.
#[derive(Clone, Debug, Serialize)]
pub struct CustomField {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub length: Option<u32>,
}

/// A picklist's value map.
#[derive(Clone, Debug, Serialize)]
pub struct Picklist {
    pub field: String,
    pub values: usize,
    pub mapped: usize,
    /// Source values with no target value yet.
    pub undecided: Vec<String>,
}

/// Duplicates found by `dedupe`, as reviewed so far.
#[derive(Clone, Debug, Serialize)]
pub struct Duplicates {
    pub datasets: Vec<DuplicateDataset>,
    pub records: u64,
    pub clusters: u64,
    /// Records to merge away into a survivor.
    pub duplicates: u64,
    /// duplicates / records.
    pub rate: f64,
    /// Up to five clusters, largest first.
    pub examples: Vec<ClusterExample>,
}

/// One deduplicated dataset.
#[derive(Clone, Debug, Serialize)]
pub struct DuplicateDataset {
    pub dataset: String,
    pub object: String,
    pub records: u64,
    pub clusters: u64,
    pub duplicates: u64,
    pub rate: f64,
    /// Clusters accepted and rejected in review; the rest are proposed.
    pub accepted: u64,
    pub rejected: u64,
}

/// An example cluster.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterExample {
    pub dataset: String,
    pub cluster: i64,
    pub status: String,
    /// The survivorship rule that chose the survivor.
    pub rule: String,
    /// Survivor first.
    pub members: Vec<ClusterMemberView>,
}

/// A record of an example cluster.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterMemberView {
    pub id: String,
    pub survivor: bool,
    /// Its name, domain/email and phone as in the source, joined by ` · `.
    pub text: String,
}

/// Where staged source rows went, per dataset.
#[derive(Clone, Debug, Serialize)]
pub struct Staging {
    pub datasets: Vec<StageRow>,
    pub source_rows: u64,
    pub staged: u64,
    pub merged: u64,
    pub rejected: u64,
    pub excluded: u64,
    /// rejected / source rows, over every dataset.
    pub rejected_share: f64,
    /// Every dataset balances.
    pub balanced: bool,
}

/// source = staged + merged + rejected + excluded, for one dataset.
#[derive(Clone, Debug, Serialize)]
pub struct StageRow {
    pub dataset: String,
    pub object: String,
    pub target: String,
    pub target_object: String,
    pub source_rows: u64,
    pub staged: u64,
    pub merged: u64,
    pub rejected: u64,
    pub excluded: u64,
    /// rejected / source rows: what the load would lose until the rejects are fixed.
    pub rejected_share: f64,
    pub balanced: bool,
}

/// One thing to do next.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NextStep {
    /// measure | answer | fix | review | done.
    pub kind: String,
    pub text: String,
    /// The step as a client reads it: no item ids, expressions or commands.
    pub client_text: String,
    pub command: Option<String>,
}
