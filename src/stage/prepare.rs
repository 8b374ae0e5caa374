//! A mapping file bound to its target schema and its dataset before any row is staged: each
//! field's source column, transforms, policy, lookup or stored score, and the record's key.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::{LOOKUP_ONLY, Options, fate};
use crate::error::{Error, Result};
use crate::mapping::file::{Lookup, MappingFile};
use crate::mapping::transforms::{Applied, Context, Failure, Transform, apply_all};
use crate::staging::Db;
use crate::targets::{Field, SchemaSource};
use crate::workspace::Workspace;

/// One target field of a mapping, resolved against the schema and the dataset.
pub(super) struct PreparedField {
    pub(super) field: Field,
    pub(super) source: Option<usize>,
    pub(super) transform: Vec<Transform>,
    pub(super) values: Option<BTreeMap<String, Option<String>>>,
    /// The generic object this reference points at.
    pub(super) parent: Option<String>,
    pub(super) restricted: bool,
    pub(super) on_invalid: Option<fate::OnInvalid>,
    /// The parent column a reference's values match, when not the parent's key.
    pub(super) lookup: Option<Lookup>,
    /// For a `score:NAME` source: the stored score per record key.
    pub(super) scores: Option<HashMap<String, String>>,
}

/// A mapping ready to apply.
pub(super) struct Prepared {
    pub(super) path: PathBuf,
    pub(super) mapping: MappingFile,
    pub(super) object: String,
    pub(super) target_object: String,
    pub(super) columns: Vec<String>,
    pub(super) headers: Vec<String>,
    pub(super) fields: Vec<PreparedField>,
    /// The field whose value is the record's external id (an external-id field).
    pub(super) key: Option<usize>,
}

/// A column of a prepared dataset by header, column name, or header ignoring case.
pub(super) fn column_position(p: &Prepared, name: &str) -> Option<usize> {
    p.headers
        .iter()
        .position(|h| h == name)
        .or_else(|| p.columns.iter().position(|c| c == name))
        .or_else(|| {
            p.headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
        })
}

/// A row's value of a source column named by header or column name (for transforms that read
/// other columns).
pub(super) fn row_value(p: &Prepared, vals: &[Option<String>], name: &str) -> Option<String> {
    p.headers
        .iter()
        .position(|h| h == name)
        .or_else(|| p.columns.iter().position(|c| c == name))
        .and_then(|i| vals[i].clone())
}

/// A record's key from its key field's transformed value: trimmed; none when blank or failed.
pub(super) fn key_text(result: &std::result::Result<Applied, Failure>) -> Option<String> {
    result
        .as_ref()
        .ok()
        .map(|a| a.value.trim().to_string())
        .filter(|k| !k.is_empty())
}

/// A row's record key, as stage notes it.
pub(super) fn record_key(p: &Prepared, vals: &[Option<String>]) -> Option<String> {
    key_text(&apply_field(p, p.key?, vals, own_key(p, vals)).1)
}

/// Field `i`'s source text for a row (or its stored score, by the record's `own_key`) and
/// what the field's transforms make of it.
pub(super) fn apply_field<'v>(
    p: &'v Prepared,
    i: usize,
    vals: &'v [Option<String>],
    own_key: Option<&str>,
) -> (&'v str, std::result::Result<Applied, Failure>) {
    let f = &p.fields[i];
    let raw = raw(p, i, vals, own_key);
    let lookup = |name: &str| row_value(p, vals, name);
    let ctx = Context {
        column: &lookup,
        values: f.values.as_ref(),
    };
    (raw, apply_all(&f.transform, raw, &ctx))
}

/// Field `i`'s source text for a row, or its stored score by the record's `own_key`.
pub(super) fn raw<'v>(
    p: &'v Prepared,
    i: usize,
    vals: &'v [Option<String>],
    own_key: Option<&str>,
) -> &'v str {
    match &p.fields[i].scores {
        Some(scores) => own_key
            .and_then(|k| scores.get(k))
            .map(String::as_str)
            .unwrap_or(""),
        None => p.fields[i]
            .source
            .and_then(|i| vals[i].as_deref())
            .unwrap_or(""),
    }
}

