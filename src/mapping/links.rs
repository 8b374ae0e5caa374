//! Which parent column a reference's values match: `map suggest` looks at the data (an
//! opportunity's account *name*, a parent account named rather than keyed) so a suggested
//! reference resolves by the column its values really come from.

use std::collections::{HashMap, HashSet};

use super::file::{Lookup, MappingFile};
use crate::error::Result;
use crate::staging::{Db, SourceColumn};
use crate::targets::{FieldType, ObjectSchema};

/// Rows read per dataset at most; larger datasets are sampled evenly.
const SAMPLE_ROWS: u64 = 200_000;
/// Share of a reference's distinct values a parent column must hold to be the link.
const MIN_MATCH: f64 = 0.5;

/// A dataset that may hold the parent records, and its key column (the source of its
/// external-id field) when a mapping names one.
pub struct ParentDataset {
    pub dataset: String,
    pub object: String,
    pub key_column: Option<String>,
}

/// What was found for one reference entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Index of the mapping entry.
    pub entry: usize,
    pub dataset: String,
    pub column: String,
    /// Share of the reference's distinct values found in that column.
    pub matched: f64,
}

/// For each reference entry of `mapping`, the parent column its values match best, when
/// that is not the parent's key (which stage resolves without help). `parents` lists the
/// datasets mapped to each object (the mapping's own dataset counts for self-references).
pub fn find(
    db: &Db,
    mapping: &MappingFile,
    object: &ObjectSchema,
    columns: &[SourceColumn],
    parents: &[ParentDataset],
) -> Result<Vec<Link>> {
    let mut links = Vec::new();
    for (entry, fm) in mapping.fields.iter().enumerate() {
        let Some(field) = mapping.target_field(object, &fm.target) else {
            continue;
        };
        if field.kind != FieldType::Reference || fm.lookup.is_some() {
            continue;
        }
        let (Some(parent), Some(source)) = (field.references.first(), fm.source.as_deref()) else {
            continue;
        };
        // Owners are the target org's users, matched through `owners:`, not loaded records.
        if crate::stage::LOOKUP_ONLY.contains(&parent.as_str()) {
            continue;
        }
        let Some(ci) = super::file::column_index(columns, source) else {
            continue;
        };
        let values = distinct(db, &mapping.dataset, &columns[ci].column)?;
        if values.is_empty() {
            continue;
        }
        let mut best: Option<(f64, bool, Link)> = None;
        for p in parents.iter().filter(|p| p.object == *parent) {
            let skip = (p.dataset == mapping.dataset).then_some(columns[ci].column.as_str());
            for (column, matched, unique) in matches(db, &p.dataset, &values, skip)? {
                let share = matched as f64 / values.len() as f64;
                if share < MIN_MATCH {
                    continue;
                }
                let better = best
                    .as_ref()
                    .is_none_or(|(s, u, _)| (unique, share) > (*u, *s));
                if better {
                    best = Some((
                        share,
                        unique,
                        Link {
                            entry,
                            dataset: p.dataset.clone(),
                            column: column.header.clone(),
                            matched: share,
                        },
                    ));
                }
            }
        }
        let Some((_, _, link)) = best else { continue };
        let is_key = parents.iter().any(|p| {
            p.dataset == link.dataset
                && p.key_column
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(&link.column))
        });
        if !is_key {
            links.push(link);
        }
    }
    Ok(links)
}

/// Turns the references the profile found (child column -> parent column, by value overlap)
/// into reference fields: a column whose values are the names or keys of records of a
/// dataset mapped to object P maps to this object's reference field to P, whatever its
/// header says.
pub fn adopt_profiled(
    db: &Db,
    mapping: &mut MappingFile,
    object: &ObjectSchema,
    columns: &[SourceColumn],
    parents: &[ParentDataset],
) -> Result<()> {
    for r in db.profiled_references(&mapping.dataset)? {
        if r.match_rate < MIN_MATCH {
            continue;
        }
        let Some(parent) = parents
            .iter()
            .find(|p| p.dataset == r.to_dataset && p.dataset != mapping.dataset)
        else {
            continue;
        };
        let Some(column) = columns.iter().find(|c| c.column == r.from_column) else {
            continue;
        };
        let targeted = |m: &MappingFile, name: &str| {
            m.fields.iter().any(|fm| {
                m.target_field(object, &fm.target)
                    .is_some_and(|f| f.name == name)
            })
        };
        let entry = mapping
            .fields
            .iter()
            .position(|fm| fm.source.as_deref() == Some(column.header.as_str()));
        if let Some(i) = entry
            && mapping
                .target_field(object, &mapping.fields[i].target)
                .is_some_and(|f| f.kind == FieldType::Reference || !f.custom)
        {
            // Already a reference, or a standard field the name matched: keep the choice.
            continue;
        }
        let Some(field) = object.fields.iter().find(|f| {
            f.kind == FieldType::Reference
                && !f.read_only
                && f.references.first() == Some(&parent.object)
                && !targeted(mapping, &f.name)
        }) else {
            continue;
        };
        let reason = format!(
            "the profile found its values in `{}` of dataset `{}` ({:.0}%): a link to {}",
            r.to_column,
            r.to_dataset,
            r.match_rate * 100.0,
            parent.object
        );
        // A list of keys (`1001;1002`, HubSpot's `Associated Company IDs`) cannot all go in
        // one reference: the first is the link and the whole list stays in its own field.
        let lists = list_rows(db, &mapping.dataset, &column.column)?;
        let mut reason = reason;
        let mut transform = vec![super::transforms::Transform::Trim];
        if lists > 0 {
            transform.push(super::transforms::Transform::FirstItem(
                LIST_SEPARATOR.into(),
            ));
            reason.push_str(&format!(
                "; {lists} rows list several, separated by `{LIST_SEPARATOR}`: the first is the link"
            ));
        }
        let fm = super::file::FieldMapping {
            source: Some(column.header.clone()),
            target: field.name.clone(),
            confidence: Some((r.match_rate * 100.0).round() / 100.0),
            reason: Some(reason),
            transform,
            on_invalid: None,
            lookup: None,
        };
        match entry {
            Some(i) if lists > 0 => {
                if let Some(kept) = mapping.fields[i].reason.as_mut() {
                    kept.push_str(&format!(
                        "; the whole list, beside the link `{}`",
                        field.name
                    ));
                }
                mapping.fields.push(fm);
            }
            Some(i) => {
                let old = std::mem::replace(&mut mapping.fields[i], fm);
                mapping.custom_fields.retain(|f| f.name != old.target);
            }
            None => {
                mapping.unmapped.retain(|u| u.source != column.header);
                mapping.fields.push(fm);
            }
        }
    }
    Ok(())
}

