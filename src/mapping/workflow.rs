//! The `map suggest` and `map check` runs: gather the data, load schemas, write and check files.

use std::path::{Path, PathBuf};

use super::check::{CheckData, CheckReport, check, record_metrics};
use super::evidence;
use super::file::MappingFile;
use super::suggest::{SuggestInput, SuggestReport, suggest};
use super::synonyms::Synonyms;
use crate::error::{Error, Result, plural};
use crate::targets::SchemaSource;
use crate::workspace::{Target, Workspace};

/// What `map suggest` is asked to do.
pub struct SuggestOptions {
    pub dataset: String,
    pub object: String,
    /// Target CRM; None = the custom schema's, else the workspace's.
    pub target: Option<Target>,
    pub schemas: SchemaSource,
    /// Where to write; None = `mappings/DATASET.yaml`.
    pub out: Option<PathBuf>,
    /// Overwrite an existing mapping file.
    pub force: bool,
}

/// Suggests a mapping and writes it; returns the report (with the path).
pub fn run_suggest(ws: &Workspace, opts: &SuggestOptions) -> Result<SuggestReport> {
    let target = match opts.target {
        Some(t) => t,
        None => opts.schemas.custom_target()?.unwrap_or(ws.config.target),
    };
    let schema = opts.schemas.load(target)?;
    let (object_key, object) = schema.object(&opts.object)?;
    let db = ws.db()?;
    let names = db.dataset_names()?;
    if !names.contains(&opts.dataset) {
        let hint = crate::error::suggest(&opts.dataset, names.iter().map(String::as_str))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(Error::Usage(format!(
            "no dataset `{}` in this workspace{hint}\n  hint: `crmkit status` lists the datasets; `crmkit ingest FILE` adds one",
            opts.dataset
        )));
    }
    let path = opts.out.clone().unwrap_or_else(|| {
        ws.root
            .join("mappings")
            .join(format!("{}.yaml", opts.dataset))
    });
    if path.exists() && !opts.force {
        return Err(Error::Usage(format!(
            "`{}` already exists and may hold reviewed edits; pass --force to overwrite it, or --out FILE",
            path.display()
        )));
    }
    let columns = db.source_columns(&opts.dataset)?;
    let profiles = evidence::gather(&db, &opts.dataset, &columns)?;
    let rows = db.row_count(&opts.dataset)?;
    let synonyms = Synonyms::load(opts.schemas.playbooks.as_deref())?;
    let schema_file = opts
        .schemas
        .custom
        .as_ref()
        .map(|p| relative_to(p, &ws.root));
    let suggestion = suggest(&SuggestInput {
        schema: &schema,
        object_key,
        object,
        dataset: &opts.dataset,
        rows,
        profiles: &profiles,
        synonyms: &synonyms,
        schema_file,
    });
    let mut mapping = suggestion.mapping;
    let parents = parent_datasets(ws, &schema, &db, &mapping, object, &names, &path)?;
    let links = super::links::find(&db, &mapping, object, &columns, &parents)?;
    super::links::apply(&mut mapping, &links);
    let mut report = suggestion.report;
    let mut notes = vec![format!(
        "suggested for dataset `{}` ({}) -> {} {}",
        opts.dataset,
        plural(rows, "row", "rows"),
        schema.target,
        object.name
    )];
    for r in &report.required_missing {
        notes.push(format!(
            "REQUIRED: `{}` ({}) has no source column: add an entry with a source or {{default: ...}}",
            r.field, r.label
        ));
    }
    for v in report.values.iter().filter(|v| !v.unknown.is_empty()) {
        notes.push(format!(
            "values: {} source value(s) of `{}` have no target yet (`~`)",
            v.unknown.len(),
            v.field
        ));
    }
    mapping.save(&path, &notes)?;
    report.path = Some(path.display().to_string());
    Ok(report)
}

