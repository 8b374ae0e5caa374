//! The `map suggest` and `map check` runs: gather the data, load schemas, write and check files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::check::{CheckData, CheckReport, check, record_metrics};
use super::evidence;
use super::file::MappingFile;
use super::suggest::{SuggestInput, SuggestReport, suggest};
use super::synonyms::Synonyms;
use crate::error::{Error, Result};
use crate::numbers::plural;
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
        return Err(
            Error::unknown("dataset", &opts.dataset, "in this workspace", names)
                .with_hint("`crmkit status` lists the datasets; `crmkit ingest FILE` adds one"),
        );
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
    let cue_dir = (opts.schemas.playbooks.clone())
        .or_else(|| crate::values::tables::playbooks_dir(Some(&ws.root)));
    let cues = super::cues::Cues::load(cue_dir.as_deref())?;
    let others: Vec<String> = names
        .iter()
        .filter(|d| **d != opts.dataset)
        .cloned()
        .collect();
    let users = super::owners::user_keys(&db, &others)?;
    let schema_file = opts
        .schemas
        .custom
        .as_ref()
        .map(|p| relative_to(p, &ws.root));
    let other_keys = other_datasets_keys(ws, &schema, &opts.dataset, object_key, &path)?;
    let suggestion = suggest(&SuggestInput {
        schema: &schema,
        object_key,
        object,
        dataset: &opts.dataset,
        rows,
        profiles: &profiles,
        synonyms: &synonyms,
        cues: &cues,
        users: &users,
        schema_file,
        other_keys: &other_keys,
    });
    let mut mapping = suggestion.mapping;
    let parents = parent_datasets(ws, &schema, &db, &mapping, object, &names, &path)?;
    super::links::adopt_profiled(&db, &mut mapping, object, &columns, &parents)?;
    let links = super::links::find(&db, &mapping, object, &columns, &parents)?;
    super::links::apply(&mut mapping, &links);
    let unmatched_owners = suggest_owners(&db, &mut mapping, object, &columns, &names)?;
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
    if unmatched_owners > 0 {
        notes.push(format!(
            "OWNERS: {} no user (`~` under `owners:`): map them, or set `default_owner:`",
            plural(
                unmatched_owners as u64,
                "source owner matches",
                "source owners match"
            )
        ));
    }
    for v in report.values.iter().filter(|v| !v.unknown.is_empty()) {
        notes.push(format!(
            "values: {} of `{}` {} no target yet (`~`)",
            plural(v.unknown.len() as u64, "source value", "source values"),
            v.field,
            if v.unknown.len() == 1 { "has" } else { "have" }
        ));
    }
    mapping.save(&path, &notes)?;
    report.path = Some(path.display().to_string());
    Ok(report)
}

/// The external-id fields (lower case) the workspace's mappings of other datasets into
/// `object_key` upsert on.
fn other_datasets_keys(
    ws: &Workspace,
    schema: &crate::targets::TargetSchema,
    dataset: &str,
    object_key: &str,
    writing: &Path,
) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for (other, key, object) in other_mappings(ws, schema, writing)? {
        if key != object_key || other.dataset == dataset {
            continue;
        }
        for fm in &other.fields {
            if let Some(f) = other.target_field(object, &fm.target)
                && f.keys_records()
            {
                out.insert(f.name.to_lowercase());
            }
        }
    }
    Ok(out)
}