/// Writes the links into the mapping as `lookup:` entries.
pub fn apply(mapping: &mut MappingFile, links: &[Link]) {
    for l in links {
        let fm = &mut mapping.fields[l.entry];
        fm.lookup = Some(Lookup {
            dataset: Some(l.dataset.clone()),
            column: l.column.clone(),
        });
        let note = format!(
            "values match `{}` of dataset `{}` ({:.0}%), so the link resolves by that column",
            l.column,
            l.dataset,
            l.matched * 100.0
        );
        fm.reason = Some(match fm.reason.take() {
            Some(r) => format!("{r}; {note}"),
            None => note,
        });
        // A reference is never cut: its value is a name or key to resolve.
        fm.transform
            .retain(|t| !matches!(t, super::transforms::Transform::Truncate(_)));
    }
}

/// What separates the keys of a list in one cell, as CRMs export associations.
const LIST_SEPARATOR: &str = ";";

/// Rows of a column that list several values (`1001;1002`).
fn list_rows(db: &Db, dataset: &str, column: &str) -> Result<u64> {
    let mut n = 0;
    db.scan(dataset, &[column.to_string()], step(db, dataset)?, |row| {
        let several = row[0].as_deref().is_some_and(|v| {
            v.split(LIST_SEPARATOR)
                .filter(|i| !i.trim().is_empty())
                .count()
                > 1
        });
        n += u64::from(several);
        Ok(())
    })?;
    Ok(n)
}

fn step(db: &Db, dataset: &str) -> Result<Option<u64>> {
    let rows = db.row_count(dataset)?;
    Ok((rows > SAMPLE_ROWS).then(|| rows.div_ceil(SAMPLE_ROWS)))
}

/// The normalised distinct non-blank values of a column.
fn distinct(db: &Db, dataset: &str, column: &str) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    db.scan(dataset, &[column.to_string()], step(db, dataset)?, |row| {
        if let Some(v) = row[0].as_deref().filter(|v| !v.trim().is_empty()) {
            out.insert(Lookup::normalize(v));
        }
        Ok(())
    })?;
    Ok(out)
}

/// For each column of `dataset` (but `skip`): how many of `values` it holds, and whether its
/// filled values are unique (a column that can identify one record).
fn matches(
    db: &Db,
    dataset: &str,
    values: &HashSet<String>,
    skip: Option<&str>,
) -> Result<Vec<(SourceColumn, usize, bool)>> {
    let columns: Vec<SourceColumn> = db
        .source_columns(dataset)?
        .into_iter()
        .filter(|c| Some(c.column.as_str()) != skip)
        .collect();
    let names: Vec<String> = columns.iter().map(|c| c.column.clone()).collect();
    let mut found: Vec<HashSet<String>> = vec![HashSet::new(); columns.len()];
    // Per column: filled cells and how often each matching value occurs.
    let mut filled = vec![0u64; columns.len()];
    let mut repeats: Vec<HashMap<String, u32>> = vec![HashMap::new(); columns.len()];
    db.scan(dataset, &names, step(db, dataset)?, |row| {
        for (i, cell) in row.iter().enumerate() {
            let Some(v) = cell.as_deref().filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            filled[i] += 1;
            let norm = Lookup::normalize(v);
            if values.contains(&norm) {
                *repeats[i].entry(norm.clone()).or_default() += 1;
                found[i].insert(norm);
            }
        }
        Ok(())
    })?;
    Ok(columns
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !found[*i].is_empty())
        .map(|(i, c)| {
            let unique = repeats[i].values().all(|n| *n == 1);
            (c, found[i].len(), unique)
        })
        .collect())
}