/// The record's own key as written (trimmed), before any transform: stored scores are kept
/// by it.
pub(super) fn own_key<'v>(p: &Prepared, vals: &'v [Option<String>]) -> Option<&'v str> {
    p.key
        .and_then(|k| p.fields[k].source.and_then(|i| vals[i].as_deref()))
        .map(str::trim)
}

/// Loads a mapping file and binds it to its schema and dataset.
pub(super) fn prepare(ws: &Workspace, db: &Db, options: &Options, path: &Path) -> Result<Prepared> {
    let mapping = MappingFile::load(path)?;
    let schemas = match (&options.schemas.custom, &mapping.schema) {
        (None, Some(file)) => SchemaSource {
            playbooks: options.schemas.playbooks.clone(),
            custom: Some(ws.root.join(file)),
        },
        _ => options.schemas.clone(),
    };
    let schema = schemas.load(mapping.target)?;
    let (object_key, object) = schema
        .object(&mapping.object)
        .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    let check_first = |what: String| {
        Error::Input(format!(
            "`{}`: {what}\n  hint: run `crmkit map check {}` and fix the mapping first",
            path.display(),
            path.display()
        ))
    };
    if !db.dataset_names()?.contains(&mapping.dataset) {
        return Err(check_first(format!(
            "dataset `{}` is not ingested",
            mapping.dataset
        )));
    }
    // One rule with map check: a required field nobody fills would load records the target
    // refuses, so stage does not start.
    let missing = crate::mapping::check::required_fields(&mapping, object).missing;
    if !missing.is_empty() && !LOOKUP_ONLY.contains(&object_key) {
        return Err(check_first(format!(
            "required {} {} {} {} no source, so every record would be refused; map a column or add `transform: [{{default: ...}}]`",
            object.name,
            if missing.len() == 1 {
                "field"
            } else {
                "fields"
            },
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if missing.len() == 1 { "has" } else { "have" }
        )));
    }
    let source_columns = db.source_columns(&mapping.dataset)?;
    let headers: Vec<String> = source_columns.iter().map(|c| c.header.clone()).collect();
    let columns: Vec<String> = source_columns.iter().map(|c| c.column.clone()).collect();
    let mut fields = Vec::new();
    let mut key = None;
    for fm in &mapping.fields {
        let field = mapping
            .target_field(object, &fm.target)
            .cloned()
            .ok_or_else(|| {
                check_first(format!(
                    "{} {} has no field `{}`",
                    schema.target, object.name, fm.target
                ))
            })?;
        if field.read_only {
            return Err(check_first(format!("`{}` is read-only", field.name)));
        }
        let scores = match fm
            .source
            .as_deref()
            .and_then(crate::mapping::file::score_source)
        {
            Some(name) => Some(
                db.scores(&mapping.dataset, name)?
                    .into_iter()
                    .filter_map(|s| {
                        let text = s.text.or_else(|| s.value.map(|v| v.to_string()))?;
                        Some((s.key, text))
                    })
                    .collect::<HashMap<String, String>>(),
            ),
            None => None,
        };
        let source = match &fm.source {
            Some(_) if scores.is_some() => None,
            Some(s) => Some(
                crate::mapping::file::column_index(&source_columns, s).ok_or_else(|| {
                    check_first(format!("dataset `{}` has no column `{s}`", mapping.dataset))
                })?,
            ),
            None => None,
        };
        let parent = (field.kind == crate::targets::FieldType::Reference)
            .then(|| field.references.first().cloned())
            .flatten();
        if key.is_none() && field.keys_records() && source.is_some() {
            key = Some(fields.len());
        }
        fields.push(PreparedField {
            restricted: schema.is_restricted(&field),
            values: mapping.values.get(&field.name).cloned(),
            transform: fm.transform.clone(),
            on_invalid: fm.on_invalid,
            lookup: fm.lookup.clone(),
            scores,
            parent,
            source,
            field,
        });
    }
    if key.is_none() && fields.iter().any(|f| f.scores.is_some()) {
        return Err(check_first(
            "`score:` sources are stored by record key: map the dataset's id column to an external-id field".into(),
        ));
    }
    Ok(Prepared {
        path: path.to_path_buf(),
        object: object_key.to_string(),
        target_object: object.name.clone(),
        mapping,
        columns,
        headers,
        fields,
        key,
    })
}
