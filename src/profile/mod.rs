//! Profiling: column statistics, semantic types, and the checks across rows and datasets
//! (keys, references, hierarchy, staleness) that show how ready a client's data is.
//!
//! [`run`] scans each input once (see [`scan`]), then works on what the scans kept:
//! column profiles, key value sets and a few retained columns.

pub mod column;
pub mod dataset;
pub mod findings;
pub mod hierarchy;
pub mod hll;
pub mod inputs;
pub mod metrics;
pub mod model;
pub mod numbers;
pub mod references;
pub mod scan;
pub mod shapes;
pub mod signs;
pub mod staleness;
pub mod store;
pub mod types;
pub mod values;
pub mod variants;
pub mod vocab;

use chrono::NaiveDate;

pub use inputs::{Input, file_inputs, workspace_inputs};
pub use model::{CHECKS, Profile};
pub use store::store;

use column::ColumnSpec;
use dataset::{Scanned, singular};
use hierarchy::HierarchyColumns;
use model::{Finding, ValueCount};
use references::{ColumnRef, Link};
use scan::ScanSpec;
use staleness::{Pipeline, Window};

use crate::error::{Error, Result};
use crate::intake::names;
use crate::progress::Progress;
use crate::values::date as dates;
use crate::workspace::Config;

/// A `dataset.column` named in crmkit.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnName {
    pub dataset: String,
    pub column: String,
}

impl ColumnName {
    /// Parses `dataset.column`; `what` names the setting for the error.
    pub fn parse(text: &str, what: &str) -> Result<ColumnName> {
        match text.split_once('.') {
            Some((d, c)) if !d.trim().is_empty() && !c.trim().is_empty() => Ok(ColumnName {
                dataset: names::identifier(d),
                column: c.trim().to_string(),
            }),
            _ => Err(Error::Input(format!(
                "crmkit.yaml: {what} `{text}` is not `dataset.column` (e.g. contacts.account_id)"
            ))),
        }
    }
}

/// A hierarchy declared in crmkit.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredHierarchy {
    pub dataset: String,
    pub id: String,
    pub parent: String,
}

/// How to profile.
#[derive(Clone, Debug)]
pub struct Options {
    /// Staleness and future dates are judged against this date.
    pub as_of: NaiveDate,
    pub stale_after_days: u32,
    /// Declared references (from, to).
    pub references: Vec<(ColumnName, ColumnName)>,
    pub hierarchy: Option<DeclaredHierarchy>,
    /// Declared activity columns (they replace the ones picked by name, per dataset).
    pub activity_columns: Vec<ColumnName>,
    /// The go-to-market rules that decide account status (the built-in ones when None).
    pub rules: Option<crate::rules::Rules>,
}

impl Options {
    /// Options with nothing declared.
    pub fn new(as_of: NaiveDate, stale_after_days: u32) -> Options {
        Options {
            as_of,
            stale_after_days,
            references: Vec::new(),
            hierarchy: None,
            activity_columns: Vec::new(),
            rules: None,
        }
    }

    /// Adds what crmkit.yaml declares.
    pub fn with_config(mut self, config: &Config) -> Result<Options> {
        for r in &config.references {
            self.references.push((
                ColumnName::parse(&r.from, "references.from")?,
                ColumnName::parse(&r.to, "references.to")?,
            ));
        }
        self.hierarchy = config.hierarchy.as_ref().map(|h| DeclaredHierarchy {
            dataset: names::identifier(&h.dataset),
            id: h.id.clone(),
            parent: h.parent.clone(),
        });
        for a in &config.settings.activity_columns {
            self.activity_columns
                .push(ColumnName::parse(a, "settings.activity_columns")?);
        }
        Ok(self)
    }
}

/// Finds a declared column among the inputs: None when its dataset is not being profiled,
/// an error naming the choices when the column does not exist.
fn resolve(
    inputs: &[(String, Vec<String>)],
    dataset: &str,
    column: &str,
    what: &str,
) -> Result<Option<ColumnRef>> {
    let Some(di) = inputs.iter().position(|(n, _)| n == dataset) else {
        return Ok(None);
    };
    let cols = &inputs[di].1;
    let wanted = names::identifier(column);
    match cols.iter().position(|c| *c == column || *c == wanted) {
        Some(ci) => Ok(Some(ColumnRef {
            dataset: di,
            column: ci,
        })),
        None => {
            let hint = crate::suggestion::did_you_mean(&wanted, cols.iter().map(String::as_str));
            Err(Error::Input(format!(
                "crmkit.yaml: {what} names `{dataset}.{column}`, but `{dataset}` has no such column{hint}\n  columns: {}",
                cols.join(", ")
            )))
        }
    }
}

