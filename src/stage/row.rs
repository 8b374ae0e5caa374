//! One source row's fate, decided in one place and in one order: a broken row is rejected, an
//! excluded one is set aside by its rule, a merged-away one waits for its survivor, a record
//! with a field it cannot lose is rejected (with every reason), and the rest is staged.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use super::ahead::{Settled, Worked};
use super::exclude::BoundRule;
use super::fate::{self, FieldFate, Problem, Reason};
use super::keys::{self, Found, KeyIndex, KeyInfo, LookupIndex, find_hit, remember};
use super::merge;
use super::metrics::DatasetOutcome;
use super::prepare::{self, Prepared, PreparedField};
use super::state::{ObjectState, PendingMerge, SelfRef};
use super::{LOOKUP_ONLY, Options};
use crate::error::Result;
use crate::mapping::owners::{Owner, Resolver};
use crate::staging::StageTx;

/// Everything a dataset's rows are decided against, bound once before its first row.
pub(super) struct Rows<'a, 't> {
    pub(super) p: &'a Prepared,
    pub(super) tx: &'a StageTx<'t>,
    pub(super) options: &'a Options,
    pub(super) dataset: &'a str,
    /// The dataset's name shared by every key it notes.
    pub(super) shared_dataset: Rc<str>,
    /// The key namespace of its records.
    pub(super) space: String,
    /// The parent lookup columns children ask of this dataset: (lookup, column position).
    pub(super) wanted: &'a [((String, String), usize)],
    /// The staged table's fields, in the order values are inserted.
    pub(super) field_names: &'a [String],
    /// Each mapped field's place in `field_names`, and its `_via_` column's.
    pub(super) positions: Vec<usize>,
    pub(super) via_positions: Vec<Option<usize>>,
    pub(super) insert_sql: String,
    /// Generated ids name the batch when the dataset has several.
    pub(super) several_batches: bool,
    /// Rows with an ingest problem: (batch, row) -> (issue, surplus values).
    pub(super) broken: HashMap<(i64, i64), (String, Option<String>)>,
    /// Rows ingest found to be no record (a report's totals or footer) -> the issue.
    pub(super) non_records: HashMap<(i64, i64), String>,
    pub(super) rules: Vec<BoundRule<'a>>,
    /// Merged-away rows of reviewed clusters -> their survivor (batch, row).
    pub(super) merged: HashMap<(i64, i64), (i64, i64)>,
    pub(super) cross: merge::Cross,
    pub(super) owners: Resolver<'a>,
    /// Earlier objects' keys and lookup indexes.
    pub(super) keys: &'a KeyIndex,
    pub(super) lookups: &'a HashMap<String, LookupIndex>,
    pub(super) progress: &'a dyn crate::progress::Progress,
}

/// What a record's fields came to; values as written borrow the row's strings.
struct Record<'v> {
    values: Vec<Option<Cow<'v, str>>>,
    /// (field, problem) for every field the record cannot load without.
    problems: Vec<(String, Problem)>,
    warnings: Vec<String>,
    /// (field, parent key, lookup) of a reference to a record of the same object.
    self_ref: Option<(String, String, Option<crate::mapping::file::Lookup>)>,
    /// (rule, detail) when the record's parent was excluded by a rule.
    excluded_with_parent: Option<(String, String)>,
}

/// What a reference value resolves to.
enum Link {
    /// The parent record's external id, and its dataset for a `_via_` column.
    To(String, Rc<str>),
    /// Loaded as written: the target resolves it.
    AsWritten(String),
    /// The parent was excluded by a rule, so the record goes with it.
    Excluded { rule: String, detail: String },
    /// Several parent records answer to the value: which one is meant is not known.
    Ambiguous(String, Why),
    /// The reference leads to no loaded record (none has the value, or it is not loaded).
    Missing(String, Why),
}

