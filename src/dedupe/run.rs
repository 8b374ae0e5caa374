//! A dedupe pass over one dataset: read, find, choose survivors, store, and report.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use super::PairScore;
use super::roles::{self, RoleColumn};
use super::rules::Rules;
use super::survivorship::{self, Member};
use crate::error::{Error, Result};
use crate::staging::{ClusterRow, Db, GoldenRow, PairRow, RunRow, SourceRow};

/// What to deduplicate and how.
#[derive(Clone, Debug)]
pub struct Options {
    pub dataset: String,
    /// `account`, `contact` or `lead`.
    pub object: String,
    /// Column holding the record id (default: the source row).
    pub id_column: Option<String>,
    /// Link probability threshold in (0, 1).
    pub threshold: f64,
    /// `--field ROLE=COLUMN` overrides.
    pub fields: Vec<(String, String)>,
    /// Roles implied by a mapping file (role, column).
    pub mapped: Vec<(String, String)>,
}

/// One record in a reported cluster.
#[derive(Clone, Debug, Serialize)]
pub struct MemberView {
    pub id: String,
    pub row: i64,
    pub survivor: bool,
    /// Role values as in the source, in role order.
    pub values: Vec<Option<String>>,
    /// The dataset the record comes from, in a run linking several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One cluster as reported.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterView {
    pub cluster: i64,
    pub status: String,
    /// The criterion that chose the survivor.
    pub rule: String,
    /// The weakest pair score inside the cluster.
    pub min_probability: f64,
    pub members: Vec<MemberView>,
}

/// A scored pair with record ids, for `--pairs`.
#[derive(Clone, Debug, Serialize)]
pub struct PairView {
    pub cluster: i64,
    pub id_a: String,
    pub id_b: String,
    pub score: PairScore,
}

/// The outcome of a dedupe pass.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub dataset: String,
    pub object: String,
    pub roles: Vec<RoleColumn>,
    pub threshold: f64,
    pub records: usize,
    /// Pairs a full comparison would need: n(n-1)/2.
    pub all_pairs: u64,
    pub candidate_pairs: usize,
    pub skipped_blocks: usize,
    pub linked_pairs: usize,
    pub duplicates: usize,
    /// Review decisions carried over from the previous run for unchanged clusters.
    pub decisions_kept: usize,
    /// The model pairs were scored with: m, u and weight per role and level.
    pub model: super::Model,
    pub clusters: Vec<ClusterView>,
    #[serde(skip)]
    pub pairs: Vec<PairView>,
}

/// Runs dedupe on a dataset and stores clusters, pairs, golden values and merges.
pub fn run(
    db: &mut Db,
    rules: &Rules,
    options: &Options,
    progress: &dyn crate::progress::Progress,
) -> Result<Report> {
    run_with(db, rules, options, None, progress)
}

/// The roles and the model a dedupe pass over the dataset learns, without storing anything
/// (`crmkit dedupe model`).
pub fn learn(
    db: &mut Db,
    rules: &Rules,
    options: &Options,
    model: Option<&std::path::Path>,
    labels: bool,
    progress: &dyn crate::progress::Progress,
) -> Result<(Vec<RoleColumn>, super::Model)> {
    let pass = find(db, rules, options, model, labels, 0, progress)?;
    Ok((pass.assigned, pass.found.model))
}

/// What `dedupe review` recorded and asks next.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewRound {
    pub dataset: String,
    pub roles: Vec<RoleColumn>,
    /// Answers recorded by this call.
    pub answered: usize,
    /// Labelled pairs the model now learns from.
    pub labels: usize,
    pub threshold: f64,
    /// The model refitted with every label.
    pub model: super::Model,
    /// The pairs whose answer would teach the model most: nearest the threshold.
    pub questions: Vec<Question>,
}

/// A pair to answer, with both records' values in role order.
#[derive(Clone, Debug, Serialize)]
pub struct Question {
    pub id_a: String,
    pub id_b: String,
    pub values_a: Vec<Option<String>>,
    pub values_b: Vec<Option<String>>,
    pub score: PairScore,
}