/// What was declared, resolved to positions.
struct Declared {
    links: Vec<Link>,
    hierarchy: Option<(usize, usize, usize)>,
    activity: Vec<ColumnRef>,
}

fn resolve_declared(inputs: &[(String, Vec<String>)], options: &Options) -> Result<Declared> {
    let mut links = Vec::new();
    for (from, to) in &options.references {
        let f = resolve(inputs, &from.dataset, &from.column, "references.from")?;
        let t = resolve(inputs, &to.dataset, &to.column, "references.to")?;
        if let (Some(from), Some(to)) = (f, t) {
            links.push(Link {
                from,
                to,
                declared: true,
                confidence: "declared",
                basis: "declared in crmkit.yaml",
            });
        }
    }
    let hierarchy = match &options.hierarchy {
        Some(h) => {
            let id = resolve(inputs, &h.dataset, &h.id, "hierarchy.id")?;
            let parent = resolve(inputs, &h.dataset, &h.parent, "hierarchy.parent")?;
            match (id, parent) {
                (Some(id), Some(parent)) => Some((id.dataset, id.column, parent.column)),
                _ => None,
            }
        }
        None => None,
    };
    let mut activity = Vec::new();
    for a in &options.activity_columns {
        if let Some(r) = resolve(inputs, &a.dataset, &a.column, "settings.activity_columns")? {
            activity.push(r);
        }
    }
    Ok(Declared {
        links,
        hierarchy,
        activity,
    })
}

/// Profiles every input, then checks keys, references, hierarchy and staleness across them.
pub fn run(inputs: Vec<Input<'_>>, options: &Options, progress: &dyn Progress) -> Result<Profile> {
    let shapes: Vec<(String, Vec<String>)> = inputs
        .iter()
        .map(|i| (i.name.clone(), i.columns.clone()))
        .collect();
    let declared = resolve_declared(&shapes, options)?;
    let vocab = vocab::columns();
    let as_of = dates::days(options.as_of);
    let window = Window {
        as_of,
        days: options.stale_after_days,
    };
    let singulars: Vec<String> = shapes.iter().map(|(n, _)| singular(n)).collect();
    let mut scanned: Vec<Scanned> = Vec::with_capacity(inputs.len());
    for (di, input) in inputs.into_iter().enumerate() {
        let mentioned = |ci: usize| {
            let here = ColumnRef {
                dataset: di,
                column: ci,
            };
            declared
                .links
                .iter()
                .any(|l| l.from == here || l.to == here)
                || declared.activity.contains(&here)
                || declared
                    .hierarchy
                    .is_some_and(|(d, id, p)| d == di && (ci == id || ci == p))
        };
        // A dataset with a parent column may name parents by name (`Parent Account` holding
        // account names, `Reports To` holding people): its name columns are kept for that.
        let has_parent = input.columns.iter().any(|c| vocab.parent.matches(c));
        let name_column = |c: &str| has_parent && is_name_column(c);
        let retain: Vec<bool> = input
            .columns
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                name_column(c)
                    || vocab.retain.matches(c)
                    || vocab.parent.matches(c)
                    || vocab.activity.matches(c)
                    || vocab.stage.matches(c)
                    || vocab.close_date.matches(c)
                    || singulars
                        .iter()
                        .enumerate()
                        .any(|(dj, s)| dj != di && s == c)
                    || mentioned(ci)
            })
            .collect();
        let also_keys: Vec<bool> = (0..input.columns.len())
            .map(|ci| {
                let here = ColumnRef {
                    dataset: di,
                    column: ci,
                };
                // Name columns are where exports' links by name point, unique or not.
                declared.links.iter().any(|l| l.to == here)
                    || is_name_column(&input.columns[ci])
                    || declared
                        .hierarchy
                        .is_some_and(|(d, id, _)| d == di && ci == id)
            })
            .collect();
        let spec = ScanSpec {
            columns: input
                .columns
                .iter()
                .zip(&input.headers)
                .map(|(name, header)| ColumnSpec {
                    name: name.clone(),
                    header: header.clone(),
                    future_invalid: !vocab.future_allowed.matches(name),
                    as_of,
                })
                .collect(),
            retain,
        };
        progress.start(&input.source, input.size);
        let read = input.read;
        let mut issues = input.issues;
        let scan = scan::scan(spec, |sink| {
            let found = read(sink, progress)?;
            merge_issues(&mut issues, found);
            Ok(())
        })?;
        progress.finish();
        scanned.push(Scanned::from_scan(
            input.name,
            input.source,
            issues,
            scan,
            &also_keys,
        ));
    }
    relate(&scanned, &declared, window, options)
}

