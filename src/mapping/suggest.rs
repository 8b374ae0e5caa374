//! `map suggest`: propose a mapping from a dataset's columns to a target object's fields, from
//! header names (exact API names, labels, target aliases, synonyms, similarity) and value
//! evidence; unmapped columns get a proposed custom field or `drop`.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use super::cues::Cues;
use super::evidence::ColumnProfile;
use super::file::{FieldMapping, MappingFile, Unmapped, UnmappedAction};
use super::synonyms::Synonyms;
use super::transforms::{DateSpec, NamePart, NumberSpec, PhoneSpec, Transform};
use super::{text, values};
use crate::targets::{Field, FieldType, ObjectSchema, PicklistValue, TargetSchema};
use crate::values::country;
use crate::values::placeholder::is_blank_or_placeholder as is_placeholder;

/// Scores below this are not proposed.
pub const MIN_CONFIDENCE: f64 = 0.6;

/// What suggest works from.
pub struct SuggestInput<'a> {
    pub schema: &'a TargetSchema,
    /// Generic object name (`account`).
    pub object_key: &'a str,
    pub object: &'a ObjectSchema,
    pub dataset: &'a str,
    pub rows: u64,
    pub profiles: &'a [ColumnProfile],
    pub synonyms: &'a Synonyms,
    /// Status words and owner header words for value evidence.
    pub cues: &'a Cues,
    /// The users of any users export in the workspace, by normalised name and email.
    pub users: &'a HashSet<String>,
    /// Custom schema file to record in the mapping.
    pub schema_file: Option<PathBuf>,
    /// External-id fields (lower case) other datasets' mappings of the same object upsert on:
    /// this dataset's key gets its own, so the two keep separate key namespaces.
    pub other_keys: &'a HashSet<String>,
}

/// The mapping file to write and a summary of the choices.
pub struct Suggestion {
    pub mapping: MappingFile,
    pub report: SuggestReport,
}

/// What `map suggest` decided, for people and `--json`.
#[derive(Clone, Debug, Serialize)]
pub struct SuggestReport {
    pub dataset: String,
    pub target: String,
    pub object: String,
    /// The target's own object name (`companies`).
    pub target_object: String,
    pub rows: u64,
    pub mapped: Vec<MappedField>,
    pub custom: Vec<CustomProposal>,
    pub dropped: Vec<DroppedColumn>,
    pub required_missing: Vec<RequiredField>,
    pub values: Vec<ValueReport>,
    /// Where the mapping was written (set by the command).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A column mapped to a standard field.
#[derive(Clone, Debug, Serialize)]
pub struct MappedField {
    pub source: String,
    pub target: String,
    pub label: String,
    pub confidence: f64,
    pub reason: String,
}

/// A column for which a custom field is proposed.
#[derive(Clone, Debug, Serialize)]
pub struct CustomProposal {
    pub source: String,
    pub field: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub length: Option<u32>,
    pub external_id: bool,
    pub reason: String,
}

/// A column proposed for dropping.
#[derive(Clone, Debug, Serialize)]
pub struct DroppedColumn {
    pub source: String,
    pub reason: String,
}

/// A required target field that no column fills.
#[derive(Clone, Debug, Serialize)]
pub struct RequiredField {
    pub field: String,
    pub label: String,
}

/// The value map proposed for one picklist field.
#[derive(Clone, Debug, Serialize)]
pub struct ValueReport {
    pub field: String,
    pub distinct: usize,
    pub matched: usize,
    /// Source values with no target value yet.
    pub unknown: Vec<String>,
    pub suggestions: Vec<values::ValueSuggestion>,
}

struct Candidate {
    column: usize,
    field: usize,
    score: f64,
    reason: String,
}

/// Builds the suggestion.
pub fn suggest(input: &SuggestInput) -> Suggestion {
    let fields = &input.object.fields;
    let mut candidates = Vec::new();
    for (ci, profile) in input.profiles.iter().enumerate() {
        for (fi, field) in fields.iter().enumerate() {
            if field.read_only {
                continue;
            }
            if let Some((score, reason)) = score_pair(input, profile, field)
                && score >= MIN_CONFIDENCE
            {
                candidates.push(Candidate {
                    column: ci,
                    field: fi,
                    score,
                    reason,
                });
            }
        }
    }
    // Greedy: best pairs first, each column and each target field used once.
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.column.cmp(&b.column))
            .then(a.field.cmp(&b.field))
    });
    let mut used_cols = HashSet::new();
    let mut used_fields = HashSet::new();
    let mut chosen: BTreeMap<usize, Candidate> = BTreeMap::new();
    for c in candidates {
        if used_cols.contains(&c.column) || used_fields.contains(&c.field) {
            continue;
        }
        used_cols.insert(c.column);
        used_fields.insert(c.field);
        chosen.insert(c.column, c);
    }

    let country = phone_country(input.profiles);
    let naming = input.schema.naming();
    let mut taken: HashSet<String> = fields.iter().map(|f| f.name.to_lowercase()).collect();
    let mut mapping = MappingFile {
        target: input.schema.target,
        object: input.object_key.to_string(),
        dataset: input.dataset.to_string(),
        schema: input.schema_file.clone(),
        fields: Vec::new(),
        custom_fields: Vec::new(),
        unmapped: Vec::new(),
        values: BTreeMap::new(),
        owners: BTreeMap::new(),
        default_owner: None,
    };
    let mut report = SuggestReport {
        dataset: input.dataset.to_string(),
        target: input.schema.target.to_string(),
        object: input.object_key.to_string(),
        target_object: input.object.name.clone(),
        rows: input.rows,
        mapped: Vec::new(),
        custom: Vec::new(),
        dropped: Vec::new(),
        required_missing: Vec::new(),
        values: Vec::new(),
        path: None,
    };
    let sources = source_names(input.profiles);
    for (ci, profile) in input.profiles.iter().enumerate() {
        let source = sources[ci].clone();
        // An export's round-trip bookkeeping is not the record's data (playbook list).
        if !chosen.contains_key(&ci)
            && let Some(reason) = input.synonyms.bookkeeping(&profile.header)
        {
            report.dropped.push(DroppedColumn {
                source: source.clone(),
                reason: reason.to_string(),
            });
            mapping.unmapped.push(Unmapped {
                source,
                action: UnmappedAction::Drop,
                reason: Some(reason.to_string()),
            });
            continue;
        }
        if let Some(c) = chosen.get(&ci) {
            let field = &fields[c.field];
            let mut transform = transforms_for(field, profile, &country);
            let restricted = input.schema.is_restricted(field);
            if let Some(v) = value_map(field, profile, input.synonyms, restricted) {
                if !v.1.is_empty() {
                    mapping.values.insert(field.name.clone(), v.1);
                    transform.push(Transform::Map);
                }
                report.values.push(v.0);
            }
            let confidence = (c.score.min(1.0) * 100.0).round() / 100.0;
            report.mapped.push(MappedField {
                source: source.clone(),
                target: field.name.clone(),
                label: field.display().to_string(),
                confidence,
                reason: c.reason.clone(),
            });
            mapping.fields.push(FieldMapping {
                source: Some(source),
                target: field.name.clone(),
                confidence: Some(confidence),
                reason: Some(c.reason.clone()),
                transform,
                on_invalid: None,
                lookup: None,
            });
            continue;
        }
        // The proposed custom field may already exist in a pulled schema: use it.
        if let Some(existing) = existing_custom(profile, &naming, fields, &used_fields) {
            let field = &fields[existing];
            used_fields.insert(existing);
            let reason = format!(
                "the org already has custom field `{}` for this column",
                field.name
            );
            report.mapped.push(MappedField {
                source: source.clone(),
                target: field.name.clone(),
                label: field.display().to_string(),
                confidence: 0.9,
                reason: reason.clone(),
            });
            mapping.fields.push(FieldMapping {
                source: Some(source),
                target: field.name.clone(),
                confidence: Some(0.9),
                reason: Some(reason),
                transform: transforms_for(field, profile, &country),
                on_invalid: None,
                lookup: None,
            });
            continue;
        }
        match propose_custom(profile, &naming, &mut taken, input) {
            Proposal::Drop(reason) => {
                report.dropped.push(DroppedColumn {
                    source: source.clone(),
                    reason: reason.clone(),
                });
                mapping.unmapped.push(Unmapped {
                    source,
                    action: UnmappedAction::Drop,
                    reason: Some(reason),
                });
            }
            Proposal::Custom(field, reason) => {
                let transform = transforms_for(&field, profile, &country);
                report.custom.push(CustomProposal {
                    source: source.clone(),
                    field: field.name.clone(),
                    kind: field.kind,
                    length: field.length,
                    external_id: field.external_id,
                    reason: reason.clone(),
                });
                mapping.fields.push(FieldMapping {
                    source: Some(source),
                    target: field.name.clone(),
                    confidence: None,
                    reason: Some(reason),
                    transform,
                    on_invalid: None,
                    lookup: None,
                });
                mapping.custom_fields.push(field);
            }
        }
    }
    for (fi, field) in fields.iter().enumerate() {
        if field.required && !field.read_only && !used_fields.contains(&fi) {
            report.required_missing.push(RequiredField {
                field: field.name.clone(),
                label: field.display().to_string(),
            });
        }
    }
    split_full_name(input, &mut mapping, &mut report);
    Suggestion { mapping, report }
}