/// `dedupe review`: records `--match`/`--distinct` answers, refits the model with every
/// label so far, and returns the `count` pairs nearest the threshold.
pub fn review_round(
    db: &mut Db,
    rules: &Rules,
    options: &Options,
    matches: &[String],
    distinct: &[String],
    count: usize,
    progress: &dyn crate::progress::Progress,
) -> Result<ReviewRound> {
    let mut answered = 0;
    if !matches.is_empty() || !distinct.is_empty() {
        let pass = find(db, rules, options, None, false, 0, progress)?;
        let new = super::labels::answers(&pass.rows, matches, distinct)?;
        answered = new.len();
        db.save_dedupe_labels(&pass.options.dataset, &new)?;
    }
    let pass = find(db, rules, options, None, true, count, progress)?;
    let rowids: Vec<i64> = pass
        .found
        .questions
        .iter()
        .flat_map(|q| [q.a, q.b])
        .map(|i| pass.rows[i as usize].rowid)
        .collect();
    let details = db.cluster_members(&pass.options.dataset, &pass.role_columns, None, &rowids)?;
    let questions = pass
        .found
        .questions
        .iter()
        .map(|q| {
            let (a, b) = (&pass.rows[q.a as usize], &pass.rows[q.b as usize]);
            Question {
                id_a: a.id.clone(),
                id_b: b.id.clone(),
                values_a: details[&a.rowid].values.clone(),
                values_b: details[&b.rowid].values.clone(),
                score: q.clone(),
            }
        })
        .collect();
    Ok(ReviewRound {
        dataset: pass.options.dataset.clone(),
        roles: pass.assigned,
        answered,
        labels: pass.found.model.training.labelled_pairs as usize,
        threshold: options.threshold,
        model: pass.found.model,
        questions,
    })
}

/// What [`find`] read and found.
struct Pass {
    options: Options,
    assigned: Vec<RoleColumn>,
    role_names: Vec<String>,
    role_columns: Vec<String>,
    recency: Option<String>,
    rows: Vec<SourceRow>,
    found: super::Outcome,
}

/// Reads the dataset's role columns, cleans them, and finds clusters (learning the model, or
/// scoring with a saved one; with `labels`, reviewed pairs teach the model).
fn find(
    db: &mut Db,
    rules: &Rules,
    options: &Options,
    model: Option<&std::path::Path>,
    labels: bool,
    questions: usize,
    progress: &dyn crate::progress::Progress,
) -> Result<Pass> {
    if !(options.threshold > 0.0 && options.threshold < 1.0) {
        return Err(Error::Usage(format!(
            "`--threshold {}` must be between 0 and 1 (a match probability; default 0.5)",
            options.threshold
        )));
    }
    let columns = db.dataset_columns(&options.dataset)?;
    // `--id "Account ID"` names the ingested `account_id`, as the header reads in the file.
    let mut options = options.clone();
    if let Some(id) = &options.id_column
        && let Some(found) = roles::find_column(&columns, id)
    {
        options.id_column = Some(found);
    }
    let options = &options;
    if let Some(id) = &options.id_column
        && !columns.contains(id)
    {
        let hint = crate::suggestion::did_you_mean(id, columns.iter().map(String::as_str));
        return Err(Error::Usage(format!(
            "`--id {id}`: dataset `{}` has no such column{hint}",
            options.dataset
        )));
    }
    let assigned = roles::detect(
        db,
        rules,
        &options.object,
        &options.dataset,
        &columns,
        &options.fields,
        &options.mapped,
    )?;
    let role_names: Vec<String> = assigned.iter().map(|r| r.role.clone()).collect();
    let role_columns: Vec<String> = assigned.iter().map(|r| r.column.clone()).collect();
    let recency = rules
        .survivorship
        .recency_columns
        .iter()
        .find(|c| columns.contains(c))
        .cloned();
    let role_rules = rules.mark_shared(&options.object, super::resolve_roles(rules, &role_names)?);
    let cleaner = super::Cleaner::new(rules, &role_rules);
    // Only cleaned values are kept for every record; raw ones are read back for clusters.
    progress.start(
        &format!("dedupe {}: read", options.dataset),
        db.row_count(&options.dataset)?,
    );
    let read = std::sync::atomic::AtomicU64::new(0);
    let mut rows = db.read_for_dedupe(
        &options.dataset,
        options.id_column.as_deref(),
        &role_columns,
        &|raw| {
            let n = read.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_multiple_of(crate::progress::ROWS_PER_TICK) {
                progress.set(n);
            }
            cleaner.clean(&raw)
        },
    )?;
    // Comparing runs in parallel inside `find_clean`; the bar says which phase is under way.
    // The comparison counts its candidate pairs: a rate in pairs per second with an ETA.
    let compare = crate::progress::Prefixed::new(progress, format!("dedupe {}", options.dataset));
    let clean: Vec<Vec<Option<String>>> = rows
        .iter_mut()
        .map(|r| std::mem::take(&mut r.values))
        .collect();
    let mut learn = super::Learn {
        progress: Some(&compare),
        ..super::Learn::default()
    };
    if let Some(path) = model {
        let model = super::Model::load(path)?;
        model.check(&super::model::compared(&role_rules), path)?;
        learn.model = Some(model);
    }
    if labels && learn.model.is_none() {
        learn.labels = super::labels::indexed(db, &options.dataset, &rows)?;
    }
    learn.questions = questions;
    let found = super::find_clean(rules, &role_rules, &clean, options.threshold, &learn)?;
    progress.finish();
    drop(clean);
    Ok(Pass {
        options: options.clone(),
        assigned,
        role_names,
        role_columns,
        recency,
        rows,
        found,
    })
}