/// Why a reference leads to no one record, as `map check` names it: (kind, detail).
type Why = (&'static str, String);

impl Rows<'_, '_> {
    /// Decides one row, with its fields as [`super::ahead::work`] settled them. `promoted` when
    /// a merged-away record is staged in place of a survivor that was not (it was counted, and
    /// counted as merged, on the first pass).
    pub(super) fn decide(
        &self,
        state: &mut ObjectState,
        out: &mut DatasetOutcome,
        (batch, row): (i64, i64),
        vals: &[Option<String>],
        worked: Worked,
        promoted: bool,
    ) -> Result<()> {
        out.read(promoted, self.progress);
        let p = self.p;
        let Worked { key, fields } = worked;
        let info =
            |status: &'static str, external_id: Option<String>, detail: Option<String>| KeyInfo {
                status,
                external_id,
                dataset: self.shared_dataset.clone(),
                batch,
                row,
                detail,
            };
        let lineage = (self.dataset, batch, row);

        // Left out unread: a report's totals or footer row is no record (and no reject).
        if let Some(issue) = self.non_records.get(&(batch, row)) {
            if let Some(o) = out.observed.as_deref_mut() {
                o.non_records.add(&format!("row {row}"));
            }
            let rule = crate::ingest::NON_RECORD.to_string();
            return self.exclude(state, out, lineage, vals, key, rule, issue, &info);
        }
        // Rejected unread: a row whose fields do not line up with the header would load
        // shifted values.
        if let Some((issue, surplus)) = self.broken.get(&(batch, row)) {
            if let Some(o) = out.observed.as_deref_mut() {
                o.broken.add(&format!("row {row}: {issue}"));
            }
            let detail = format!(
                "{issue}; its values may sit in the wrong columns, so it is not loaded (fix the source row and ingest again)"
            );
            let code = Reason::IngestIssue.code();
            self.tx
                .reject(lineage, &p.object, code, None, surplus.as_deref(), &detail)?;
            out.reason(code);
            out.rejected += 1;
            let rejected = info("rejected", None, Some(format!("{code}: {issue}")));
            return self.note(state, vals, key, rejected);
        }
        // Excluded by a rule.
        if let Some((rule, detail)) = self
            .rules
            .iter()
            .find_map(|r| r.matches(vals, self.options.as_of))
        {
            return self.exclude(state, out, lineage, vals, key, rule, &detail, &info);
        }
        // Merged away: into a survivor of its dataset, or of another (or the member staged in
        // its place); a survivor that is not staged is replaced after the pass.
        if !promoted && let Some(pending) = self.merge_into(state, lineage, vals, key.clone())? {
            out.merged += 1;
            state.merged.push(pending);
            return Ok(());
        }

        let mut record = self.fields(out, row, vals, fields);
        // Excluded with its parent, by the parent's rule.
        if let Some((rule, detail)) = record.excluded_with_parent.take() {
            return self.exclude(state, out, lineage, vals, key, rule, &detail, &info);
        }
        state.generated_ids |= key.is_none();
        let external_id = key
            .clone()
            .unwrap_or_else(|| keys::generated_id(self.dataset, self.several_batches, batch, row));
        // Generated ids are unique by construction; a key seen before is a duplicate.
        let mut key_noted = false;
        if let Some(k) = &key
            && record.problems.is_empty()
        {
            let holder = if state.on_disk && state.sole_dataset(&self.space) {
                // One insert both checks the key and records it.
                key_noted = state.note_key(
                    self.tx,
                    &p.object,
                    &self.space,
                    k.clone(),
                    info("staged", Some(external_id.clone()), None),
                )?;
                (!key_noted).then(|| self.dataset.to_string())
            } else {
                state.holder(self.tx, &p.object, &self.space, k)?
            };
            if let Some(other) = holder {
                record
                    .problems
                    .push(self.duplicate_key(&other, &external_id));
            }
        }
        // Rejected, with every reason.
        if !record.problems.is_empty() {
            for (field, problem) in &record.problems {
                let code = problem.reason.code();
                self.tx.reject(
                    lineage,
                    &p.object,
                    code,
                    Some(field),
                    Some(&problem.value),
                    &problem.detail,
                )?;
                out.reason(code);
            }
            out.rejected += 1;
            let first = &record.problems[0].1;
            let rejected = info(
                "rejected",
                None,
                Some(format!("{}: {}", first.reason.code(), first.detail)),
            );
            return self.note(state, vals, key, rejected);
        }
        // Staged.
        let notes = (!record.warnings.is_empty())
            .then(|| serde_json::to_string(&record.warnings).unwrap_or_default());
        self.tx.stage(
            &self.insert_sql,
            &external_id,
            lineage,
            notes.as_deref(),
            &record.values,
        )?;
        out.staged += 1;
        if promoted || !self.merged.is_empty() || self.cross.survivor_source {
            state
                .by_row
                .insert((self.dataset.to_string(), batch, row), external_id.clone());
        }
        let staged = info("staged", Some(external_id.clone()), None);
        remember(&mut state.lookups, self.wanted, vals, &staged);
        if let Some(k) = key
            && !key_noted
        {
            state.note_key(self.tx, &p.object, &self.space, k, staged)?;
        }
        if let Some((field, parent_key, lookup)) = record.self_ref {
            state.self_refs.push(SelfRef {
                external_id,
                dataset: self.dataset.to_string(),
                field,
                parent_key,
                lookup,
            });
        }
        Ok(())
    }

    /// Notes a record that is not staged where its children look for it.
    fn note(
        &self,
        state: &mut ObjectState,
        vals: &[Option<String>],
        key: Option<String>,
        info: KeyInfo,
    ) -> Result<()> {
        state.note_record(
            self.tx,
            &self.p.object,
            &self.space,
            self.wanted,
            vals,
            key,
            info,
        )
    }

    /// Excludes a record by `rule`; its key keeps the rule's name, so children are excluded by
    /// the same rule.
    #[allow(clippy::too_many_arguments)]
    fn exclude(
        &self,
        state: &mut ObjectState,
        out: &mut DatasetOutcome,
        lineage: (&str, i64, i64),
        vals: &[Option<String>],
        key: Option<String>,
        rule: String,
        detail: &str,
        info: &dyn Fn(&'static str, Option<String>, Option<String>) -> KeyInfo,
    ) -> Result<()> {
        self.tx.exclude(lineage, &self.p.object, &rule, detail)?;
        out.excluded_by(&rule);
        self.note(state, vals, key, info("excluded", None, Some(rule)))
    }

    /// The merge a row waits in, when it is a merged-away member of a reviewed cluster.
    fn merge_into(
        &self,
        state: &ObjectState,
        lineage: (&str, i64, i64),
        vals: &[Option<String>],
        key: Option<String>,
    ) -> Result<Option<PendingMerge>> {
        let (_, batch, row) = lineage;
        let (survivor, into) = if let Some(survivor) = self.merged.get(&(batch, row)) {
            (*survivor, None)
        } else if let Some(chosen) = self.cross.survivor(batch, row) {
            let now = merge::survivor_now(&state.replaced, chosen);
            if now != *chosen {
                self.tx.replaced(
                    lineage,
                    &crate::staging::Replaced {
                        survivor: now.clone(),
                        replaces: chosen.clone(),
                    },
                )?;
            }
            ((now.1, now.2), Some(now.0))
        } else {
            return Ok(None);
        };
        Ok(Some(PendingMerge {
            key,
            dataset: self.dataset.to_string(),
            batch,
            row,
            survivor,
            into,
            values: vals.to_vec(),
            lookup_values: self
                .wanted
                .iter()
                .filter_map(|(k, c)| vals[*c].clone().map(|v| (k.clone(), v)))
                .collect(),
        }))
    }

    /// Every field of a record through its policy, references through the key index.
    fn fields<'v>(
        &'v self,
        out: &mut DatasetOutcome,
        row: i64,
        vals: &'v [Option<String>],
        settled: Vec<Settled>,
    ) -> Record<'v> {
        let p = self.p;
        let mut record = Record {
            values: vec![None; self.field_names.len()],
            problems: Vec::new(),
            warnings: Vec::new(),
            self_ref: None,
            excluded_with_parent: None,
        };
        let own_key = prepare::own_key(p, vals);
        for ((i, f), settled) in p.fields.iter().enumerate().zip(settled) {
            let name = &f.field.name;
            let raw = prepare::raw(p, i, vals, own_key);
            if let Some(o) = out.observed.as_deref_mut() {
                o.transform_notes(name, raw, &settled.notes);
                match &settled.fate {
                    None => o.loaded(&f.field, raw),
                    Some(fate) => {
                        let reference = f.parent.is_some();
                        o.fate(&f.field, reference, raw, settled.failed, fate, row);
                    }
                }
            }
            let value: Cow<'v, str> = match settled.fate {
                None => Cow::Borrowed(raw),
                Some(FieldFate::Value(v)) => Cow::Owned(v),
                Some(FieldFate::Warned { problem, .. }) if f.parent.is_some() => {
                    record.problems.push((name.clone(), problem));
                    continue;
                }
                Some(FieldFate::Warned {
                    value,
                    action,
                    problem,
                }) => {
                    record.warnings.push(format!(
                        "{name}: {action} `{}` ({}: {})",
                        problem.value,
                        problem.reason.code(),
                        problem.detail
                    ));
                    out.warned(format!("{name} {action}"));
                    record.values[self.positions[i]] = value.map(Cow::Owned);
                    continue;
                }
                Some(FieldFate::Reject(problem)) => {
                    record.problems.push((name.clone(), problem));
                    continue;
                }
            };
            if crate::text::is_blank(&value) {
                continue;
            }
            let Some(parent) = &f.parent else {
                record.values[self.positions[i]] = Some(value);
                continue;
            };
            if parent == &p.object {
                record.self_ref = Some((name.clone(), value.into_owned(), f.lookup.clone()));
                continue;
            }
            if !self.keys.contains_key(parent) && LOOKUP_ONLY.contains(&parent.as_str()) {
                let user = self.owner(out, &mut record, name, &value);
                record.values[self.positions[i]] = user.map(Cow::Owned);
                continue;
            }
            match self.link(f, parent, &value) {
                Link::To(external_id, dataset) => {
                    record.values[self.positions[i]] = Some(Cow::Owned(external_id));
                    if let Some(v) = self.via_positions[i] {
                        record.values[v] = Some(Cow::Owned(dataset.to_string()));
                    }
                }
                Link::AsWritten(v) => record.values[self.positions[i]] = Some(Cow::Owned(v)),
                Link::Excluded { rule, detail } => {
                    record.excluded_with_parent.get_or_insert((rule, detail));
                }
                // A bad reference (to several records, or to none) costs the field, not the
                // record, unless it cannot be lost: never a guess at which record is meant.
                Link::Ambiguous(detail, why) | Link::Missing(detail, why) => {
                    let policy = fate::unresolved_reference(&f.field, f.on_invalid);
                    if let Some(o) = out.observed.as_deref_mut() {
                        let outcome = match policy {
                            fate::OnInvalid::Reject => "reject",
                            _ => "blanked",
                        };
                        o.note(name, why.0, why.1, outcome, &value);
                    }
                    match policy {
                        fate::OnInvalid::Reject => record.problems.push((
                            name.clone(),
                            Problem {
                                reason: Reason::BadReference,
                                value: value.into_owned(),
                                detail,
                            },
                        )),
                        _ => {
                            record.warnings.push(format!(
                                "{name}: blanked `{value}` ({}: {detail})",
                                Reason::BadReference.code()
                            ));
                            out.warned(format!("{name} blanked"));
                        }
                    }
                }
            }
        }
        record
    }

    /// The target user an owner value names (owners are the org's users, matched through
    /// `owners:`), the default owner, or nothing, with a warning for the last two.
    fn owner(
        &self,
        out: &mut DatasetOutcome,
        record: &mut Record,
        name: &str,
        value: &str,
    ) -> Option<String> {
        match self.owners.resolve(value) {
            Owner::User(u) => Some(u),
            Owner::Default(d) => {
                if let Some(o) = out.observed.as_deref_mut() {
                    o.note(
                        name,
                        "owner_unmatched",
                        "default_owner".into(),
                        "loaded",
                        value,
                    );
                }
                record.warnings.push(format!(
                    "{name}: owner `{value}` matches no user; given to the default owner `{d}`"
                ));
                out.warned(format!("{name} default_owner"));
                Some(d)
            }
            Owner::Unmatched => {
                if let Some(o) = out.observed.as_deref_mut() {
                    o.note(name, "owner_unmatched", "blanked".into(), "loaded", value);
                }
                record.warnings.push(format!("{name}: blanked owner `{value}`, which matches no user (add it to `owners:` or set `default_owner:`)"));
                out.warned(format!("{name} blanked"));
                None
            }
        }
    }

    /// Resolves a reference to another object through its keys or a lookup column.
    fn link(&self, f: &PreparedField, parent: &str, value: &str) -> Link {
        let Some(parent_keys) = self.keys.get(parent) else {
            // Not loaded by this migration: passes as written for the target to resolve.
            return Link::AsWritten(value.to_string());
        };
        let found = match &f.lookup {
            Some(l) => match find_hit(self.lookups.get(parent), l, value) {
                Ok(hit) => hit.cloned(),
                Err(n) => {
                    return Link::Ambiguous(
                        format!(
                            "{n} {parent} records have `{value}` in `{}`: which one is meant is not known",
                            l.column
                        ),
                        ("lookup_ambiguous", l.column.clone()),
                    );
                }
            },
            None => match parent_keys.find(crate::text::trim(value)) {
                Found::None => None,
                Found::One(k) => Some(k),
                Found::Ambiguous(datasets) => {
                    let why = ("ambiguous_reference", datasets.join("\n"));
                    return Link::Ambiguous(keys::ambiguous_key(value, parent, &datasets), why);
                }
            },
        };
        match found {
            Some(KeyInfo {
                external_id: Some(ext),
                dataset,
                ..
            }) => Link::To(ext, dataset),
            Some(k) if k.status == "excluded" => {
                let rule = k.detail.unwrap_or_default();
                let detail = format!("its {parent} `{value}` is excluded by rule {rule}");
                Link::Excluded { rule, detail }
            }
            Some(k) => {
                // The check tallies by the parent's status and reason code, not each detail.
                let why = match k.detail.as_deref().and_then(|d| d.split_once(':')) {
                    Some((code, _)) => format!("{}: {code}", k.status),
                    None => k.status.to_string(),
                };
                Link::Missing(
                    format!(
                        "{parent} `{value}` is not loaded: {} ({})",
                        k.status,
                        k.detail.unwrap_or_default()
                    ),
                    ("parent_not_loaded", why),
                )
            }
            None => match &f.lookup {
                Some(l) => Link::Missing(
                    format!("no {parent} has `{value}` in `{}`", l.column),
                    ("lookup_orphan", l.column.clone()),
                ),
                None => Link::Missing(
                    format!("no {parent} has the key `{value}`"),
                    ("reference_orphan", String::new()),
                ),
            },
        }
    }

    /// The problem of a record whose key another record of its namespace holds.
    fn duplicate_key(&self, other: &str, external_id: &str) -> (String, Problem) {
        let p = self.p;
        let field = p
            .key
            .map(|k| p.fields[k].field.name.clone())
            .unwrap_or_default();
        let detail = if other == self.dataset {
            format!("another {} already has the key `{external_id}`", p.object)
        } else {
            format!(
                "dataset `{other}` also has the key `{external_id}` and both upsert on `{field}`: map each dataset's id to its own external-id field"
            )
        };
        (
            field,
            Problem {
                reason: Reason::DuplicateKey,
                value: external_id.to_string(),
                detail,
            },
        )
    }
}