/// Datasets that may hold the records a reference points at: those the workspace's other
/// mappings load (with their key column), the dataset itself for self-references, and, for
/// objects no mapping loads yet, every other dataset.
fn parent_datasets(
    ws: &Workspace,
    schema: &crate::targets::TargetSchema,
    db: &crate::staging::Db,
    mapping: &MappingFile,
    object: &crate::targets::ObjectSchema,
    datasets: &[String],
    writing: &Path,
) -> Result<Vec<super::links::ParentDataset>> {
    use super::links::ParentDataset;
    let key_of = |m: &MappingFile, o: &crate::targets::ObjectSchema| {
        m.fields.iter().find_map(|fm| {
            let f = m.target_field(o, &fm.target)?;
            (f.external_id && f.kind != crate::targets::FieldType::Reference)
                .then(|| fm.source.clone())
                .flatten()
        })
    };
    let mut out = vec![ParentDataset {
        dataset: mapping.dataset.clone(),
        object: mapping.object.clone(),
        key_column: key_of(mapping, object),
    }];
    for path in mapping_files(&ws.root.join("mappings"))? {
        if path == writing {
            continue;
        }
        // A mapping that does not parse is `map check`'s business, not a reason to stop here.
        let Ok(other) = MappingFile::load(&path) else {
            continue;
        };
        let Ok((key, o)) = schema.object(&other.object) else {
            continue;
        };
        if other.dataset == mapping.dataset || !datasets.contains(&other.dataset) {
            continue;
        }
        out.push(ParentDataset {
            dataset: other.dataset.clone(),
            object: key.to_string(),
            key_column: key_of(&other, o),
        });
    }
    let mapped: Vec<String> = out.iter().map(|p| p.object.clone()).collect();
    for fm in &mapping.fields {
        let Some(f) = mapping.target_field(object, &fm.target) else {
            continue;
        };
        let Some(parent) = f.references.first() else {
            continue;
        };
        if f.kind != crate::targets::FieldType::Reference || mapped.contains(parent) {
            continue;
        }
        for d in datasets.iter().filter(|d| **d != mapping.dataset) {
            if db.row_count(d)? > 0 && !out.iter().any(|p| p.dataset == *d && p.object == *parent) {
                out.push(ParentDataset {
                    dataset: d.clone(),
                    object: parent.clone(),
                    key_column: None,
                });
            }
        }
    }
    Ok(out)
}

/// The path as written in a mapping file: relative to the workspace when inside it.
fn relative_to(path: &Path, root: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    abs.strip_prefix(&root)
        .map(Path::to_path_buf)
        .unwrap_or(abs)
}

/// What `map check` is asked to do.
pub struct CheckOptions {
    /// Mapping files; empty = every `*.yaml` in `mappings/`.
    pub files: Vec<PathBuf>,
    pub schemas: SchemaSource,
}

/// Checks mapping files and records the `map.*` metrics.
pub fn run_check(ws: &Workspace, opts: &CheckOptions) -> Result<Vec<CheckReport>> {
    let files = if opts.files.is_empty() {
        mapping_files(&ws.root.join("mappings"))?
    } else {
        opts.files.clone()
    };
    if files.is_empty() {
        return Err(Error::Usage(
            "no mapping files in `mappings/`\n  hint: create one with `crmkit map suggest DATASET --object OBJECT`".into(),
        ));
    }
    let db = ws.db()?;
    let datasets = db.dataset_names()?;
    let mut reports = Vec::new();
    for path in &files {
        let mapping = MappingFile::load(path)?;
        let schemas = match (&opts.schemas.custom, &mapping.schema) {
            (None, Some(file)) => SchemaSource {
                playbooks: opts.schemas.playbooks.clone(),
                custom: Some(ws.root.join(file)),
            },
            _ => opts.schemas.clone(),
        };
        let schema = schemas.load(mapping.target)?;
        let (object_key, object) = schema
            .object(&mapping.object)
            .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        let columns = if datasets.contains(&mapping.dataset) {
            Some(db.source_columns(&mapping.dataset)?)
        } else {
            None
        };
        let data = CheckData { db: &db, columns };
        reports.push(check(&mapping, path, &schema, object_key, object, &data)?);
    }
    record_metrics(&db, &reports)?;
    Ok(reports)
}

/// The `*.yaml` / `*.yml` files of a folder, sorted.
pub fn mapping_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("read folder", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    out.sort();
    Ok(out)
}