fn merge_issues(into: &mut Vec<ValueCount>, found: Vec<ValueCount>) {
    for f in found {
        match into.iter_mut().find(|i| i.value == f.value) {
            Some(i) => i.count += f.count,
            None => into.push(f),
        }
    }
}

/// The checks across rows and datasets, and the findings.
fn relate(
    scanned: &[Scanned],
    declared: &Declared,
    window: Window,
    options: &Options,
) -> Result<Profile> {
    let vocab = vocab::columns();
    let header_of = |r: ColumnRef| {
        let c = &scanned[r.dataset].columns[r.column];
        (c.header != c.name).then(|| c.header.clone())
    };
    // Hierarchies: declared, or a parent-like column matching a key of the same dataset.
    let mut hierarchies = Vec::new();
    let mut hierarchy_parents = Vec::new();
    for (di, d) in scanned.iter().enumerate() {
        let chosen = match declared.hierarchy {
            Some((hd, id, parent)) if hd == di => Some((id, parent, true)),
            _ => detect_hierarchy(d),
        };
        let Some((id, parent, is_declared)) = chosen else {
            continue;
        };
        let (Some(ids), Some(parents)) = (&d.retained[id], &d.retained[parent]) else {
            continue;
        };
        hierarchy_parents.push(ColumnRef {
            dataset: di,
            column: parent,
        });
        let h = hierarchy::analyze(
            &HierarchyColumns {
                dataset: &d.name,
                id: &d.columns[id].name,
                parent: &d.columns[parent].name,
                declared: is_declared,
            },
            ids,
            parents,
        );
        let h = model::Hierarchy {
            by_name: is_name_column(&d.columns[id].name) && !d.key_candidates[id]
                || d.columns[id].kind != types::SemanticType::Identifier
                    && is_name_column(&d.columns[id].name),
            ..h
        };
        hierarchies.push((
            h,
            header_of(ColumnRef {
                dataset: di,
                column: parent,
            }),
        ));
    }
    // References: declared ones, then detected ones for every other column.
    let mut skip: Vec<ColumnRef> = declared.links.iter().map(|l| l.from).collect();
    skip.extend(hierarchy_parents.iter().copied());
    let mut links = declared.links.clone();
    links.extend(references::detect(scanned, &skip));
    let checked: Vec<(Link, model::Reference)> = links
        .iter()
        .filter_map(|l| references::check(scanned, l).map(|r| (*l, r)))
        .collect();
    // Staleness per dataset with activity columns.
    let mut staleness = Vec::new();
    let mut stale_flags: Vec<Option<Vec<bool>>> = vec![None; scanned.len()];
    let mut activity_cols: Vec<Vec<usize>> = vec![Vec::new(); scanned.len()];
    let mut stale_examples = Vec::new();
    for (di, d) in scanned.iter().enumerate() {
        let declared_here: Vec<usize> = declared
            .activity
            .iter()
            .filter(|r| r.dataset == di)
            .map(|r| r.column)
            .collect();
        let cols: Vec<usize> = if declared_here.is_empty() {
            (0..d.columns.len())
                .filter(|&c| {
                    vocab.activity.matches(&d.columns[c].name)
                        && d.columns[c].kind.is_temporal()
                        && d.retained[c].is_some()
                })
                .collect()
        } else {
            declared_here
        };
        if cols.is_empty() {
            continue;
        }
        let Some((flags, no_date)) = staleness::stale_flags(d, &cols, window) else {
            continue;
        };
        let ids = record_ids(d);
        let examples: Vec<String> = flags
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .take(5)
            .map(|(row, _)| crate::text::example(&ids(row)))
            .collect();
        staleness.push(staleness::summary(d, &cols, &flags, no_date, window));
        stale_examples.push(examples);
        stale_flags[di] = Some(flags);
        activity_cols[di] = cols;
    }
    let account_status = match find_pipeline(scanned, &checked, &stale_flags) {
        Some((accounts, id, pipeline)) => {
            let builtin;
            let rules = match &options.rules {
                Some(r) => r,
                None => {
                    builtin = crate::rules::Rules::builtin()?;
                    &builtin
                }
            };
            staleness::account_status(
                &scanned[accounts],
                id,
                &activity_cols[accounts],
                &pipeline,
                rules,
                window,
            )?
        }
        None => None,
    };
    // Findings, worst first.
    let mut found: Vec<Finding> = Vec::new();
    for d in scanned {
        findings::dataset_findings(d, &mut found);
    }
    for (link, r) in &checked {
        findings::reference_findings(r, header_of(link.from), &mut found);
    }
    for (h, header) in &hierarchies {
        findings::hierarchy_findings(h, header.clone(), &mut found);
    }
    for (s, examples) in staleness.iter().zip(stale_examples) {
        findings::staleness_findings(s, examples, &mut found);
    }
    if let Some(a) = &account_status {
        findings::account_findings(a, &mut found);
    }
    findings::sort(&mut found, |name| {
        scanned
            .iter()
            .find(|d| d.name == name)
            .map_or(1, |d| d.rows)
    });
    Ok(Profile {
        as_of: options.as_of.to_string(),
        stale_after_days: options.stale_after_days,
        datasets: scanned.iter().map(Scanned::profile).collect(),
        references: checked.into_iter().map(|(_, r)| r).collect(),
        hierarchies: hierarchies.into_iter().map(|(h, _)| h).collect(),
        staleness,
        account_status,
        findings: found,
    })
}