/// Names for the mapping's `source`: the header, or the column name when headers repeat.
fn source_names(profiles: &[ColumnProfile]) -> Vec<String> {
    profiles
        .iter()
        .map(|p| {
            let dup = profiles.iter().filter(|q| q.header == p.header).count() > 1;
            if dup || p.header.trim().is_empty() {
                p.column.clone()
            } else {
                p.header.clone()
            }
        })
        .collect()
}

/// Header score plus value evidence for one column and one field. Values that fit the type
/// move a score a third of the way to 1 (never past the next kind of header match); values
/// that do not fit cost 0.3. An exact API name is trusted as it is. Values alone can propose
/// a field too ([`value_only`]), and outweigh a weak header: a column of country names under
/// `Region` is the country. A column of status words is never a state or region.
fn score_pair(
    input: &SuggestInput,
    profile: &ColumnProfile,
    field: &Field,
) -> Option<(f64, String)> {
    let role = Role::of(field);
    if role == Role::State && status_share(profile, input.cues) >= 0.5 {
        return None;
    }
    let own = |header: &str| header_score(header, field, input.object_key, input.synonyms);
    // `Deal - Stage` in a deals export is the deal's stage: the prefix only names the object.
    let bare = input
        .synonyms
        .without_entity(input.object_key, &profile.header)
        .and_then(&own)
        .map(|(score, reason)| (score.min(0.97) - 0.01, reason));
    let from_header = match (own(&profile.header), bare) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
    .map(|(base, mut reason)| {
        if base >= 1.0 {
            return (base, reason);
        }
        let score = match evidence(input, profile, field, role) {
            Evidence::For(note) => {
                reason.push_str(&format!("; {note}"));
                base + (1.0 - base) * 0.3
            }
            Evidence::Against(note) => {
                reason.push_str(&format!("; but {note}"));
                base - 0.3
            }
            Evidence::None => base,
        };
        (score, reason)
    });
    let from_values = value_only(input, profile, field, role);
    match (from_header, from_values) {
        (Some(h), Some(v)) => Some(if v.0 > h.0 { v } else { h }),
        (h, v) => h.or(v),
    }
}

/// What a target field holds, as far as value evidence can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Country,
    State,
    Amount,
    Owner,
    Other,
}

impl Role {
    fn of(field: &Field) -> Role {
        let words: Vec<String> = text::words(&field.name)
            .into_iter()
            .chain(text::words(&field.label))
            .collect();
        let has = |w: &str| words.iter().any(|x| x == w);
        let transform = |t: fn(&Transform) -> bool| field.transform.iter().any(t);
        if field.kind == FieldType::Reference && field.references.iter().any(|r| r == "user") {
            Role::Owner
        } else if field.kind == FieldType::Currency {
            Role::Amount
        } else if !matches!(field.kind, FieldType::Text | FieldType::Picklist) {
            Role::Other
        } else if transform(|t| matches!(t, Transform::Country)) || has("country") {
            Role::Country
        } else if transform(|t| matches!(t, Transform::State(_))) || has("state") || has("province")
        {
            Role::State
        } else {
            Role::Other
        }
    }
}

