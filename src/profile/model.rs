//! The profile as data: what `profile --json` prints and the workspace stores. Field names
//! are part of the documented JSON document; add fields, never rename them.

use serde::Serialize;

use super::signs::TextSigns;
use super::types::SemanticType;

/// The whole profile of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    /// The date staleness and future dates are judged against (YYYY-MM-DD).
    pub as_of: String,
    pub stale_after_days: u32,
    pub datasets: Vec<DatasetProfile>,
    pub references: Vec<Reference>,
    pub hierarchies: Vec<Hierarchy>,
    pub staleness: Vec<Staleness>,
    pub account_status: Option<AccountStatus>,
    /// Problems found, worst first.
    pub findings: Vec<Finding>,
}

/// One dataset (an ingested table or a file).
#[derive(Clone, Debug, Serialize)]
pub struct DatasetProfile {
    pub name: String,
    /// The `src_` table, or the file path.
    pub source: String,
    pub rows: u64,
    /// Rows identical in every column to an earlier row.
    pub duplicate_rows: u64,
    /// Unique, never blank columns.
    pub candidate_keys: Vec<String>,
    /// Problems recorded while reading (ingest issues by kind).
    pub issues: Vec<ValueCount>,
    pub columns: Vec<ColumnProfile>,
}

/// One column.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnProfile {
    /// snake_case column name.
    pub name: String,
    /// Header text as in the file.
    pub header: String,
    #[serde(rename = "type")]
    pub kind: SemanticType,
    /// Share of filled values that fit the type.
    pub type_share: f64,
    pub rows: u64,
    /// Cells holding a real value: not null, blank, whitespace or a placeholder.
    pub filled: u64,
    pub fill_rate: f64,
    pub null: u64,
    pub blank: u64,
    pub whitespace: u64,
    pub placeholder: u64,
    /// Placeholder spellings with counts.
    pub placeholders: Vec<ValueCount>,
    /// Distinct non-blank values (placeholders included).
    pub distinct: u64,
    /// `exact`, or the estimator used.
    pub distinct_method: String,
    /// Every non-blank value occurs once (known only while the count is exact).
    pub unique: bool,
    pub top_values: Vec<ValueCount>,
    /// False when top values come from a frequent-items summary (counts are lower bounds).
    pub top_values_exact: bool,
    pub length: Option<Lengths>,
    pub shapes: Vec<ShapeCount>,
    pub numbers: Option<NumberStats>,
    pub dates: Option<DateStats>,
    /// Values that do not fit the type.
    pub invalid: Invalid,
    /// Signs of damaged text: mojibake, lost characters, ids, a glued-on legacy code.
    #[serde(skip_serializing_if = "TextSigns::is_clean")]
    pub signs: TextSigns,
}

/// A value and how often it occurs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

/// A value shape and how often it occurs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ShapeCount {
    pub shape: String,
    pub count: u64,
}

/// Shortest and longest value, in characters.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Lengths {
    pub min: u64,
    pub max: u64,
}

/// Numeric summary over values read as numbers (formatted ones included).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NumberStats {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// Date summary over values read as dates.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DateStats {
    pub count: u64,
    pub min: String,
    pub max: String,
    pub mean: String,
    /// Formats seen (strftime notation), most used first.
    pub formats: Vec<FormatCount>,
    /// Dates after the as-of date, in columns where that is wrong.
    pub future: u64,
    /// Date-shaped values naming days that cannot exist.
    pub impossible: u64,
}

/// A date format and how many values use it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FormatCount {
    pub format: String,
    pub count: u64,
}

/// Values that do not fit the column's type.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Invalid {
    pub count: u64,
    /// Up to five distinct examples.
    pub examples: Vec<String>,
    /// For dates: unreadable / impossible / future counts.
    pub reasons: Vec<ValueCount>,
}

