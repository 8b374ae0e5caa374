//! Review: the sheet a person edits (CSV or XLSX) to accept or reject clusters and pick
//! survivors, and the pair questions of a linked run. CSV cells come back through
//! [`formula::unescape`], so ids read as stored.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::escape::formula;
use crate::intake::FileKind;
use crate::staging::Db;

/// Columns of the review sheet that `dedupe apply` reads; the rest are there to help the reader.
pub const COLUMNS: [&str; 6] = [
    "dataset",
    "cluster",
    "decision",
    "survivor",
    "record_id",
    "row",
];

/// What `dedupe apply` changed.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Applied {
    pub datasets: Vec<String>,
    pub accepted: usize,
    pub rejected: usize,
    pub survivors_changed: usize,
    /// Records a reviewer took out of their cluster (`remove`): they load as records of
    /// their own.
    pub removed: usize,
}

struct Line {
    number: u64,
    /// The record's dataset, in a sheet of a run linking several.
    source: String,
    record_id: String,
    decision: String,
    survivor: bool,
}

/// Reads an edited review sheet and applies its decisions atomically per dataset.
pub fn apply(db: &mut Db, path: &Path) -> Result<Applied> {
    let crate::intake::Table {
        headers,
        rows,
        kind,
    } = crate::intake::read_table(path)?;
    // Only CSV cells were escaped when written; a workbook's strings are the values.
    let cell = |text: &str| -> String {
        match kind {
            FileKind::Text => formula::unescape(text).trim().to_string(),
            FileKind::Workbook => text.trim().to_string(),
        }
    };
    let col = |name: &str| -> Result<usize> {
        headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name)).ok_or_else(|| {
            Error::Input(format!(
                "`{}` has no `{name}` column; a review sheet needs {} (as written by `crmkit dedupe`)",
                path.display(),
                COLUMNS.join(", ")
            ))
        })
    };
    let (c_dataset, c_cluster, c_decision, c_survivor, c_id) = (
        col("dataset")?,
        col("cluster")?,
        col("decision")?,
        col("survivor")?,
        col("record_id")?,
    );
    let c_source = headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("source"));
    let bad = |number: u64, column: &str, value: &str, why: &str| {
        Error::Input(format!(
            "`{}` record {number}, column `{column}`: `{value}` {why}",
            path.display()
        ))
    };
    let mut by_cluster: BTreeMap<(String, i64), Vec<Line>> = BTreeMap::new();
    for (number, fields) in &rows {
        let get = |i: usize| fields.get(i).map(|s| cell(s)).unwrap_or_default();
        let cluster_text = get(c_cluster);
        let cluster: i64 = cluster_text
            .parse()
            .map_err(|_| bad(*number, "cluster", &cluster_text, "is not a cluster number"))?;
        let decision = match get(c_decision).to_lowercase().as_str() {
            // One record is not the same as the others: it leaves the cluster, the rest of
            // the cluster is decided by the other lines.
            "remove" | "split" | "not a duplicate" => "remove".to_string(),
            d @ ("accept" | "reject" | "") => d.to_string(),
            _ => {
                return Err(bad(
                    *number,
                    "decision",
                    &get(c_decision),
                    "is not `accept`, `reject` or `remove`",
                ));
            }
        };
        let survivor_text = get(c_survivor).to_lowercase();
        let survivor = match survivor_text.as_str() {
            "yes" | "y" | "x" | "1" | "true" | "survivor" => true,
            "" | "no" | "n" | "0" | "false" => false,
            _ => {
                return Err(bad(
                    *number,
                    "survivor",
                    &get(c_survivor),
                    "is not `yes` or blank",
                ));
            }
        };
        by_cluster
            .entry((get(c_dataset), cluster))
            .or_default()
            .push(Line {
                number: *number,
                source: c_source.map(get).unwrap_or_default(),
                record_id: get(c_id),
                decision,
                survivor,
            });
    }
    type Decision = (i64, String, String, Vec<String>);
    let mut per_dataset: BTreeMap<String, Vec<Decision>> = BTreeMap::new();
    let mut applied = Applied::default();
    let mut per_link: BTreeMap<String, Vec<LinkDecision>> = BTreeMap::new();
    for ((dataset, cluster), lines) in &by_cluster {
        if let Some(run) = db.link_run(dataset)? {
            let decision = link_decision(db, path, &run.link, *cluster, lines, &mut applied)?;
            per_link.entry(run.link).or_default().push(decision);
            continue;
        }
        let stored = db.clusters(dataset)?;
        let members: Vec<_> = stored.iter().filter(|r| r.cluster == *cluster).collect();
        if members.is_empty() {
            return Err(bad(
                lines[0].number,
                "cluster",
                &cluster.to_string(),
                &format!(
                    "is not a cluster of dataset `{dataset}`; run `crmkit dedupe {dataset}` again and review the new sheet"
                ),
            ));
        }
        for line in lines {
            if !members.iter().any(|m| m.record_id == line.record_id) {
                return Err(bad(
                    line.number,
                    "record_id",
                    &line.record_id,
                    &format!("is not in cluster {cluster}"),
                ));
            }
        }
        if let Some(l) = lines.iter().find(|l| l.survivor && l.decision == "remove") {
            return Err(bad(
                l.number,
                "decision",
                "remove",
                "is on the survivor: a record taken out of the cluster cannot survive it; mark another record `yes`",
            ));
        }
        let removed: Vec<String> = lines
            .iter()
            .filter(|l| l.decision == "remove")
            .map(|l| l.record_id.clone())
            .collect();
        applied.removed += removed.len();
        let survivors: Vec<&Line> = lines.iter().filter(|l| l.survivor).collect();
        if survivors.len() != 1 {
            return Err(bad(
                lines[0].number,
                "survivor",
                &survivors.len().to_string(),
                &format!("survivors marked in cluster {cluster}; mark exactly one record `yes`"),
            ));
        }
        let reject = lines.iter().any(|l| l.decision == "reject");
        // A cluster nobody decided stays proposed (its survivor may still change).
        let accept = lines.iter().any(|l| l.decision == "accept");
        let old = members
            .iter()
            .find(|m| m.survivor)
            .map(|m| m.record_id.as_str());
        if old != Some(survivors[0].record_id.as_str()) {
            applied.survivors_changed += 1;
        }
        let status = if reject {
            applied.rejected += 1;
            "rejected"
        } else if accept {
            applied.accepted += 1;
            "accepted"
        } else {
            "proposed"
        };
        per_dataset.entry(dataset.clone()).or_default().push((
            *cluster,
            status.into(),
            survivors[0].record_id.clone(),
            removed,
        ));
    }
    for (dataset, decisions) in &per_dataset {
        db.apply_review(dataset, decisions)?;
        applied.datasets.push(dataset.clone());
    }
    for (link, decisions) in &per_link {
        db.apply_link_review(link, decisions)?;
        applied.datasets.push(link.clone());
    }
    super::run::record_metrics(db)?;
    Ok(applied)
}