/// Share of a column's rows (by its exact distinct counts) whose value is a status word.
fn status_share(profile: &ColumnProfile, cues: &Cues) -> f64 {
    value_share(profile, |v| cues.is_status(v))
}

/// Share of a column's non-placeholder rows, by its exact distinct counts, whose value passes
/// `test`; 0 when the column has too many distinct values to count.
fn value_share(profile: &ColumnProfile, test: impl Fn(&str) -> bool) -> f64 {
    let (mut hit, mut all) = (0u64, 0u64);
    for (v, n) in profile.values().iter().filter(|(v, _)| !is_placeholder(v)) {
        all += n;
        if test(v) {
            hit += n;
        }
    }
    if all == 0 {
        0.0
    } else {
        hit as f64 / all as f64
    }
}

/// Share of a column's rows naming a user of a users export (by name or email).
fn user_share(profile: &ColumnProfile, users: &HashSet<String>) -> f64 {
    if users.is_empty() {
        return 0.0;
    }
    value_share(profile, |v| {
        users.contains(&super::file::Lookup::normalize(v))
            || v.split_once(',').is_some_and(|(last, first)| {
                users.contains(&super::file::Lookup::normalize(&format!(
                    "{} {}",
                    first.trim(),
                    last.trim()
                )))
            })
    })
}

/// Whether a column names people who own records: its values match a users export, or they
/// are people's names repeated across rows under a header that names an owner (`Assigned`,
/// `Rep`, `Account Manager`). The reason, when it does.
fn owner_evidence(input: &SuggestInput, profile: &ColumnProfile) -> Option<String> {
    let users = user_share(profile, input.users);
    if users >= 0.5 {
        return Some(format!(
            "values: {} name users of the users export",
            pct(users)
        ));
    }
    let names = profile.share(profile.person_names);
    // Owners repeat: a handful of people own many records each.
    let repeated = profile.filled >= 6 && profile.distinct_in_sample * 2 <= profile.filled as usize;
    (names >= 0.8 && repeated && input.cues.names_owner(&profile.header)).then(|| {
        format!(
            "values: {} people's names, {} people across {} rows",
            pct(names),
            profile.distinct_in_sample,
            profile.filled
        )
    })
}

/// How well a header names a field, and why.
pub fn header_score(
    header: &str,
    field: &Field,
    object: &str,
    syn: &Synonyms,
) -> Option<(f64, String)> {
    if header.trim() == field.name {
        return Some((1.0, format!("exact API name `{}`", field.name)));
    }
    let h = syn.canon(header);
    if h.is_empty() {
        return None;
    }
    let hc = h.replace(' ', "");
    if let Some(alias) = field.aliases.iter().find(|a| syn.canon(a) == h) {
        return Some((
            0.97,
            format!(
                "`{header}` is a known header for `{}` (alias `{alias}`)",
                field.name
            ),
        ));
    }
    let label = syn.canon(&field.label);
    let api = syn.canon(&field.name);
    if (!label.is_empty() && (h == label || hc == label.replace(' ', "")))
        || hc == api.replace(' ', "")
    {
        let what = if !label.is_empty() && (h == label || hc == label.replace(' ', "")) {
            format!("label `{}`", field.label)
        } else {
            format!("API name `{}`", field.name)
        };
        return Some((0.95, format!("header matches {what}")));
    }
    let id_like = h
        .rsplit(' ')
        .next()
        .is_some_and(|w| w == "id" || w == "key");
    let id_field = matches!(field.kind, FieldType::Id | FieldType::Reference) || field.external_id;
    if id_like && !id_field {
        return None;
    }
    if let Some(g) = syn.field_group(object, header) {
        let names = std::iter::once(field.label.as_str())
            .chain(std::iter::once(field.name.as_str()))
            .chain(field.aliases.iter().map(String::as_str));
        for name in names.filter(|n| !n.is_empty()) {
            if syn.field_group(object, name) == Some(g) {
                return Some((0.88, format!("synonyms: `{header}` ~ `{name}`")));
            }
        }
    }
    let hw: Vec<String> = h.split(' ').map(String::from).collect();
    let best = [label.as_str(), api.as_str()]
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| text::word_similarity(&hw, &n.split(' ').map(String::from).collect::<Vec<_>>()))
        .fold(0.0, f64::max);
    (best >= 0.88).then(|| {
        (
            0.6 + (best - 0.88) * 2.0,
            format!("similar name: `{header}` ~ `{}`", field.display()),
        )
    })
}

use crate::numbers::pct_whole as pct;

/// What the values say about a field's type.
enum Evidence {
    For(String),
    Against(String),
    None,
}