/// How to name a record in examples: its key, or its row number.
fn record_ids(d: &Scanned) -> impl Fn(usize) -> String + '_ {
    let key = (0..d.columns.len()).find(|&c| d.key_candidates[c] && d.retained[c].is_some());
    move |row| match key.and_then(|c| d.retained[c].as_ref()) {
        Some(arena) => arena.get(row).to_string(),
        None => format!("row {}", row + 1),
    }
}

/// A column holding a record's own name (`account_name`, `full_name`, `Company Name`).
pub(crate) fn is_name_column(column: &str) -> bool {
    vocab::columns().required.matches(column)
        || matches!(
            vocab::type_hint(column),
            Some(types::SemanticType::CompanyName | types::SemanticType::PersonName)
        ) && !vocab::columns().parent.matches(column)
            && !vocab::columns().owner.matches(column)
}

/// A parent-like column of `d` and the key its values point at: (id, parent, declared). The
/// parent may hold ids (`Parent Account ID`) or names (`Parent Account` holding account names,
/// `Reports To` holding people's names); ids are tried first.
fn detect_hierarchy(d: &Scanned) -> Option<(usize, usize, bool)> {
    let vocab = vocab::columns();
    for parent in 0..d.columns.len() {
        if !vocab.parent.matches(&d.columns[parent].name) || d.retained[parent].is_none() {
            continue;
        }
        let src = references::source_values(d, parent)?;
        if src.entries.is_empty() {
            continue;
        }
        let ids = |k: usize| d.key_candidates[k];
        let names = |k: usize| is_name_column(&d.columns[k].name);
        let best = (0..d.columns.len())
            .filter(|&k| k != parent && d.retained[k].is_some() && (ids(k) || names(k)))
            .filter_map(|k| {
                let rate = references::match_rate(&src, d.keys[k].as_ref()?);
                (rate >= 0.5).then_some(((ids(k), rate), k))
            })
            .max_by(|a, b| a.0.0.cmp(&b.0.0).then(a.0.1.total_cmp(&b.0.1)));
        if let Some((_, id)) = best {
            return Some((id, parent, false));
        }
    }
    None
}

/// The opportunity dataset behind account status: a dataset with a stage column that
/// references a dataset with staleness. Returns (accounts dataset, its id column, pipeline).
fn find_pipeline<'a>(
    scanned: &'a [Scanned],
    links: &[(Link, model::Reference)],
    stale: &[Option<Vec<bool>>],
) -> Option<(usize, usize, Pipeline<'a>)> {
    let vocab = vocab::columns();
    let score = |name: &str, words: &[&str]| u8::from(words.iter().any(|w| name.contains(w)));
    links
        .iter()
        .filter_map(|(l, _)| {
            let opp = &scanned[l.from.dataset];
            let accounts = &scanned[l.to.dataset];
            stale[l.to.dataset].as_ref()?;
            accounts.retained[l.to.column].as_ref()?;
            let stage = (0..opp.columns.len()).find(|&c| {
                vocab.stage.matches(&opp.columns[c].name) && opp.retained[c].is_some()
            })?;
            let close_date = (0..opp.columns.len()).find(|&c| {
                vocab.close_date.matches(&opp.columns[c].name)
                    && opp.columns[c].kind.is_temporal()
                    && opp.retained[c].is_some()
            });
            let rank = (
                score(&opp.name, &["opportunit", "deal", "pipeline"]),
                score(&accounts.name, &["account", "compan", "organi"]),
            );
            Some((
                rank,
                l.to.dataset,
                l.to.column,
                Pipeline {
                    dataset: opp,
                    account: l.from.column,
                    stage,
                    close_date,
                },
            ))
        })
        .max_by_key(|(rank, ..)| *rank)
        .map(|(_, accounts, id, pipeline)| (accounts, id, pipeline))
}
