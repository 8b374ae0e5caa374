//! Export: import files per object in load order, in the target's conventions, and a load plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::escape::formula::{self, FormulaColumn, FormulaCount};
use crate::mapping::file::MappingFile;
use crate::mapping::workflow::mapping_files;
use crate::safe_write::{self, AtomicFile, Kind, Overwrite};
use crate::staging::Db;
use crate::targets::{FieldType, SchemaSource};
use crate::workspace::Workspace;

/// The file conventions to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Data Loader / Bulk API 2.0 CSV: API-name headers, references as `Relationship.ExternalId`.
    Salesforce,
    /// HubSpot import CSV: property names, associations through the parent's unique property.
    Hubspot,
    /// Plain CSV of the staged tables, lineage columns included.
    Csv,
}

/// One written file.
#[derive(Clone, Debug, Serialize)]
pub struct ExportFile {
    pub position: i64,
    pub file: String,
    pub object: String,
    pub target_object: String,
    pub pass: String,
    pub rows: i64,
    /// The field the target upserts on, when the object has one.
    pub external_id: Option<String>,
    pub notes: Vec<String>,
    /// Columns whose values a spreadsheet would run as formulas, with how many.
    pub formula_values: Vec<FormulaColumn>,
}

/// What export wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Exported {
    pub format: Format,
    pub dir: String,
    pub files: Vec<ExportFile>,
    pub plan: String,
    /// One file per dataset with rejected rows: the source row and why it was not loaded.
    pub rejects: Vec<RejectsFile>,
}

/// A rejects file, like Data Loader's error file.
#[derive(Clone, Debug, Serialize)]
pub struct RejectsFile {
    pub file: String,
    pub dataset: String,
    pub rows: usize,
}

/// What export needs to know about a staged field.
struct FieldInfo {
    parent: Option<String>,
    /// Owners resolved to target usernames through `owners:` (Salesforce loads them by
    /// `Owner.Username`).
    by_username: bool,
}