/// [`run`] scoring with a saved model (`--model FILE`) instead of learning one; without one,
/// reviewed pairs (from `dedupe review`) teach the learned model.
pub fn run_with(
    db: &mut Db,
    rules: &Rules,
    options: &Options,
    model: Option<&std::path::Path>,
    progress: &dyn crate::progress::Progress,
) -> Result<Report> {
    let Pass {
        options,
        assigned,
        role_names,
        role_columns,
        recency,
        rows,
        found,
    } = find(db, rules, options, model, true, 0, progress)?;
    let options = &options;
    let member_rowids: Vec<i64> = found
        .clusters
        .iter()
        .flat_map(|c| &c.members)
        .map(|&i| rows[i as usize].rowid)
        .collect();
    let details = db.cluster_members(
        &options.dataset,
        &role_columns,
        recency.as_deref(),
        &member_rowids,
    )?;

    let previous: HashMap<Vec<(i64, i64)>, (String, String)> =
        previous_decisions(&db.clusters(&options.dataset)?);
    // Each cluster's survivor, golden values and rows are its own: worked out in parallel,
    // then gathered in cluster order.
    let per_cluster: Vec<ClusterRows> = found
        .clusters
        .par_iter()
        .enumerate()
        .map(|(n, cluster)| {
            let id = n as i64 + 1;
            let members: Vec<&SourceRow> =
                cluster.members.iter().map(|&i| &rows[i as usize]).collect();
            let member_values: Vec<&Vec<Option<String>>> =
                members.iter().map(|r| &details[&r.rowid].values).collect();
            let info: Vec<Member> = members
                .iter()
                .map(|r| {
                    let d = &details[&r.rowid];
                    Member {
                        order: ((r.batch as u64) << 32) | r.row as u64,
                        dataset: options.dataset.clone(),
                        values: d.values.clone(),
                        filled: d.filled,
                        recency: d.recency.as_deref().and_then(crate::values::date::any_date),
                    }
                })
                .collect();
            let (mut survivor, mut rule) = survivorship::survivor(&rules.survivorship, &info);
            let mut status = "proposed".to_string();
            let mut kept = false;
            let key: Vec<(i64, i64)> = members.iter().map(|r| (r.batch, r.row)).collect();
            if let Some((old_status, old_survivor)) = previous.get(&key) {
                status = old_status.clone();
                if let Some(pos) = members.iter().position(|r| &r.id == old_survivor) {
                    if pos != survivor {
                        rule = "review";
                    }
                    survivor = pos;
                }
                kept = true;
            }
            let cluster_rows = members
                .iter()
                .enumerate()
                .map(|(i, r)| ClusterRow {
                    cluster: id,
                    batch: r.batch,
                    row: r.row,
                    record_id: r.id.clone(),
                    survivor: i == survivor,
                    status: status.clone(),
                    rule: rule.to_string(),
                })
                .collect();
            let golden_rows =
                survivorship::golden(&rules.survivorship, &role_names, &info, survivor)
                    .into_iter()
                    .map(|g| GoldenRow {
                        cluster: id,
                        column: role_columns
                            [role_names.iter().position(|r| *r == g.role).unwrap_or(0)]
                        .clone(),
                        role: g.role,
                        value: g.value,
                        from_id: members[g.from].id.clone(),
                        pick: format!("{:?}", g.pick).to_lowercase(),
                    })
                    .collect();
            let shown = Shown {
                cluster: id,
                status,
                rule,
                survivor,
            };
            let (mut pair_rows, mut pair_views) = (Vec::new(), Vec::new());
            let view = shown.view(
                cluster,
                |i| {
                    let r = members[i];
                    (r.id.clone(), r.row, member_values[i].clone(), None)
                },
                |record| rows[record as usize].id.clone(),
                (&mut pair_rows, &mut pair_views),
            );
            ClusterRows {
                cluster_rows,
                golden_rows,
                pair_rows,
                pair_views,
                view,
                kept,
            }
        })
        .collect();
    let (mut cluster_rows, mut pair_rows, mut golden_rows, mut views, mut pair_views) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut kept = 0;
    for c in per_cluster {
        cluster_rows.extend(c.cluster_rows);
        golden_rows.extend(c.golden_rows);
        pair_rows.extend(c.pair_rows);
        pair_views.extend(c.pair_views);
        views.push(c.view);
        kept += usize::from(c.kept);
    }
    let run = RunRow {
        dataset: options.dataset.clone(),
        object: options.object.clone(),
        id_column: options.id_column.clone(),
        roles: serde_json::to_string(&assigned).unwrap_or_default(),
        threshold: options.threshold,
        records: found.records as i64,
        candidate_pairs: found.candidate_pairs as i64,
        linked_pairs: found.linked_pairs as i64,
        clusters: found.clusters.len() as i64,
        duplicates: found.duplicates() as i64,
    };
    db.save_dedupe(&run, &cluster_rows, &pair_rows, &golden_rows)?;
    db.save_dedupe_survivorship(
        &options.dataset,
        &serde_json::to_string(&rules.survivorship).unwrap_or_default(),
    )?;
    record_metrics(db)?;
    let n = found.records as u64;
    Ok(Report {
        dataset: options.dataset.clone(),
        object: options.object.clone(),
        roles: assigned,
        threshold: options.threshold,
        records: found.records,
        all_pairs: n * n.saturating_sub(1) / 2,
        candidate_pairs: found.candidate_pairs,
        skipped_blocks: found.skipped_blocks,
        linked_pairs: found.linked_pairs,
        duplicates: found.duplicates(),
        decisions_kept: kept,
        model: found.model.clone(),
        clusters: views,
        pairs: pair_views,
    })
}