/// Whether the values fit the field's type (at least half do) or not (fewer than a fifth);
/// for countries, states and owners, whether they are what the field holds.
fn evidence(input: &SuggestInput, profile: &ColumnProfile, field: &Field, role: Role) -> Evidence {
    if profile.filled == 0 {
        return Evidence::None;
    }
    let typed = |share: f64, what: &str| {
        if share >= 0.5 {
            Evidence::For(format!("values: {} {what}", pct(share)))
        } else if share < 0.2 {
            Evidence::Against(format!("only {} of the values are {what}", pct(share)))
        } else {
            Evidence::None
        }
    };
    let countries = profile.share(profile.countries);
    let regions = profile.share(profile.regions);
    match role {
        Role::Country if countries >= 0.5 && countries >= regions => {
            return Evidence::For(format!("values: {} country names or codes", pct(countries)));
        }
        Role::Country if regions >= 0.5 && regions > countries => {
            return Evidence::Against(format!(
                "{} of the values are states or regions",
                pct(regions)
            ));
        }
        Role::State if regions >= 0.5 && regions >= countries => {
            return Evidence::For(format!("values: {} states or regions", pct(regions)));
        }
        Role::State if countries >= 0.5 && countries > regions => {
            return Evidence::Against(format!("{} of the values are countries", pct(countries)));
        }
        Role::Owner => {
            return owner_evidence(input, profile).map_or(Evidence::None, Evidence::For);
        }
        _ => {}
    }
    // A street holds one line; `Speicherstadt 4, 20457 Hamburg, Germany` is the whole
    // address (Pipedrive's `Organization - Address` beside its street column).
    let street = text::words(&field.name)
        .iter()
        .chain(text::words(&field.label).iter())
        .any(|w| w == "street");
    if street {
        let whole = value_share(profile, |v| {
            v.rsplit_once(',')
                .is_some_and(|(_, last)| crate::values::country::code(last.trim()).is_some())
        });
        if whole >= 0.5 {
            return Evidence::Against(format!(
                "{} of the values are whole addresses ending in a country",
                pct(whole)
            ));
        }
    }
    let syn = input.synonyms;
    match field.kind {
        FieldType::Email => typed(profile.share(profile.emails), "emails"),
        FieldType::Phone => typed(
            profile.share(profile.phones.max(profile.integers)),
            "phone numbers",
        ),
        FieldType::Url => typed(profile.share(profile.urls), "URLs"),
        FieldType::Date | FieldType::Datetime => {
            typed(profile.share(profile.dates + profile.serial_dates), "dates")
        }
        FieldType::Integer | FieldType::Number | FieldType::Currency | FieldType::Percent => {
            typed(profile.share(profile.numbers), "numbers")
        }
        FieldType::Boolean => typed(profile.share(profile.booleans), "yes/no values"),
        FieldType::Picklist | FieldType::Multipicklist
            if !field.values.is_empty() && profile.distinct.is_some() =>
        {
            let ov = values::overlap(profile.values(), &field.values, syn);
            if ov >= 0.5 {
                Evidence::For(format!("values: {} match the picklist", pct(ov)))
            } else {
                Evidence::None
            }
        }
        _ => Evidence::None,
    }
}

/// A match from values alone, for what values identify: emails and URLs, country names,
/// states, amounts of money and the people who own records.
fn value_only(
    input: &SuggestInput,
    profile: &ColumnProfile,
    field: &Field,
    role: Role,
) -> Option<(f64, String)> {
    if profile.filled < 5 {
        return None;
    }
    let because = |what: String| format!("header does not match, but {what}");
    let countries = profile.share(profile.countries);
    let regions = profile.share(profile.regions);
    match role {
        Role::Country if countries >= 0.8 && countries >= regions => {
            return Some((
                0.9,
                because(format!("{} of the values are countries", pct(countries))),
            ));
        }
        Role::State if regions >= 0.8 && regions > countries => {
            return Some((
                0.8,
                because(format!(
                    "{} of the values are states or regions",
                    pct(regions)
                )),
            ));
        }
        Role::Amount => {
            let amounts = profile.share(profile.amounts);
            if amounts >= 0.8 && profile.share(profile.numbers) >= 0.9 {
                // The object's amount before other money fields (`Amount` over `Expected Revenue`).
                let named = text::words(&field.name)
                    .iter()
                    .chain(text::words(&field.label).iter())
                    .any(|w| w == "amount" || w == "value");
                let score = if named { 0.8 } else { 0.7 };
                return Some((
                    score,
                    because(format!("{} of the values are amounts", pct(amounts))),
                ));
            }
            return None;
        }
        Role::Owner => {
            return owner_evidence(input, profile).map(|why| (0.85, because(why)));
        }
        _ => {}
    }
    let share = match field.kind {
        FieldType::Email => profile.share(profile.emails),
        FieldType::Url => profile.share(profile.urls),
        _ => return None,
    };
    (share >= 0.9).then(|| {
        (
            MIN_CONFIDENCE,
            because(format!("{} of the values are {}", pct(share), field.kind)),
        )
    })
}

/// A person's full name in one column, when the target wants first and last names apart
/// (Salesforce `LastName` is required): the column feeds both through `split_name`.
fn split_full_name(input: &SuggestInput, mapping: &mut MappingFile, report: &mut SuggestReport) {
    let compact = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let field = |name: &str| {
        input
            .object
            .fields
            .iter()
            .find(|f| !f.read_only && compact(&f.name) == name)
    };
    let (Some(last), first) = (field("lastname"), field("firstname")) else {
        return;
    };
    let targeted = |m: &MappingFile, f: &Field| {
        m.fields.iter().any(|fm| {
            m.target_field(input.object, &fm.target)
                .is_some_and(|x| x.name == f.name)
        })
    };
    if targeted(mapping, last) {
        return;
    }
    const FULL_NAME_HEADERS: [&str; 9] = [
        "name",
        "fullname",
        "contactname",
        "contact",
        "personname",
        "leadname",
        "customername",
        "contactperson",
        "attendee",
    ];
    let Some(profile) = input.profiles.iter().find(|p| {
        let spaced = p
            .distinct
            .iter()
            .flatten()
            .filter(|(v, _)| v.trim().contains(' '))
            .count();
        let sampled = p.distinct.as_ref().map_or(0, Vec::len);
        // The builtin names, or any header of the object's `full name` synonym group (in
        // the clients' languages: `Ansprechpartner`, `Kontaktní osoba`).
        let full = input.synonyms.field_group(input.object_key, "full name");
        (FULL_NAME_HEADERS.contains(&compact(&p.header).as_str())
            || (full.is_some() && input.synonyms.field_group(input.object_key, &p.header) == full))
            && p.filled > 0
            && sampled > 0
            && spaced * 5 >= sampled * 3
    }) else {
        return;
    };
    let source = source_names(input.profiles)[input
        .profiles
        .iter()
        .position(|p| std::ptr::eq(p, profile))
        .unwrap_or(0)]
    .clone();
    // The column's own entry (a custom field proposed for it) gives way.
    if let Some(i) = mapping
        .fields
        .iter()
        .position(|fm| fm.source.as_deref() == Some(source.as_str()))
    {
        let old = mapping.fields.remove(i);
        mapping.custom_fields.retain(|f| f.name != old.target);
        report.custom.retain(|c| c.source != source);
        report.mapped.retain(|m| m.source != source);
    }
    mapping.unmapped.retain(|u| u.source != source);
    let reason = format!(
        "`{source}` holds full names ({} of {} sampled values have a space); the target keeps first and last names apart",
        profile
            .distinct
            .iter()
            .flatten()
            .filter(|(v, _)| v.trim().contains(' '))
            .count(),
        profile.distinct.as_ref().map_or(0, Vec::len)
    );
    let mut parts = vec![(last, NamePart::Last)];
    if let Some(f) = first.filter(|f| !targeted(mapping, f)) {
        parts.insert(0, (f, NamePart::First));
    }
    for (f, part) in parts {
        mapping.fields.push(FieldMapping {
            source: Some(source.clone()),
            target: f.name.clone(),
            confidence: Some(0.8),
            reason: Some(reason.clone()),
            transform: vec![Transform::CollapseSpaces, Transform::SplitName(part)],
            on_invalid: None,
            lookup: None,
        });
        report.mapped.push(MappedField {
            source: source.clone(),
            target: f.name.clone(),
            label: f.display().to_string(),
            confidence: 0.8,
            reason: reason.clone(),
        });
    }
    report.required_missing.retain(|r| r.field != last.name);
}