/// A reference from one dataset's column to another's key.
#[derive(Clone, Debug, Serialize)]
pub struct Reference {
    /// `dataset.column`.
    pub from: String,
    pub to: String,
    /// Declared in crmkit.yaml (else detected).
    pub declared: bool,
    /// How sure the link is: `declared`, `high` (the name points at the key and the values
    /// match), `medium` (the name points at it but many values miss, or an owner column
    /// matching user names) or `low` (only id-like values match).
    pub confidence: &'static str,
    /// Why the link was inferred.
    pub basis: String,
    /// Records of the source dataset.
    pub records: u64,
    /// Records with no value in the source column (blank, or a null marker).
    pub blank: u64,
    /// Share of the source's distinct values found in the target.
    pub match_rate: f64,
    /// Non-blank values (records) in the source column.
    pub values: u64,
    /// Records whose value has no match.
    pub orphans: u64,
    pub orphan_examples: Vec<String>,
    /// Records whose value names several target records (a name they share), so the link
    /// cannot say which one is meant; counted when the target's values are known exactly.
    #[serde(skip_serializing_if = "is_zero")]
    pub ambiguous: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ambiguous_examples: Vec<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A parent-child hierarchy inside one dataset.
#[derive(Clone, Debug, Serialize)]
pub struct Hierarchy {
    pub dataset: String,
    pub id: String,
    pub parent: String,
    pub declared: bool,
    /// The parent column holds names rather than ids: loading needs them resolved to ids.
    pub by_name: bool,
    pub records: u64,
    /// Records with a non-blank parent.
    pub with_parent: u64,
    pub missing_parents: u64,
    pub missing_parent_examples: Vec<String>,
    pub self_parents: u64,
    pub self_parent_examples: Vec<String>,
    /// Records on a cycle (a self-parent is counted above, not here).
    pub in_cycles: u64,
    pub cycles: Vec<Vec<String>>,
    /// Records that lead into a cycle without being on it.
    pub above_cycles: u64,
    /// Records per depth (0 = top of its tree).
    pub depths: Vec<DepthCount>,
    pub max_depth: u64,
    /// Top-level records with at least one child.
    pub ultimate_parents: u64,
}

/// Records at one depth of a hierarchy.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DepthCount {
    pub depth: u64,
    pub count: u64,
}

/// Staleness of one dataset.
#[derive(Clone, Debug, Serialize)]
pub struct Staleness {
    pub dataset: String,
    /// The activity/modified columns whose latest date counts.
    pub columns: Vec<String>,
    pub records: u64,
    /// Records with no date at all, or only dates older than the window.
    pub stale: u64,
    pub no_date: u64,
    /// The cut-off: records last touched before this date are stale.
    pub cutoff: String,
}

/// Active / dormant / dead accounts, for the playbook.
#[derive(Clone, Debug, Serialize)]
pub struct AccountStatus {
    pub dataset: String,
    /// The opportunity dataset used, if one was found.
    pub opportunities: Option<String>,
    pub accounts: u64,
    /// Not stale.
    pub active: u64,
    /// Stale, but with an open or recently won opportunity.
    pub dormant: u64,
    /// Stale, no open opportunity, no won opportunity closed in the window.
    pub dead: u64,
    pub dead_examples: Vec<String>,
    /// Every dormant or dead account's key and status, for exclusion rules (not in the JSON).
    #[serde(skip)]
    pub inactive: Vec<(String, String)>,
}

/// One problem: a check, where, how many records, examples.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Finding {
    /// One of [`CHECKS`].
    pub check: &'static str,
    pub dataset: String,
    pub column: Option<String>,
    /// The column's header text, when it differs from the column name.
    pub header: Option<String>,
    /// Records affected.
    pub count: u64,
    /// Distinct values behind those records, where one fix per value repairs them all (a
    /// value-map line per value); absent when each record needs its own fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<u64>,
    pub examples: Vec<String>,
    /// One line saying what was found.
    pub detail: String,
}

/// Every check a finding can carry, in the order the documentation lists them.
pub const CHECKS: [&str; 22] = [
    "invalid_email",
    "invalid_phone",
    "invalid_date",
    "mixed_date_formats",
    "nonstandard_number",
    "invalid_url",
    "invalid_value",
    "placeholder_value",
    "variant_values",
    "mojibake",
    "legacy_prefix",
    "id_in_name",
    "blank_required",
    "duplicate_row",
    "ingest_issue",
    "orphan_reference",
    "blank_reference",
    "missing_parent",
    "self_parent",
    "hierarchy_cycle",
    "stale_record",
    "dead_account",
];