type LinkDecision = (i64, String, (String, String), Vec<(String, String)>);

/// One cluster's decision in the sheet of a run linking several datasets: records are named by
/// their `source` and `record_id` (ids may repeat across sources).
fn link_decision(
    db: &Db,
    path: &Path,
    link: &str,
    cluster: i64,
    lines: &[Line],
    applied: &mut Applied,
) -> Result<LinkDecision> {
    let bad = |number: u64, column: &str, value: &str, why: &str| {
        Error::Input(format!(
            "`{}` record {number}, column `{column}`: `{value}` {why}",
            path.display()
        ))
    };
    let stored = db.link_members(link)?;
    let members: Vec<_> = stored.iter().filter(|m| m.cluster == cluster).collect();
    if members.is_empty() {
        return Err(bad(
            lines[0].number,
            "cluster",
            &cluster.to_string(),
            &format!(
                "is not a cluster of the linked datasets `{link}`; run `crmkit dedupe` on them again and review the new sheet"
            ),
        ));
    }
    for line in lines {
        if line.source.is_empty() {
            return Err(bad(
                line.number,
                "source",
                "",
                "is blank: a sheet of linked datasets names each record's source dataset",
            ));
        }
        if !members
            .iter()
            .any(|m| m.dataset == line.source && m.record_id == line.record_id)
        {
            return Err(bad(
                line.number,
                "record_id",
                &format!("{}:{}", line.source, line.record_id),
                &format!("is not in cluster {cluster}"),
            ));
        }
    }
    if let Some(l) = lines.iter().find(|l| l.survivor && l.decision == "remove") {
        return Err(bad(
            l.number,
            "decision",
            "remove",
            "is on the survivor: a record taken out of the cluster cannot survive it; mark another record `yes`",
        ));
    }
    let survivors: Vec<&Line> = lines.iter().filter(|l| l.survivor).collect();
    if survivors.len() != 1 {
        return Err(bad(
            lines[0].number,
            "survivor",
            &survivors.len().to_string(),
            &format!("survivors marked in cluster {cluster}; mark exactly one record `yes`"),
        ));
    }
    let removed: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l.decision == "remove")
        .map(|l| (l.source.clone(), l.record_id.clone()))
        .collect();
    applied.removed += removed.len();
    let new = (survivors[0].source.clone(), survivors[0].record_id.clone());
    if (
        members[0].survivor_at.0.as_str(),
        members[0].survivor_at.3.as_str(),
    ) != (new.0.as_str(), new.1.as_str())
    {
        applied.survivors_changed += 1;
    }
    let status = if lines.iter().any(|l| l.decision == "reject") {
        applied.rejected += 1;
        "rejected"
    } else if lines.iter().any(|l| l.decision == "accept") {
        applied.accepted += 1;
        "accepted"
    } else {
        "proposed"
    };
    Ok((cluster, status.into(), new, removed))
}