/// Where phone numbers get their country: the dataset's country column (if any) and the
/// commonest country in it as the default.
struct PhoneCountry {
    default: String,
    column: Option<String>,
}

fn phone_country(profiles: &[ColumnProfile]) -> PhoneCountry {
    // Two-letter codes alone prove little (`Mr`, `Ms` and `Dr` are country codes too): a column
    // is a country column when its header says so, or when it also holds written-out names.
    let is_country = |p: &&ColumnProfile| {
        p.share(p.countries) >= 0.5
            && (p.header.to_lowercase().contains("country")
                || p.values()
                    .iter()
                    .any(|(v, _)| v.chars().count() > 3 && country::is_country(v)))
    };
    let column = profiles
        .iter()
        .filter(is_country)
        .max_by_key(|p| p.countries)
        .map(|p| p.header.clone());
    let default = profiles
        .iter()
        .filter(is_country)
        .flat_map(|p| p.values().iter())
        .filter_map(|(v, n)| country::code(v).map(|c| (c, *n)))
        .fold(BTreeMap::<&str, u64>::new(), |mut m, (c, n)| {
            *m.entry(c).or_default() += n;
            m
        })
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(c, _)| c.to_string())
        .unwrap_or_else(|| "US".to_string());
    PhoneCountry { default, column }
}

/// The transforms a field of this type usually needs, given what the values look like;
/// placeholders (`N/A`) are blanked first when the column has any.
fn transforms_for(
    field: &Field,
    profile: &ColumnProfile,
    country: &PhoneCountry,
) -> Vec<Transform> {
    let mut out = Vec::new();
    if profile.placeholders > 0 {
        out.push(Transform::BlankPlaceholders);
    }
    if !field.transform.is_empty() {
        out.extend(field.transform.iter().cloned());
        return out;
    }
    out.extend(type_transforms(field, profile, country));
    out
}

/// `Some(',')` when the column writes a decimal comma (`1.250.000,00`, `950,75`): European
/// exports read with the default dot would turn `12.000` into twelve.
fn decimal_comma(profile: &ColumnProfile) -> Option<char> {
    let values = profile.values();
    let decimal =
        crate::values::number::column_decimal(values.iter().map(|(v, n)| (v.as_str(), *n)));
    (decimal == ',').then_some(',')
}

fn type_transforms(
    field: &Field,
    profile: &ColumnProfile,
    country: &PhoneCountry,
) -> Vec<Transform> {
    match field.kind {
        FieldType::Text => vec![Transform::Trim, Transform::CollapseSpaces],
        FieldType::Textarea | FieldType::Id | FieldType::Reference | FieldType::Url => {
            vec![Transform::Trim]
        }
        FieldType::Picklist | FieldType::Multipicklist => vec![Transform::Trim],
        FieldType::Email => vec![Transform::Email],
        FieldType::Phone => vec![Transform::Phone(PhoneSpec {
            country: country.default.clone(),
            country_from: country.column.clone(),
        })],
        FieldType::Date => vec![Transform::Date(DateSpec {
            formats: profile.date_formats.clone(),
        })],
        FieldType::Datetime => vec![Transform::Datetime(DateSpec {
            formats: profile.date_formats.clone(),
        })],
        FieldType::Integer => vec![Transform::Number(NumberSpec {
            decimal: decimal_comma(profile),
            round: Some(0),
        })],
        FieldType::Number | FieldType::Currency | FieldType::Percent => {
            vec![Transform::Number(NumberSpec {
                decimal: decimal_comma(profile),
                ..NumberSpec::default()
            })]
        }
        FieldType::Boolean => vec![Transform::Boolean],
    }
}

/// The value map for a picklist field: entries for values that differ from an allowed value.
fn value_map(
    field: &Field,
    profile: &ColumnProfile,
    syn: &Synonyms,
    restricted: bool,
) -> Option<(ValueReport, BTreeMap<String, Option<String>>)> {
    if !matches!(field.kind, FieldType::Picklist | FieldType::Multipicklist)
        || field.values.is_empty()
    {
        return None;
    }
    let distinct = profile.distinct.as_ref()?;
    let suggestions = values::suggest_values(distinct, &field.values, syn);
    let mut map = BTreeMap::new();
    let mut unknown = Vec::new();
    let mut seen = HashSet::new();
    for s in &suggestions {
        if !seen.insert(s.source.clone()) {
            continue;
        }
        if s.target.as_deref() == Some(s.source.as_str()) {
            continue;
        }
        if s.target.is_none() {
            unknown.push(s.source.clone());
            // An unrestricted picklist takes new values as they are; a restricted one needs a
            // decision, so the entry stays open (`~`) and `map check` blocks until it is made.
            if !restricted {
                continue;
            }
        }
        map.insert(s.source.clone(), s.target.clone());
    }
    let report = ValueReport {
        field: field.name.clone(),
        distinct: seen.len(),
        matched: seen.len() - unknown.len(),
        unknown,
        suggestions,
    };
    Some((report, map))
}