/// What one cluster of a run stores and reports.
struct ClusterRows {
    cluster_rows: Vec<ClusterRow>,
    golden_rows: Vec<GoldenRow>,
    pair_rows: Vec<PairRow>,
    pair_views: Vec<PairView>,
    view: ClusterView,
    /// A review decision of the previous run was carried over.
    kept: bool,
}

/// A stored cluster's decision, from which its report view and pair rows are built (one
/// builder for single-dataset runs and link runs, which differ only in how records are named).
pub(super) struct Shown<'a> {
    pub cluster: i64,
    pub status: String,
    pub rule: &'a str,
    /// Position of the survivor among the members.
    pub survivor: usize,
}

impl Shown<'_> {
    /// The cluster's view; appends its pairs to `pairs` (rows to store, views to report).
    /// `member(i)` gives member i's (id, row, values, source); `label(record)` names a
    /// record of a pair.
    pub fn view(
        self,
        cluster: &super::Cluster,
        member: impl Fn(usize) -> (String, i64, Vec<Option<String>>, Option<String>),
        label: impl Fn(u32) -> String,
        pairs: (&mut Vec<PairRow>, &mut Vec<PairView>),
    ) -> ClusterView {
        let (pair_rows, pair_views) = pairs;
        for p in &cluster.pairs {
            let (id_a, id_b) = (label(p.a), label(p.b));
            pair_rows.push(PairRow {
                cluster: self.cluster,
                id_a: id_a.clone(),
                id_b: id_b.clone(),
                probability: p.probability,
                total: p.total,
                fields: serde_json::to_string(&p.fields).unwrap_or_default(),
            });
            pair_views.push(PairView {
                cluster: self.cluster,
                id_a,
                id_b,
                score: p.clone(),
            });
        }
        ClusterView {
            cluster: self.cluster,
            status: self.status,
            rule: self.rule.to_string(),
            min_probability: cluster
                .pairs
                .iter()
                .map(|p| p.probability)
                .fold(1.0, f64::min),
            members: (0..cluster.members.len())
                .map(|i| {
                    let (id, row, values, source) = member(i);
                    MemberView {
                        id,
                        row,
                        survivor: i == self.survivor,
                        values,
                        source,
                    }
                })
                .collect(),
        }
    }
}