/// Writes one CSV per load-plan step into `dir`, plus `load-plan.md` and `load-plan.json`.
/// Each file is written under a temporary name and renamed into place once all are
/// complete, and the plan comes last: an interrupted export leaves the previous files, never
/// a truncated one, and never a plan that describes files it did not write.
pub fn export(
    ws: &Workspace,
    db: &Db,
    format: Format,
    dir: &Path,
    schemas: &SchemaSource,
    overwrite: Overwrite,
    progress: &dyn crate::progress::Progress,
) -> Result<Exported> {
    let plan = db.load_plan()?;
    if plan.is_empty() {
        return Err(Error::Usage(
            "nothing is staged yet\n  hint: `crmkit stage` first".into(),
        ));
    }
    let staged_for = db
        .stage_runs()?
        .first()
        .map(|r| r.target.clone())
        .unwrap_or_default();
    let wanted = match format {
        Format::Salesforce => Some("salesforce"),
        Format::Hubspot => Some("hubspot"),
        Format::Csv => None,
    };
    if let Some(w) = wanted
        && w != staged_for
    {
        return Err(Error::Usage(format!(
            "the staged records are shaped for {staged_for}; `--format {w}` needs mappings to {w} (`crmkit map suggest DATASET --object O --target {w}`, then `crmkit stage`), or use `--format {staged_for}` / `--format csv`"
        )));
    }
    for name in PLAN_FILES {
        safe_write::check(&dir.join(name), Kind::Export, overwrite)?;
    }
    // Field types and each object's external-id field, from the mappings and their schema.
    let mut fields: BTreeMap<(String, String), FieldInfo> = BTreeMap::new();
    let mut ext_field: BTreeMap<String, String> = BTreeMap::new();
    // (object, dataset) -> the external-id field that dataset's records upsert on.
    let mut dataset_ext: BTreeMap<(String, String), String> = BTreeMap::new();
    for path in mapping_files(&ws.root.join("mappings"))? {
        let mapping = MappingFile::load(&path)?;
        let schema = schemas.load(mapping.target)?;
        let Ok((object_key, object)) = schema.object(&mapping.object) else {
            continue;
        };
        for fm in &mapping.fields {
            let field = mapping.target_field(object, &fm.target);
            if let Some(f) = field {
                let parent = (f.kind == FieldType::Reference)
                    .then(|| f.references.first().cloned())
                    .flatten();
                if f.keys_records() && fm.source.is_some() {
                    ext_field
                        .entry(object_key.to_string())
                        .or_insert_with(|| f.name.clone());
                    dataset_ext
                        .entry((object_key.to_string(), mapping.dataset.clone()))
                        .or_insert_with(|| f.name.clone());
                }
                let by_username = parent
                    .as_deref()
                    .is_some_and(|p| crate::stage::LOOKUP_ONLY.contains(&p))
                    && !mapping.owners.is_empty()
                    && mapping
                        .owners
                        .values()
                        .chain(std::iter::once(&mapping.default_owner))
                        .flatten()
                        .all(|u| u.contains('@'));
                fields.insert(
                    (object_key.to_string(), f.name.clone()),
                    FieldInfo {
                        parent,
                        by_username,
                    },
                );
            }
        }
    }
    let staged_objects: Vec<&str> = plan.iter().map(|p| p.object.as_str()).collect();
    let mut files = Vec::new();
    let mut finished = Vec::new();
    for step in &plan {
        let columns = db.staged_columns(&step.object)?;
        let step_fields: Vec<String> = serde_json::from_str(&step.fields).unwrap_or_default();
        let suffix = step
            .dataset
            .as_ref()
            .map(|d| format!("_{d}"))
            .unwrap_or_default();
        let name = match step.pass.as_str() {
            "insert" => format!("{:02}_{}{suffix}.csv", step.position, step.target_object),
            other => format!(
                "{:02}_{}_{}{suffix}.csv",
                step.position,
                step.target_object,
                other.replace(' ', "_")
            ),
        };
        let path = dir.join(&name);
        let own_ext = match &step.dataset {
            Some(d) => dataset_ext.get(&(step.object.clone(), d.clone())).cloned(),
            None => ext_field.get(&step.object).cloned(),
        };
        let mut notes = Vec::new();
        // (header, staged column index) pairs; a column that carries a reference only where
        // it points into one dataset names its `_via_` column index and that dataset.
        let mut out_cols: Vec<(String, usize)> = Vec::new();
        let mut only_via: Vec<Option<(usize, String)>> = Vec::new();
        let index = |c: &str| columns.iter().position(|x| x == c);
        match format {
            Format::Csv => {
                for (i, c) in columns.iter().enumerate() {
                    if c.starts_with('_') || step_fields.contains(c) {
                        out_cols.push((c.clone(), i));
                    }
                }
            }
            Format::Salesforce | Format::Hubspot => {
                let key_header = own_ext.clone().unwrap_or_else(|| {
                    notes.push("no external-id field is mapped: `crmkit_external_id` carries the staged id; create an external-id field for upserts".into());
                    "crmkit_external_id".into()
                });
                if let Some(i) = index("_external_id") {
                    out_cols.push((key_header.clone(), i));
                }
                for f in &step_fields {
                    if Some(f) == own_ext.as_ref() {
                        continue;
                    }
                    let Some(i) = index(f) else { continue };
                    let info = fields.get(&(step.object.clone(), f.clone()));
                    // A parent loaded from datasets with their own upsert keys: one column per
                    // key, each filled where the reference points into that dataset.
                    if let (Some(parent), Some(via)) = (
                        info.and_then(|i| i.parent.as_deref()),
                        index(&crate::staging::via_column(f)),
                    ) {
                        for ((o, d), ext) in &dataset_ext {
                            if o != parent {
                                continue;
                            }
                            let header = match format {
                                Format::Salesforce => format!("{}.{ext}", relationship_name(f)),
                                _ => format!("{parent} {ext}"),
                            };
                            // Datasets sharing a key share its column.
                            if let Some(k) = out_cols.iter().position(|(h, _)| *h == header) {
                                if let Some(Some((_, ds))) = only_via.get_mut(k) {
                                    ds.push('\u{1f}');
                                    ds.push_str(d);
                                }
                                continue;
                            }
                            out_cols.push((header, i));
                            only_via.resize(out_cols.len() - 1, None);
                            only_via.push(Some((via, d.clone())));
                        }
                        continue;
                    }
                    let header = match info.and_then(|i| i.parent.as_deref()) {
                        Some(parent) if staged_objects.contains(&parent) => {
                            let parent_ext = ext_field
                                .get(parent)
                                .cloned()
                                .unwrap_or_else(|| "crmkit_external_id".into());
                            match format {
                                Format::Salesforce => {
                                    format!("{}.{parent_ext}", relationship_name(f))
                                }
                                _ => format!("{parent} {parent_ext}"),
                            }
                        }
                        Some(_)
                            if format == Format::Salesforce
                                && info.is_some_and(|i| i.by_username) =>
                        {
                            format!("{}.Username", relationship_name(f))
                        }
                        Some(parent) if crate::stage::LOOKUP_ONLY.contains(&parent) => f.clone(),
                        Some(parent) => {
                            notes.push(format!("`{f}` holds source values for {parent} records this load does not create: map them to target ids before loading"));
                            f.clone()
                        }
                        None => f.clone(),
                    };
                    out_cols.push((header, i));
                }
                if format == Format::Hubspot && step.pass != "insert" {
                    notes.push("HubSpot: import this file as an update keyed on the external-id property, associating each record with its parent".into());
                }
            }
        }
        only_via.resize(out_cols.len(), None);
        let cell = |vals: &[Option<String>], k: usize| -> Option<String> {
            let v = vals[out_cols[k].1].clone();
            match &only_via[k] {
                Some((via, datasets)) => {
                    let from = vals[*via].as_deref().unwrap_or("");
                    datasets
                        .split('\u{1f}')
                        .any(|d| d == from)
                        .then_some(v)
                        .flatten()
                }
                None => v,
            }
        };
        let mut w = csv::Writer::from_writer(AtomicFile::create(&path, Kind::Export, overwrite)?);
        let werr = |e: csv::Error| Error::Other(format!("cannot write `{}`: {e}", path.display()));
        w.write_record(out_cols.iter().map(|(h, _)| h.as_str()))
            .map_err(werr)?;
        let mut rows = 0i64;
        let self_field = step.pass.strip_prefix("update ").map(str::to_string);
        let self_index = self_field.as_deref().and_then(index);
        let mut formulas = FormulaCount::default();
        progress.start(&format!("export {name}"), step.rows.max(0) as u64);
        let mut seen = 0u64;
        db.scan_staged(
            &step.object,
            step.dataset.as_deref(),
            |vals: &[Option<String>]| {
                seen += 1;
                if seen.is_multiple_of(crate::progress::ROWS_PER_TICK) {
                    progress.set(seen);
                }
                // A self-reference pass carries only records that have a parent.
                if let Some(i) = self_index
                    && vals[i].is_none()
                {
                    return Ok(());
                }
                rows += 1;
                let cells: Vec<Option<String>> =
                    (0..out_cols.len()).map(|k| cell(vals, k)).collect();
                formulas.add_row(cells.iter().map(|c| c.as_deref()));
                w.write_record(cells.iter().map(|c| c.as_deref().unwrap_or("")))
                    .map_err(|e| Error::Other(format!("cannot write `{}`: {e}", path.display())))
            },
        )?;
        let headers: Vec<&str> = out_cols.iter().map(|(h, _)| h.as_str()).collect();
        let formula_values = formulas.named(&headers);
        notes.extend(formula::warning(&formula_values));
        finished.push(
            w.into_inner()
                .map_err(|e| Error::io("write", &path, e.into_error()))?,
        );
        files.push(ExportFile {
            position: step.position,
            file: name,
            object: step.object.clone(),
            target_object: step.target_object.clone(),
            pass: step.pass.clone(),
            rows,
            external_id: own_ext,
            notes,
            formula_values,
        });
    }
    // The old plan goes before any file it describes is replaced.
    progress.finish();
    for name in PLAN_FILES {
        safe_write::remove_own_output(&dir.join(name), Kind::Export)?;
    }
    for file in finished {
        file.commit()?;
    }
    let rejects = write_rejects(db, dir, overwrite)?;
    // The plan goes last: a plan on disk means every file it names is complete.
    let plan_path = write_plan(dir, format, &files, overwrite)?;
    Ok(Exported {
        format,
        dir: dir.display().to_string(),
        files,
        plan: plan_path.display().to_string(),
        rejects,
    })
}