/// A writable field of the schema named as [`propose_custom`] would name this column.
fn existing_custom(
    profile: &ColumnProfile,
    naming: &crate::targets::CustomNaming,
    fields: &[Field],
    used: &HashSet<usize>,
) -> Option<usize> {
    let words = text::words(&profile.header);
    let mut legacy = vec!["legacy".to_string()];
    legacy.extend(words.iter().cloned());
    [naming.api_name(&words), naming.api_name(&legacy)]
        .iter()
        .find_map(|name| {
            fields
                .iter()
                .position(|f| f.name.eq_ignore_ascii_case(name) && !f.read_only)
        })
        .filter(|i| !used.contains(i))
}

enum Proposal {
    Drop(String),
    Custom(Field, String),
}

/// A custom field for an unmapped column, typed and sized from its values, or `drop`.
fn propose_custom(
    profile: &ColumnProfile,
    naming: &crate::targets::CustomNaming,
    taken: &mut HashSet<String>,
    input: &SuggestInput,
) -> Proposal {
    if profile.filled == 0 {
        return Proposal::Drop(format!("empty in all {} sampled rows", profile.rows));
    }
    if let Some(d) = &profile.distinct
        && d.len() == 1
        && profile.filled == profile.rows
    {
        return Proposal::Drop(format!("constant: every row holds `{}`", d[0].0));
    }
    let mut words = text::words(&profile.header);
    if words.is_empty() {
        words = text::words(&profile.column);
    }
    let last = words.last().map(String::as_str).unwrap_or("");
    // A postal code is a code, not a record's key, however unique in a small export.
    let postal = words
        .iter()
        .any(|w| matches!(w.as_str(), "zip" | "postal" | "post" | "postcode" | "plz"));
    let key_like = (matches!(last, "id" | "key" | "number" | "no" | "nr" | "code" | "ref")
        && !postal)
        || all_guids(profile);
    let external_id = profile.unique && key_like;
    if external_id && words.first().map(String::as_str) != Some("legacy") {
        words.insert(0, "legacy".to_string());
    }
    let (kind, length, picklist) = infer_type(profile, key_like);
    // Another dataset of the object upserts on this name: a key of its own, named after the
    // dataset (a shared one would make the same source id in both one record).
    if external_id
        && input
            .other_keys
            .contains(&naming.api_name(&words).to_lowercase())
    {
        words.extend(text::words(input.dataset).into_iter().take(3));
    }
    let mut name = naming.api_name(&words);
    let mut n = 2;
    while taken.contains(&name.to_lowercase()) {
        let mut w = words.clone();
        w.push(n.to_string());
        name = naming.api_name(&w);
        n += 1;
    }
    taken.insert(name.to_lowercase());
    let mut reason = format!(
        "no standard field matches; proposed custom {kind}{} from {} filled of {} sampled rows",
        length.map(|l| format!(" ({l})")).unwrap_or_default(),
        profile.filled,
        profile.rows
    );
    if external_id {
        reason.push_str("; unique, so an external id for upserts");
    }
    let field = Field {
        name,
        label: profile.header.trim().to_string(),
        kind,
        length,
        required: false,
        read_only: false,
        external_id,
        custom: true,
        references: Vec::new(),
        values: picklist,
        restricted: None,
        aliases: Vec::new(),
        transform: Vec::new(),
        note: None,
    };
    Proposal::Custom(field, reason)
}

/// Whether every sampled value is a GUID (`3f2504e0-4f89-11d3-9a0c-0305e82c3301`), as
/// Dynamics writes record ids under headers like `(Do Not Modify) Account`.
fn all_guids(p: &ColumnProfile) -> bool {
    let guid = |v: &str| {
        let v = v.trim().trim_start_matches('{').trim_end_matches('}');
        let parts: Vec<&str> = v.split('-').collect();
        parts.iter().map(|x| x.len()).eq([8, 4, 4, 4, 12])
            && parts
                .iter()
                .all(|x| x.chars().all(|c| c.is_ascii_hexdigit()))
    };
    p.distinct
        .as_ref()
        .is_some_and(|d| !d.is_empty() && d.iter().all(|(v, _)| guid(v)))
}