/// `dedupe review A B C`: records `--match`/`--distinct` answers about pairs of a linked run
/// (records named `DATASET:ID`), refits the run's one model with every label about these
/// datasets, and asks about the `count` pairs nearest the threshold, within and across sources.
pub fn link_round(
    db: &mut Db,
    rules: &super::Rules,
    options: &super::link::LinkOptions,
    (matches, distinct): (&[String], &[String]),
    count: usize,
    progress: &dyn crate::progress::Progress,
) -> Result<super::run::ReviewRound> {
    let mut answered = 0;
    if !matches.is_empty() || !distinct.is_empty() {
        let pass = super::link::find(db, rules, options, None, false, 0, progress)?;
        // Answers name records as questions show them; one parser for both kinds of run.
        let named: Vec<crate::staging::SourceRow> = (0..pass.rows.len())
            .map(|i| {
                let (_, r) = &pass.rows[i];
                crate::staging::SourceRow {
                    rowid: i as i64,
                    batch: r.batch,
                    row: r.row,
                    id: pass.label(i as u32),
                    values: Vec::new(),
                }
            })
            .collect();
        let dataset_of: std::collections::HashMap<(i64, i64), &str> = pass
            .rows
            .iter()
            .map(|(s, r)| ((r.batch, r.row), pass.sources[*s].dataset.as_str()))
            .collect();
        let new: Vec<crate::staging::LinkLabel> =
            super::labels::answers(&named, matches, distinct)?
                .into_iter()
                .map(|label| crate::staging::LinkLabel {
                    dataset_a: dataset_of[&label.a].to_string(),
                    dataset_b: dataset_of[&label.b].to_string(),
                    label,
                })
                .collect();
        answered = new.len();
        db.save_link_labels(&pass.link(), &new)?;
    }
    let pass = super::link::find(db, rules, options, None, true, count, progress)?;
    // Raw values of the asked records, read per source and widened to the compared roles.
    let mut values: std::collections::HashMap<u32, Vec<Option<String>>> =
        std::collections::HashMap::new();
    for (s, source) in pass.sources.iter().enumerate() {
        let asked: Vec<u32> = pass
            .found
            .questions
            .iter()
            .flat_map(|q| [q.a, q.b])
            .filter(|&i| pass.rows[i as usize].0 == s)
            .collect();
        if asked.is_empty() {
            continue;
        }
        let rowids: Vec<i64> = asked
            .iter()
            .map(|&i| pass.rows[i as usize].1.rowid)
            .collect();
        let columns: Vec<String> = source.roles.iter().map(|r| r.column.clone()).collect();
        let details = db.cluster_members(&source.dataset, &columns, None, &rowids)?;
        for i in asked {
            let rowid = pass.rows[i as usize].1.rowid;
            if let Some(d) = details.get(&rowid) {
                values.insert(i, pass.expand(s, &d.values));
            }
        }
    }
    let questions = pass
        .found
        .questions
        .iter()
        .map(|q| super::run::Question {
            id_a: pass.label(q.a),
            id_b: pass.label(q.b),
            values_a: values.get(&q.a).cloned().unwrap_or_default(),
            values_b: values.get(&q.b).cloned().unwrap_or_default(),
            score: q.clone(),
        })
        .collect();
    Ok(super::run::ReviewRound {
        dataset: pass.link(),
        roles: pass.roles(),
        answered,
        labels: pass.found.model.training.labelled_pairs as usize,
        threshold: options.threshold,
        model: pass.found.model.clone(),
        questions,
    })
}