/// The workspace's other mappings (not the one being written) with their object's key and
/// schema. A mapping that does not parse, or names no object of the schema, is `map check`'s
/// business, not a reason to stop suggesting.
fn other_mappings<'s>(
    ws: &Workspace,
    schema: &'s crate::targets::TargetSchema,
    writing: &Path,
) -> Result<Vec<(MappingFile, &'s str, &'s crate::targets::ObjectSchema)>> {
    let mut out = Vec::new();
    for path in mapping_files(&ws.root.join("mappings"))? {
        if path == writing {
            continue;
        }
        let Ok(other) = MappingFile::load(&path) else {
            continue;
        };
        if let Ok((key, object)) = schema.object(&other.object) {
            out.push((other, key, object));
        }
    }
    Ok(out)
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
            f.keys_records().then(|| fm.source.clone()).flatten()
        })
    };
    let mut out = vec![ParentDataset {
        dataset: mapping.dataset.clone(),
        object: mapping.object.clone(),
        key_column: key_of(mapping, object),
    }];
    for (other, key, o) in other_mappings(ws, schema, writing)? {
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

/// Fills `owners:` for owner fields whose values are people's names rather than target user
/// ids, from any users export in the workspace. Returns how many owners match no user.
fn suggest_owners(
    db: &crate::staging::Db,
    mapping: &mut MappingFile,
    object: &crate::targets::ObjectSchema,
    columns: &[crate::staging::SourceColumn],
    datasets: &[String],
) -> Result<usize> {
    let mut owners = BTreeSet::new();
    for fm in &mapping.fields {
        let Some(f) = mapping.target_field(object, &fm.target) else {
            continue;
        };
        let to_user = f.kind == crate::targets::FieldType::Reference
            && f.references
                .first()
                .is_some_and(|p| crate::stage::LOOKUP_ONLY.contains(&p.as_str()));
        let Some(ci) = fm
            .source
            .as_deref()
            .and_then(|s| super::file::column_index(columns, s))
        else {
            continue;
        };
        if !to_user {
            continue;
        }
        db.scan(
            &mapping.dataset,
            &[columns[ci].column.clone()],
            None,
            |row| {
                if let Some(v) = row[0].as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    owners.insert(v.to_string());
                }
                Ok(())
            },
        )?;
    }
    // Owners already written as user ids or emails load as they are.
    owners.retain(|v| super::owners::resolve(mapping, v) != super::owners::Owner::User(v.clone()));
    if owners.is_empty() {
        return Ok(0);
    }
    let others: Vec<String> = datasets
        .iter()
        .filter(|d| **d != mapping.dataset)
        .cloned()
        .collect();
    mapping.owners = super::owners::suggest(db, &others, mapping.target, &owners)?;
    Ok(mapping.owners.values().filter(|v| v.is_none()).count())
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
pub fn run_check(
    ws: &Workspace,
    opts: &CheckOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<Vec<CheckReport>> {
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
    let mut db = ws.db()?;
    let datasets = db.dataset_names()?;
    // Stage itself, dry, over every mapping in `mappings/`: what it would do with each row and
    // what it met in each value. The check reads its findings from there rather than deciding
    // every value a second time; a file stage would not run is scanned by the check itself.
    let options = crate::stage::Options {
        object: None,
        schemas: opts.schemas.clone(),
        as_of: chrono::Local::now().date_naive(),
    };
    let dry = crate::stage::dry_run(ws, &mut db, &options, progress);
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let staged: Vec<PathBuf> = mapping_files(&ws.root.join("mappings"))?
        .iter()
        .map(|p| canonical(p))
        .collect();
    // Plain references to an object two datasets load under their own keys resolve through
    // stage's key index: read once, for the files the check scans itself.
    let mut parent_keys = None;
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
        let predicted = match &dry {
            Ok((outcome, _)) if staged.contains(&canonical(path)) => outcome
                .datasets
                .iter()
                .find(|o| o.dataset == mapping.dataset && o.object == object_key),
            _ => None,
        };
        let observed = predicted.and_then(|o| o.observed.as_deref());
        if observed.is_none() && parent_keys.is_none() {
            parent_keys = Some(crate::stage::ParentKeys::read(ws, &db, &opts.schemas)?);
        }
        let data = CheckData {
            db: &db,
            columns,
            parent_keys: parent_keys.as_ref(),
            observed,
        };
        let mut report = check(&mapping, path, &schema, object_key, object, &data)?;
        match (&dry, predicted) {
            (Ok((_, rejects)), Some(o)) => report.predict(o, rejects),
            // When stage would stop, each report says why in a warning.
            (Err(e), _) => {
                report.findings.push(crate::mapping::check::Finding {
                    severity: crate::mapping::check::Severity::Warning,
                    kind: "stage_stops",
                    field: None,
                    source: None,
                    message: format!("stage would stop before loading anything: {e}"),
                    count: 1,
                    examples: Vec::new(),
                    distinct: None,
                });
                report.warnings += 1;
            }
            _ => {}
        }
        reports.push(report);
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