/// The field type that fits a column's values, its length, and picklist values if few.
fn infer_type(p: &ColumnProfile, key_like: bool) -> (FieldType, Option<u32>, Vec<PicklistValue>) {
    let share = |n| p.share(n);
    let sample: Vec<&str> = p
        .distinct
        .iter()
        .flatten()
        .map(|(v, _)| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let all = |f: &dyn Fn(&str) -> bool| !sample.is_empty() && sample.iter().all(|v| f(v));
    // Record ids and codes are text: never numbers (leading zeros, `02141`) nor picklists.
    let id_values = all(&|v| {
        v.len() >= 6
            && !v.contains(char::is_whitespace)
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && v.chars().any(|c| c.is_ascii_digit())
    }) && !all(&|v| v.chars().all(|c| c.is_ascii_digit()) && !v.starts_with('0'));
    let leading_zero = sample
        .iter()
        .any(|v| v.len() > 1 && v.starts_with('0') && v.chars().all(|c| c.is_ascii_digit()));
    // Headers run together in exports (`BILLINGPOSTALCODE`), so look inside them.
    let header = p.header.to_lowercase();
    let code_header = ["zip", "postal", "postcode", "plz", "sku", "iban"]
        .iter()
        .any(|w| header.contains(w));
    if share(p.emails) >= 0.8 {
        return (FieldType::Email, Some(80), Vec::new());
    }
    if share(p.dates) >= 0.8 {
        // Timestamps keep their time: `2024-02-11T09:01:00.000Z` is a datetime, not a date.
        let has_time = p.date_formats.iter().any(|f| f.contains("%H"))
            || sample.iter().any(|v| v.contains(':'));
        let kind = if has_time {
            FieldType::Datetime
        } else {
            FieldType::Date
        };
        return (kind, None, Vec::new());
    }
    // Serial dates from a spreadsheet, where the name says dates (as the profile types them).
    let date_name = crate::profile::vocab::type_hint(&p.column).is_some_and(|t| t.is_temporal());
    if date_name && share(p.dates + p.serial_dates) >= 0.8 {
        let kind = if sample.iter().any(|v| v.contains('.')) {
            FieldType::Datetime
        } else {
            FieldType::Date
        };
        return (kind, None, Vec::new());
    }
    if id_values || leading_zero || (code_header && share(p.numbers) >= 0.9) {
        let len = [20u32, 40, 80, 120, 255]
            .into_iter()
            .find(|&l| p.max_len as u32 <= l)
            .unwrap_or(255);
        return (FieldType::Text, Some(len), Vec::new());
    }
    if share(p.urls) >= 0.8 {
        return (FieldType::Url, Some(255), Vec::new());
    }
    if share(p.phones) >= 0.8 {
        return (FieldType::Phone, Some(40), Vec::new());
    }
    if share(p.numbers) >= 0.9 && !key_like {
        let kind = if p.integers == p.numbers {
            FieldType::Integer
        } else {
            FieldType::Number
        };
        return (kind, None, Vec::new());
    }
    if share(p.booleans) >= 0.9 {
        return (FieldType::Boolean, None, Vec::new());
    }
    if let Some(d) = &p.distinct {
        let real: Vec<&(String, u64)> = d.iter().filter(|(v, _)| !is_placeholder(v)).collect();
        if !real.is_empty() && real.len() <= 20 && p.filled >= 3 * real.len() as u64 {
            let mut values: Vec<PicklistValue> = Vec::new();
            for (v, _) in real {
                let v = v.trim().to_string();
                if !values.iter().any(|x| x.value == v) {
                    values.push(PicklistValue {
                        value: v,
                        label: None,
                    });
                }
            }
            return (FieldType::Picklist, Some(255), values);
        }
    }
    let len = [20u32, 40, 80, 120, 255]
        .into_iter()
        .find(|&l| p.max_len as u32 <= l);
    match len {
        Some(l) => (FieldType::Text, Some(l), Vec::new()),
        None => (FieldType::Textarea, None, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Target;

    fn profile(header: &str, values: &[&str]) -> ColumnProfile {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for v in values.iter().filter(|v| !v.trim().is_empty()) {
            *counts.entry(v.to_string()).or_default() += 1;
        }
        let mut distinct: Vec<(String, u64)> = counts.into_iter().collect();
        distinct.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ColumnProfile::from_values(
            header,
            &text::norm(header).replace(' ', "_"),
            values.iter().map(|v| Some(*v)),
            Some(distinct),
        )
    }

    fn run(target: Target, object: &str, profiles: &[ColumnProfile]) -> Suggestion {
        let schema = crate::targets::builtin(target).unwrap();
        let syn = Synonyms::load(None).unwrap();
        let (key, obj) = schema.object(object).unwrap();
        suggest(&SuggestInput {
            schema: &schema,
            object_key: key,
            object: obj,
            dataset: "d",
            rows: profiles.first().map(|p| p.rows).unwrap_or(0),
            profiles,
            synonyms: &syn,
            cues: &Cues::load(None).unwrap(),
            users: &HashSet::new(),
            schema_file: None,
            other_keys: &HashSet::new(),
        })
    }

    fn targets(s: &Suggestion) -> BTreeMap<String, String> {
        s.mapping
            .fields
            .iter()
            .map(|f| (f.source.clone().unwrap_or_default(), f.target.clone()))
            .collect()
    }

    fn accounts() -> Vec<ColumnProfile> {
        vec![
            profile("Account ID", &["A-1", "A-2", "A-3", "A-4"]),
            profile("Account Name", &["Acme", "Globex", "Initech", ""]),
            profile(
                "Website",
                &["www.acme.com", "https://globex.com/", "initech.io", ""],
            ),
            profile(
                "Phone",
                &[
                    "(415) 555-0134",
                    "415.555.0199",
                    "+1 415 555 0100",
                    "call me",
                ],
            ),
            profile("Billing Zip", &["94105", "10001", "60601", "02110"]),
            profile("Billing Country", &["USA", "United States", "US", "USA"]),
            profile("Industry", &["Tech", "hi-tech", "Banking", "Widgets"]),
            profile("Employees", &["1,200", "500+", "40", "12"]),
            profile("Annual Revenue", &["$1.2M", "250k", "1,200,000", ""]),
            profile(
                "Created Date",
                &["2021-03-04", "03/04/2021", "4 Mar 2021", "2020-01-01"],
            ),
            profile("Spare Field", &["", "", "", ""]),
            profile("Region Code", &["W", "W", "E", "E", "W", "E"]),
        ]
    }

    #[test]
    fn full_names_under_a_synonym_in_the_clients_language_are_split() {
        for header in ["Ansprechpartner", "Kontaktní osoba", "Nombre completo"] {
            let s = run(
                Target::Salesforce,
                "contact",
                &[
                    profile(header, &["Jan Novák", "Petra Dvořáková", "Eva Kučerová"]),
                    profile(
                        "E-mail",
                        &["jan@example.cz", "petra@example.cz", "eva@example.cz"],
                    ),
                ],
            );
            let sources: Vec<(&str, &str)> = s
                .mapping
                .fields
                .iter()
                .map(|f| (f.source.as_deref().unwrap_or(""), f.target.as_str()))
                .collect();
            assert!(
                sources.contains(&(header, "LastName")),
                "{header}: {sources:?}"
            );
            assert!(
                sources.contains(&(header, "FirstName")),
                "{header}: {sources:?}"
            );
        }
    }

    #[test]
    fn a_second_dataset_of_an_object_gets_its_own_key_field() {
        let schema = crate::targets::builtin(Target::Salesforce).unwrap();
        let syn = Synonyms::load(None).unwrap();
        let (key, obj) = schema.object("account").unwrap();
        let profiles = accounts();
        let suggest_with = |other_keys: &HashSet<String>| {
            let s = suggest(&SuggestInput {
                schema: &schema,
                object_key: key,
                object: obj,
                dataset: "billing_accounts",
                rows: 4,
                profiles: &profiles,
                synonyms: &syn,
                cues: &Cues::load(None).unwrap(),
                users: &HashSet::new(),
                schema_file: None,
                other_keys,
            });
            targets(&s)["Account ID"].clone()
        };
        assert_eq!(suggest_with(&HashSet::new()), "Legacy_Account_ID__c");
        let taken: HashSet<String> = ["legacy_account_id__c".to_string()].into();
        assert_eq!(
            suggest_with(&taken),
            "Legacy_Account_ID_Billing_Accounts__c"
        );
    }

    #[test]
    fn salesforce_accounts() {
        let s = run(Target::Salesforce, "account", &accounts());
        let t = targets(&s);
        assert_eq!(t["Account Name"], "Name");
        assert_eq!(t["Website"], "Website");
        assert_eq!(t["Phone"], "Phone");
        assert_eq!(t["Billing Zip"], "BillingPostalCode");
        assert_eq!(t["Billing Country"], "BillingCountry");
        assert_eq!(t["Industry"], "Industry");
        assert_eq!(t["Employees"], "NumberOfEmployees");
        assert_eq!(t["Annual Revenue"], "AnnualRevenue");
        assert_eq!(t["Account ID"], "Legacy_Account_ID__c");
        assert_eq!(t["Created Date"], "Created_Date__c");
        assert!(s.mapping.unmapped.iter().any(|u| u.source == "Spare Field"));
        let custom = s
            .mapping
            .custom_fields
            .iter()
            .find(|f| f.name == "Legacy_Account_ID__c")
            .unwrap();
        assert!(custom.external_id);
        let created = s
            .mapping
            .custom_fields
            .iter()
            .find(|f| f.name == "Created_Date__c")
            .unwrap();
        assert_eq!(created.kind, FieldType::Date);
        let region = s
            .mapping
            .custom_fields
            .iter()
            .find(|f| f.name == "Region_Code__c")
            .unwrap();
        assert_eq!(region.kind, FieldType::Picklist);
        assert!(s.report.required_missing.is_empty());
        let industry = &s.mapping.values["Industry"];
        assert_eq!(industry["Tech"].as_deref(), Some("Technology"));
        assert_eq!(industry["hi-tech"].as_deref(), Some("Technology"));
        // Salesforce picklists are unrestricted: unknown values pass through, but are reported.
        assert!(!industry.contains_key("Widgets"));
        assert_eq!(s.report.values[0].unknown, ["Widgets"]);
        assert!(!industry.contains_key("Banking"));
        let phone = s
            .mapping
            .fields
            .iter()
            .find(|f| f.target == "Phone")
            .unwrap();
        assert_eq!(
            phone.transform,
            [Transform::Phone(PhoneSpec {
                country: "US".into(),
                country_from: Some("Billing Country".into())
            })]
        );
    }

    #[test]
    fn hubspot_companies_prefer_domain_and_flag_nothing_required() {
        let s = run(Target::Hubspot, "account", &accounts());
        let t = targets(&s);
        assert_eq!(t["Account Name"], "name");
        assert_eq!(t["Website"], "domain");
        assert_eq!(t["Billing Zip"], "zip");
        assert_eq!(t["Billing Country"], "country");
        assert_eq!(t["Employees"], "numberofemployees");
        assert_eq!(t["Created Date"], "createdate");
        let domain = s
            .mapping
            .fields
            .iter()
            .find(|f| f.target == "domain")
            .unwrap();
        assert_eq!(domain.transform, [Transform::Domain]);
        assert_eq!(
            s.mapping.values["industry"]["Tech"].as_deref(),
            Some("INFORMATION_TECHNOLOGY_AND_SERVICES")
        );
        // HubSpot enumerations are restricted: the unknown value waits for a decision.
        assert_eq!(s.mapping.values["industry"]["Widgets"], None);
    }

    #[test]
    fn exact_api_names_map_one_to_one() {
        let cols: Vec<ColumnProfile> =
            ["Name", "BillingCity", "AnnualRevenue", "OwnerId", "Rating"]
                .iter()
                .map(|h| profile(h, &["x", "y"]))
                .collect();
        let s = run(Target::Salesforce, "account", &cols);
        for f in &s.mapping.fields {
            assert_eq!(f.source.as_deref(), Some(f.target.as_str()));
            assert_eq!(f.confidence, Some(1.0));
        }
    }

    #[test]
    fn each_target_field_is_used_once_and_required_fields_are_flagged() {
        let cols = vec![
            profile("Stage", &["Prospecting", "Closed Won"]),
            profile("Deal Stage", &["Prospecting", "Closed Won"]),
            profile("Amount", &["100", "200"]),
        ];
        let s = run(Target::Salesforce, "opportunity", &cols);
        let stage_maps = s
            .mapping
            .fields
            .iter()
            .filter(|f| f.target == "StageName")
            .count();
        assert_eq!(stage_maps, 1);
        let missing: Vec<&str> = s
            .report
            .required_missing
            .iter()
            .map(|r| r.field.as_str())
            .collect();
        assert_eq!(missing, ["Name", "CloseDate"]);
    }

    #[test]
    fn values_can_vote_against_a_header() {
        let cols = vec![profile("E-Mail", &["not", "an", "email", "at all"])];
        let s = run(Target::Salesforce, "contact", &cols);
        let f = &s.mapping.fields[0];
        assert_eq!(f.target, "Email");
        assert!(f.confidence.unwrap() < 0.7, "{f:?}");
        assert!(
            f.reason
                .as_deref()
                .unwrap()
                .contains("but only 0% of the values are emails")
        );
        let cols = vec![profile(
            "Contact",
            &["a@b.com", "c@d.com", "e@f.org", "g@h.io", "i@j.net"],
        )];
        let s = run(Target::Salesforce, "contact", &cols);
        assert_eq!(s.mapping.fields[0].target, "Email");
    }

    #[test]
    fn a_whole_address_is_not_the_street_and_an_object_prefix_comes_off() {
        let cols = vec![
            profile(
                "Organization - Address",
                &[
                    "Speicherstadt 4, 20457 Hamburg, Germany",
                    "1200 Pine St, 98101 Seattle, United States",
                    "12 Old Street, EC1V 9BX London, United Kingdom",
                ],
            ),
            profile(
                "Organization - Address - Street/road name",
                &["Speicherstadt 4", "1200 Pine St", "12 Old Street"],
            ),
        ];
        let s = run(Target::Salesforce, "account", &cols);
        let t = targets(&s);
        assert_eq!(
            t.get("Organization - Address - Street/road name")
                .map(String::as_str),
            Some("BillingStreet"),
            "{t:?}"
        );
        assert_ne!(
            t.get("Organization - Address").map(String::as_str),
            Some("BillingStreet"),
            "{t:?}"
        );
    }
}
