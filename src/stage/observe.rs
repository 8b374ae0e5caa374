//! What a dry run of stage saw of each field's values, for `map check`: every value problem by
//! field, kind, detail and what stage did about it, with counts and examples. The check reads
//! stage's own decisions here instead of deciding them a second time.

use std::collections::{BTreeMap, BTreeSet};

use super::fate::{FieldFate, Reason};
use crate::mapping::check::value_problem;
use crate::targets::{Field, FieldType};

/// Examples kept per tally.
pub const EXAMPLES: usize = 5;

/// Tallies of one kind of value problem for one field.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub count: u64,
    pub examples: Vec<String>,
    /// The longest example, in characters.
    pub max: usize,
    /// Every distinct value, kept only for picklist values (few by nature).
    pub values: BTreeSet<String>,
}

impl Tally {
    pub fn add(&mut self, example: &str) {
        self.count += 1;
        self.max = self.max.max(example.chars().count());
        let ex: String = example.chars().take(60).collect();
        if self.examples.len() < EXAMPLES && !self.examples.contains(&ex) {
            self.examples.push(ex);
        }
    }
}

/// (target field, kind, detail, outcome): the kind is the check's finding code
/// (`transform_failed`, `type`, `lookup_orphan`, ...); the outcome is stage's: `reject`, or
/// how the value loads (`blanked`, `kept`, `cut`, `loaded`).
pub type Key = (String, &'static str, String, &'static str);

/// One dataset's value problems as stage met them.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Source rows read.
    pub rows: u64,
    pub values: BTreeMap<Key, Tally>,
    /// Rows ingest marked as no record (a report's footer): `row N`.
    pub non_records: Tally,
    /// Rows ingest could not line up with the header: `row N: issue`.
    pub broken: Tally,
}

impl Observed {
    /// Notes one value problem.
    pub fn note(
        &mut self,
        field: &str,
        kind: &'static str,
        detail: String,
        outcome: &'static str,
        example: &str,
    ) {
        let tally = self
            .values
            .entry((field.to_string(), kind, detail, outcome))
            .or_default();
        tally.add(example);
        if kind == "picklist_value" && !tally.values.contains(example) {
            tally.values.insert(example.to_string());
        }
    }

    /// Notes what a field's transforms said while they worked (a value cut to fit, ...).
    pub fn transform_notes(&mut self, field: &str, raw: &str, warnings: &[String]) {
        for w in warnings {
            let kind = if w.starts_with("truncated") {
                "truncated"
            } else {
                "transform_note"
            };
            self.note(field, kind, String::new(), "loaded", raw);
        }
    }

    /// Notes a value that loads: an unrestricted picklist's new value loads as an inactive one.
    pub fn loaded(&mut self, field: &Field, value: &str) {
        if matches!(field.kind, FieldType::Picklist | FieldType::Multipicklist)
            && !crate::text::is_blank(value)
            && value_problem(value, field).is_some_and(|(k, _)| k == "picklist_value")
        {
            self.note(
                &field.name,
                "picklist_value",
                String::new(),
                "loaded",
                value,
            );
        }
    }

    /// Notes the problem a field's fate carries, as the check names it: `failed` is the
    /// transform that failed, if one did. A reference's warned value rejects its record (stage
    /// cannot link it); a value that loads is noted as [`Self::loaded`] notes it.
    pub fn fate(
        &mut self,
        field: &Field,
        reference: bool,
        raw: &str,
        failed: Option<&'static str>,
        fate: &FieldFate,
        row: i64,
    ) {
        let name = &field.name;
        let (problem, outcome) = match fate {
            FieldFate::Value(v) => return self.loaded(field, v),
            FieldFate::Warned { problem, .. } if reference => (problem, "reject"),
            FieldFate::Warned {
                problem, action, ..
            } => (problem, *action),
            FieldFate::Reject(problem) => (problem, "reject"),
        };
        if let Some(transform) = failed {
            self.note(
                name,
                "transform_failed",
                transform.to_string(),
                outcome,
                raw,
            );
        } else if problem.reason == Reason::RequiredMissing {
            let row = format!("row {row}");
            self.note(name, "required_blank", String::new(), outcome, &row);
        } else {
            let (kind, detail) =
                value_problem(&problem.value, field).unwrap_or(("type", problem.detail.clone()));
            self.note(name, kind, detail, outcome, &problem.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_count_every_value_and_keep_a_few_distinct_examples() {
        let mut o = Observed::default();
        for v in ["a", "b", "a", "c", "d", "e", "f", "g"] {
            o.note("Industry", "picklist_value", String::new(), "loaded", v);
        }
        let t = &o.values[&("Industry".into(), "picklist_value", String::new(), "loaded")];
        assert_eq!(t.count, 8);
        assert_eq!(t.examples, ["a", "b", "c", "d", "e"]);
        assert_eq!(t.values.len(), 7);
        assert_eq!(t.max, 1);
    }
}