/// Writes `rejects_DATASET.csv` for each staged dataset with rejected rows: why first (like
/// Data Loader's error file), then the source row as ingested. People open these files, so
/// cells are formula-escaped.
fn write_rejects(db: &Db, dir: &Path, overwrite: Overwrite) -> Result<Vec<RejectsFile>> {
    let mut out = Vec::new();
    for run in db.stage_runs()? {
        if run.rejected == 0 {
            // A rejects file of an earlier export would describe rejects that are gone.
            let old = dir.join(format!("rejects_{}.csv", run.dataset));
            safe_write::remove_own_output(&old, Kind::Export)?;
            continue;
        }
        let columns = db.source_columns(&run.dataset)?;
        let names: Vec<String> = columns.iter().map(|c| c.column.clone()).collect();
        let rows = db.rejected_rows(&run.dataset, &names)?;
        let mut header: Vec<String> = ["source_row", "record_key", "problems", "values"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        header.extend(columns.iter().map(|c| c.header.clone()));
        let file = format!("rejects_{}.csv", run.dataset);
        crate::sheet::write(
            &dir.join(&file),
            &run.dataset,
            &header,
            &rows,
            Kind::Export,
            overwrite,
        )?;
        out.push(RejectsFile {
            file,
            dataset: run.dataset.clone(),
            rows: rows.len(),
        });
    }
    Ok(out)
}

/// Salesforce's relationship name for a reference field: `AccountId` -> `Account`,
/// `Parent_Site__c` -> `Parent_Site__r`.
pub fn relationship_name(field: &str) -> String {
    if let Some(base) = field.strip_suffix("__c") {
        format!("{base}__r")
    } else if let Some(base) = field.strip_suffix("Id").filter(|b| !b.is_empty()) {
        base.to_string()
    } else {
        field.to_string()
    }
}

/// The load plan's files, written after every import file is in place.
const PLAN_FILES: [&str; 2] = ["load-plan.json", "load-plan.md"];

fn write_plan(
    dir: &Path,
    format: Format,
    files: &[ExportFile],
    overwrite: Overwrite,
) -> Result<PathBuf> {
    let json_path = dir.join("load-plan.json");
    let json = serde_json::to_string_pretty(files)
        .map_err(|e| Error::Other(format!("cannot encode the load plan: {e}")))?;
    safe_write::write(
        &json_path,
        Kind::Export,
        overwrite,
        (json + "\n").as_bytes(),
    )?;
    let mut md = format!(
        "# Load plan ({format:?})\n\nLoad the files in this order; each step upserts on its external id, so a retried step creates nothing twice.\n\n| # | file | object | pass | rows | upsert key |\n| --- | --- | --- | --- | --- | --- |\n"
    );
    for f in files {
        md.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            f.position,
            f.file,
            f.target_object,
            f.pass,
            f.rows,
            f.external_id.as_deref().unwrap_or("-")
        ));
    }
    for f in files.iter().filter(|f| !f.notes.is_empty()) {
        md.push_str(&format!("\n**{}**\n", f.file));
        for n in &f.notes {
            md.push_str(&format!("- {n}\n"));
        }
    }
    let md_path = dir.join("load-plan.md");
    safe_write::write(&md_path, Kind::Export, overwrite, md.as_bytes())?;
    Ok(md_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_names() {
        assert_eq!(relationship_name("AccountId"), "Account");
        assert_eq!(relationship_name("ParentId"), "Parent");
        assert_eq!(relationship_name("Parent_Site__c"), "Parent_Site__r");
        assert_eq!(relationship_name("Id"), "Id");
    }
}