/// Roles implied by the dataset's mapping file (`mappings/DATASET.yaml`), if it has one.
pub fn mapped_roles(
    ws: &crate::workspace::Workspace,
    db: &Db,
    rules: &Rules,
    dataset: &str,
) -> Result<Vec<(String, String)>> {
    let path = ws.root.join("mappings").join(format!("{dataset}.yaml"));
    if !path.is_file() || !db.dataset_names()?.iter().any(|d| d == dataset) {
        return Ok(Vec::new());
    }
    let mapping = crate::mapping::file::MappingFile::load(&path)?;
    let columns = db.source_columns(dataset)?;
    let pairs: Vec<(String, String)> = mapping
        .fields
        .iter()
        .filter_map(|f| {
            let source = f.source.as_deref()?;
            let column = &columns[crate::mapping::file::column_index(&columns, source)?];
            Some((column.column.clone(), f.target.clone()))
        })
        .collect();
    Ok(roles::from_mapping(rules, &pairs))
}

/// Review decisions of the stored clusters, keyed by their member set.
fn previous_decisions(rows: &[ClusterRow]) -> HashMap<Vec<(i64, i64)>, (String, String)> {
    let mut by_cluster: HashMap<i64, Vec<&ClusterRow>> = HashMap::new();
    for r in rows {
        by_cluster.entry(r.cluster).or_default().push(r);
    }
    by_cluster
        .into_values()
        .filter(|m| {
            m.iter()
                .any(|r| r.status != "proposed" || r.rule == "review")
        })
        .map(|m| {
            let key = m.iter().map(|r| (r.batch, r.row)).collect();
            let survivor = m
                .iter()
                .find(|r| r.survivor)
                .map(|r| r.record_id.clone())
                .unwrap_or_default();
            // A record a reviewer removed carries its own status, not the cluster's.
            let status = m.iter().find(|r| r.status != "removed").unwrap_or(&m[0]);
            (key, (status.status.clone(), survivor))
        })
        .collect()
}

/// Leaves the dedupe figures for the playbook's evidence checks.
pub fn record_metrics(db: &Db) -> Result<()> {
    let (records, merged, clusters) = db.dedupe_totals()?;
    let rate = if records > 0 {
        merged as f64 / records as f64
    } else {
        0.0
    };
    let detail = format!(
        "{} are duplicates to merge, in {}",
        crate::numbers::part_of(
            merged.max(0) as u64,
            records.max(0) as u64,
            "record",
            "records"
        ),
        crate::numbers::plural(clusters.max(0) as u64, "cluster", "clusters")
    );
    db.put_metric("dedupe.duplicate_rate", rate, Some(&detail), "dedupe")?;
    db.put_metric("dedupe.clusters", clusters as f64, Some(&detail), "dedupe")
}
