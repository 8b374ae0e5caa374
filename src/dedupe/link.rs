//! Dedupe across sources: one cluster set over several datasets (within and across them),
//! survivors by source priority, golden values per field, and lineage to every source row.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::roles::{self, RoleColumn};
use super::rules::{Criterion, Rules, Survivorship};
use super::run::{Report, Shown};
use super::survivorship::{self, Member};
use crate::error::{Error, Result};
use crate::staging::{Db, GoldenRow, LinkMemberRow, LinkRunRow, LinkSave, RunRow};

/// What to link and how.
#[derive(Clone, Debug)]
pub struct LinkOptions {
    /// Datasets as given, in argument order.
    pub datasets: Vec<String>,
    pub object: String,
    /// `--id COLUMN` (every dataset) or `--id DATASET=COLUMN`.
    pub ids: Vec<(Option<String>, String)>,
    /// `--field ROLE=COLUMN` (every dataset that has the column) or `DATASET.ROLE=COLUMN`.
    pub fields: Vec<(String, String)>,
    /// `--priority`: survivor source priority, highest first (default: argument order).
    pub priority: Vec<String>,
    pub threshold: f64,
    /// Roles implied by each dataset's mapping file.
    pub mapped: HashMap<String, Vec<(String, String)>>,
}

/// One source of a link run: its roles and id column.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub dataset: String,
    pub id_column: Option<String>,
    pub roles: Vec<RoleColumn>,
    pub records: usize,
}

/// A link run's outcome: the report a single dataset's run gives (over every source), plus
/// the sources and their priority.
#[derive(Clone, Debug, Serialize)]
pub struct LinkReport {
    pub link: String,
    pub sources: Vec<Source>,
    /// Survivor priority, highest first.
    pub priority: Vec<String>,
    /// Clusters with members from more than one source.
    pub cross_source_clusters: usize,
    #[serde(flatten)]
    pub report: Report,
}

/// The name a link run is stored under: its datasets in priority order, joined by `+`.
pub fn link_name(datasets: &[String]) -> String {
    datasets.join("+")
}

/// The per-dataset overrides of `--field`: `DATASET.ROLE=COLUMN` for that dataset only,
/// `ROLE=COLUMN` for every dataset that has the column.
fn fields_for(
    options: &LinkOptions,
    dataset: &str,
    columns: &[String],
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (role, column) in &options.fields {
        match role.split_once('.') {
            Some((d, r)) => {
                let d = crate::intake::names::identifier(d);
                if !options.datasets.contains(&d) {
                    return Err(Error::Usage(format!(
                        "`--field {role}={column}`: `{d}` is not one of the datasets linked ({})",
                        options.datasets.join(", ")
                    )));
                }
                if d == dataset {
                    out.push((r.to_string(), column.clone()));
                }
            }
            None if roles::find_column(columns, column).is_some() => {
                out.push((role.clone(), column.clone()))
            }
            None => {}
        }
    }
    Ok(out)
}

/// The `--id` column of one dataset, as ingested; `None` means the source row.
fn id_for(options: &LinkOptions, dataset: &str, columns: &[String]) -> Result<Option<String>> {
    for (d, column) in &options.ids {
        if let Some(d) = d {
            let d = crate::intake::names::identifier(d);
            if !options.datasets.contains(&d) {
                return Err(Error::Usage(format!(
                    "`--id {d}={column}`: `{d}` is not one of the datasets linked ({})",
                    options.datasets.join(", ")
                )));
            }
            if d != dataset {
                continue;
            }
        }
        match roles::find_column(columns, column) {
            Some(found) => return Ok(Some(found)),
            None if d.is_some() => {
                let hint =
                    crate::suggestion::did_you_mean(column, columns.iter().map(String::as_str));
                return Err(Error::Usage(format!(
                    "`--id {dataset}={column}`: dataset `{dataset}` has no such column{hint}"
                )));
            }
            None => {}
        }
    }
    Ok(None)
}

/// The survivorship rules of a link run: source priority first (unless the playbook's order
/// names it already), then the playbook's order.
fn link_survivorship(rules: &Rules, priority: &[String]) -> Survivorship {
    let mut s = rules.survivorship.clone();
    s.source_priority = priority.to_vec();
    if !s.order.contains(&Criterion::SourcePriority) {
        s.order.insert(0, Criterion::SourcePriority);
    }
    s
}

/// What [`find`] read and found over every source of a link run.
pub struct LinkPass {
    /// The datasets in survivor priority order.
    pub priority: Vec<String>,
    pub sources: Vec<Source>,
    /// Each source's recency column, if it has one.
    recency: Vec<Option<String>>,
    /// The roles compared: every source's roles, in the rules' order.
    pub union: Vec<String>,
    /// Where each union role sits among a source's role columns.
    positions: Vec<Vec<Option<usize>>>,
    /// Every record: (source index, row), values taken out once cleaned.
    pub rows: Vec<(usize, crate::staging::SourceRow)>,
    pub found: super::Outcome,
}

impl LinkPass {
    /// A source's role values widened to the union roles (`None` for a role it lacks).
    pub fn expand(&self, s: usize, raw: &[Option<String>]) -> Vec<Option<String>> {
        self.positions[s]
            .iter()
            .map(|p| p.and_then(|i| raw[i].clone()))
            .collect()
    }

    /// A record as reviewers and pair files name it: `DATASET:ID`.
    pub fn label(&self, i: u32) -> String {
        let (s, r) = &self.rows[i as usize];
        format!("{}:{}", self.sources[*s].dataset, r.id)
    }

    /// The link run's name: its datasets in priority order, joined by `+`.
    pub fn link(&self) -> String {
        link_name(&self.priority)
    }

    /// The roles compared, each with its column in every source that has it
    /// (`DATASET.COLUMN|DATASET.COLUMN`).
    pub fn roles(&self) -> Vec<RoleColumn> {
        self.union
            .iter()
            .map(|r| RoleColumn {
                role: r.clone(),
                column: self
                    .sources
                    .iter()
                    .filter_map(|s| {
                        s.roles
                            .iter()
                            .find(|c| &c.role == r)
                            .map(|c| format!("{}.{}", s.dataset, c.column))
                    })
                    .collect::<Vec<_>>()
                    .join("|"),
                from: "link",
            })
            .collect()
    }
}

/// Reads every source with its own roles and finds clusters with one model over the combined
/// candidate pairs (learned, or the saved `model`; with `labels`, reviewed pairs of these
/// datasets teach it; `questions` asks for that many pairs nearest the threshold).
pub fn find(
    db: &mut Db,
    rules: &Rules,
    options: &LinkOptions,
    model: Option<&std::path::Path>,
    labels: bool,
    questions: usize,
    progress: &dyn crate::progress::Progress,
) -> Result<LinkPass> {
    if !(options.threshold > 0.0 && options.threshold < 1.0) {
        return Err(Error::Usage(format!(
            "`--threshold {}` must be between 0 and 1 (a match probability; default 0.5)",
            options.threshold
        )));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(d) = options.datasets.iter().find(|d| !seen.insert(*d)) {
        return Err(Error::Usage(format!(
            "dataset `{d}` is named twice; name each dataset once"
        )));
    }
    // Priority: --priority first, then the playbook's source_priority, then argument order.
    let asked: Vec<String> = options
        .priority
        .iter()
        .map(|d| crate::intake::names::identifier(d))
        .collect();
    if let Some(d) = asked.iter().find(|d| !options.datasets.contains(d)) {
        return Err(Error::Usage(format!(
            "`--priority {d}`: `{d}` is not one of the datasets linked ({})",
            options.datasets.join(", ")
        )));
    }
    let mut priority: Vec<String> = Vec::new();
    for d in asked
        .iter()
        .chain(&rules.survivorship.source_priority)
        .chain(&options.datasets)
    {
        if options.datasets.contains(d) && !priority.contains(d) {
            priority.push(d.clone());
        }
    }
    // Roles per source: headers differ between a CRM export, billing and a spreadsheet.
    let mut sources: Vec<Source> = Vec::new();
    let mut recency: Vec<Option<String>> = Vec::new();
    for dataset in &priority {
        let columns = db.dataset_columns(dataset)?;
        let fields = fields_for(options, dataset, &columns)?;
        let mapped = options.mapped.get(dataset).cloned().unwrap_or_default();
        let assigned = roles::detect(
            db,
            rules,
            &options.object,
            dataset,
            &columns,
            &fields,
            &mapped,
        )
        .map_err(|e| match e {
            Error::Usage(m) => Error::Usage(format!("dataset `{dataset}`: {m}")),
            other => other,
        })?;
        recency.push(
            rules
                .survivorship
                .recency_columns
                .iter()
                .find(|c| columns.contains(c))
                .cloned(),
        );
        sources.push(Source {
            dataset: dataset.clone(),
            id_column: id_for(options, dataset, &columns)?,
            roles: assigned,
            records: 0,
        });
    }
    if let Some((_, column)) = options
        .ids
        .iter()
        .find(|(d, c)| d.is_none() && sources.iter().all(|s| s.id_column.as_deref() != Some(c)))
        && !sources.iter().any(|s| s.id_column.is_some())
    {
        return Err(Error::Usage(format!(
            "`--id {column}`: none of the datasets has such a column; name it per dataset with `--id DATASET=COLUMN`"
        )));
    }
    // Compared role to role: the union of every source's roles, in the rules' order.
    let union: Vec<String> = rules
        .roles
        .keys()
        .filter(|r| {
            sources
                .iter()
                .any(|s| s.roles.iter().any(|c| &c.role == *r))
        })
        .cloned()
        .collect();
    let role_rules = rules.mark_shared(&options.object, super::resolve_roles(rules, &union)?);
    let cleaner = super::Cleaner::new(rules, &role_rules);
    // Where each union role sits among a source's role columns.
    let positions: Vec<Vec<Option<usize>>> = sources
        .iter()
        .map(|s| {
            union
                .iter()
                .map(|r| s.roles.iter().position(|c| &c.role == r))
                .collect()
        })
        .collect();
    let expand = |s: usize, raw: &[Option<String>]| -> Vec<Option<String>> {
        positions[s]
            .iter()
            .map(|p| p.and_then(|i| raw[i].clone()))
            .collect()
    };
    let mut rows: Vec<(usize, crate::staging::SourceRow)> = Vec::new();
    for (s, source) in sources.iter_mut().enumerate() {
        progress.start(
            &format!("dedupe {}: read", source.dataset),
            db.row_count(&source.dataset)?,
        );
        let columns: Vec<String> = source.roles.iter().map(|r| r.column.clone()).collect();
        let read = db.read_for_dedupe(
            &source.dataset,
            source.id_column.as_deref(),
            &columns,
            &|raw| cleaner.clean(&expand(s, &raw)),
        )?;
        source.records = read.len();
        rows.extend(read.into_iter().map(|r| (s, r)));
    }
    progress.start(&format!("dedupe {}: compare", link_name(&priority)), 0);
    let clean: Vec<Vec<Option<String>>> = rows
        .iter_mut()
        .map(|(_, r)| std::mem::take(&mut r.values))
        .collect();
    let mut learn = super::Learn::default();
    if let Some(path) = model {
        let m = super::Model::load(path)?;
        m.check(&super::model::compared(&role_rules), path)?;
        learn.model = Some(m);
    }
    // One model over the combined candidate pairs: the roles mean the same in every source
    // once compared role to role, and a small source alone has too few pairs to learn from.
    if labels && learn.model.is_none() {
        let datasets: Vec<String> = sources.iter().map(|s| s.dataset.clone()).collect();
        let at: Vec<(i64, i64)> = rows.iter().map(|(_, r)| (r.batch, r.row)).collect();
        learn.labels = super::labels::indexed_link(db, &datasets, &at)?;
    }
    learn.questions = questions;
    learn.sources = rows.iter().map(|(s, _)| *s as u32).collect();
    let found = super::find_clean(rules, &role_rules, &clean, options.threshold, &learn)?;
    progress.finish();
    drop(clean);
    Ok(LinkPass {
        priority,
        sources,
        recency,
        union,
        positions,
        rows,
        found,
    })
}

/// Links several datasets: reads each with its own roles, learns one model over the combined
/// candidate pairs (reviewed pairs teaching it), clusters, chooses survivors and golden
/// values, and stores lineage.
pub fn run(
    db: &mut Db,
    rules: &Rules,
    options: &LinkOptions,
    model: Option<&std::path::Path>,
    progress: &dyn crate::progress::Progress,
) -> Result<LinkReport> {
    let pass = find(db, rules, options, model, true, 0, progress)?;
    let LinkPass {
        ref priority,
        ref sources,
        ref recency,
        ref union,
        ref rows,
        ref found,
        ..
    } = pass;
    let link = pass.link();
    let expand = |s: usize, raw: &[Option<String>]| pass.expand(s, raw);

    // Raw values of the clustered records, per source.
    let mut details: HashMap<(usize, i64), crate::staging::MemberRow> = HashMap::new();
    for (s, source) in sources.iter().enumerate() {
        let rowids: Vec<i64> = found
            .clusters
            .iter()
            .flat_map(|c| &c.members)
            .map(|&i| &rows[i as usize])
            .filter(|(rs, _)| *rs == s)
            .map(|(_, r)| r.rowid)
            .collect();
        let columns: Vec<String> = source.roles.iter().map(|r| r.column.clone()).collect();
        for (rowid, mut m) in
            db.cluster_members(&source.dataset, &columns, recency[s].as_deref(), &rowids)?
        {
            m.values = expand(s, &m.values);
            details.insert((s, rowid), m);
        }
    }
    let survivorship_rules = link_survivorship(rules, priority);
    let previous = previous_decisions(&db.link_members(&link)?);
    let column_of = |s: usize, role: &str| -> Option<String> {
        sources[s]
            .roles
            .iter()
            .find(|c| c.role == role)
            .map(|c| c.column.clone())
    };
    let mut members_out: Vec<LinkMemberRow> = Vec::new();
    let (mut pair_rows, mut golden_rows, mut views, mut pair_views) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut kept = 0;
    let mut cross = 0;
    for (n, cluster) in found.clusters.iter().enumerate() {
        let id = n as i64 + 1;
        let members: Vec<&(usize, crate::staging::SourceRow)> =
            cluster.members.iter().map(|&i| &rows[i as usize]).collect();
        if members.iter().any(|(s, _)| *s != members[0].0) {
            cross += 1;
        }
        let info: Vec<Member> = members
            .iter()
            .map(|(s, r)| {
                let d = &details[&(*s, r.rowid)];
                Member {
                    order: ((*s as u64) << 56) | ((r.batch as u64) << 32) | r.row as u64,
                    dataset: sources[*s].dataset.clone(),
                    values: d.values.clone(),
                    filled: d.filled,
                    recency: d.recency.as_deref().and_then(crate::values::date::any_date),
                }
            })
            .collect();
        let (mut survivor, mut rule) = survivorship::survivor(&survivorship_rules, &info);
        let mut status = "proposed".to_string();
        let mut key: Vec<(String, i64, i64)> = members
            .iter()
            .map(|(s, r)| (sources[*s].dataset.clone(), r.batch, r.row))
            .collect();
        key.sort();
        if let Some((old_status, (old_dataset, old_id))) = previous.get(&key) {
            status = old_status.clone();
            if let Some(pos) = members
                .iter()
                .position(|(s, r)| &sources[*s].dataset == old_dataset && &r.id == old_id)
            {
                if pos != survivor {
                    rule = "review";
                }
                survivor = pos;
            }
            kept += 1;
        }
        let golden = survivorship::golden(&survivorship_rules, union, &info, survivor);
        let (ss, sr) = members[survivor];
        // The golden record as the survivor's own columns hold it, for stage to load.
        let mut golden_columns: BTreeMap<String, String> = BTreeMap::new();
        let mut provides: Vec<Vec<serde_json::Value>> = vec![Vec::new(); members.len()];
        for g in &golden {
            let (gs, gr) = members[g.from];
            let from_column = column_of(*gs, &g.role).unwrap_or_default();
            let pick = serde_json::to_value(g.pick)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            if let (Some(column), Some(value)) = (column_of(*ss, &g.role), &g.value) {
                golden_columns.insert(column, value.clone());
            }
            provides[g.from].push(serde_json::json!({
                "role": g.role, "column": from_column, "value": g.value, "pick": pick
            }));
            golden_rows.push(GoldenRow {
                cluster: id,
                role: g.role.clone(),
                column: format!("{}.{from_column}", sources[*gs].dataset),
                value: g.value.clone(),
                from_id: format!("{}:{}", sources[*gs].dataset, gr.id),
                pick,
            });
        }
        for (i, (s, r)) in members.iter().enumerate() {
            members_out.push(LinkMemberRow {
                cluster: id,
                dataset: sources[*s].dataset.clone(),
                batch: r.batch,
                row: r.row,
                record_id: r.id.clone(),
                survivor: i == survivor,
                survivor_at: (
                    sources[*ss].dataset.clone(),
                    sr.batch,
                    sr.row,
                    sr.id.clone(),
                ),
                status: status.clone(),
                rule: rule.to_string(),
                provides: serde_json::Value::Array(provides[i].clone()).to_string(),
                golden: (i == survivor)
                    .then(|| serde_json::to_string(&golden_columns).unwrap_or_default()),
            });
        }
        let label = |i: u32| pass.label(i);
        let shown = Shown {
            cluster: id,
            status,
            rule,
            survivor,
        };
        let view = shown.view(
            cluster,
            |i| {
                let (s, r) = members[i];
                (
                    r.id.clone(),
                    r.row,
                    info[i].values.clone(),
                    Some(sources[*s].dataset.clone()),
                )
            },
            label,
            (&mut pair_rows, &mut pair_views),
        );
        views.push(view);
    }
    // Each source's own run row, so per-dataset summaries and totals read as before.
    let runs: Vec<RunRow> = sources
        .iter()
        .map(|s| RunRow {
            dataset: s.dataset.clone(),
            object: options.object.clone(),
            id_column: s.id_column.clone(),
            roles: serde_json::to_string(&s.roles).unwrap_or_default(),
            threshold: options.threshold,
            records: s.records as i64,
            candidate_pairs: found.candidate_pairs as i64,
            linked_pairs: found.linked_pairs as i64,
            clusters: members_out
                .iter()
                .filter(|m| m.dataset == s.dataset)
                .map(|m| m.cluster)
                .collect::<std::collections::BTreeSet<_>>()
                .len() as i64,
            duplicates: members_out
                .iter()
                .filter(|m| m.dataset == s.dataset && !m.survivor)
                .count() as i64,
        })
        .collect();
    let run_row = LinkRunRow {
        link: link.clone(),
        datasets: priority.clone(),
        object: options.object.clone(),
        threshold: options.threshold,
    };
    db.save_link(&LinkSave {
        run: &run_row,
        runs: &runs,
        members: &members_out,
        pairs: &pair_rows,
        golden: &golden_rows,
    })?;
    // Stage replaces a survivor it cannot load by the same rules (source priority first).
    let chosen_by = serde_json::to_string(&survivorship_rules).unwrap_or_default();
    for s in sources {
        db.save_dedupe_survivorship(&s.dataset, &chosen_by)?;
    }
    super::run::record_metrics(db)?;
    let n = found.records as u64;
    let roles = pass.roles();
    Ok(LinkReport {
        link: link.clone(),
        sources: sources.clone(),
        priority: priority.clone(),
        cross_source_clusters: cross,
        report: Report {
            dataset: link,
            object: options.object.clone(),
            roles,
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
        },
    })
}

type Decision = (String, (String, String));

/// Review decisions of a link run's stored clusters, keyed by their member set.
fn previous_decisions(rows: &[LinkMemberRow]) -> HashMap<Vec<(String, i64, i64)>, Decision> {
    let mut by_cluster: BTreeMap<i64, Vec<&LinkMemberRow>> = BTreeMap::new();
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
            let mut key: Vec<(String, i64, i64)> = m
                .iter()
                .map(|r| (r.dataset.clone(), r.batch, r.row))
                .collect();
            key.sort();
            let survivor = (m[0].survivor_at.0.clone(), m[0].survivor_at.3.clone());
            let status = m.iter().find(|r| r.status != "removed").unwrap_or(&m[0]);
            (key, (status.status.clone(), survivor))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> LinkOptions {
        LinkOptions {
            datasets: vec!["accounts".into(), "billing".into()],
            object: "account".into(),
            ids: vec![
                (None, "Id".into()),
                (Some("billing".into()), "Customer No".into()),
            ],
            fields: vec![
                ("billing.name".into(), "Customer".into()),
                ("phone".into(), "PHONE".into()),
            ],
            priority: Vec::new(),
            threshold: 0.5,
            mapped: HashMap::new(),
        }
    }

    #[test]
    fn per_source_overrides_apply_to_their_dataset_only() {
        let o = options();
        let billing = ["customer".to_string(), "customer_no".to_string()];
        assert_eq!(
            fields_for(&o, "billing", &billing).unwrap(),
            vec![("name".to_string(), "Customer".to_string())]
        );
        let accounts = ["id".to_string(), "phone".to_string()];
        assert_eq!(
            fields_for(&o, "accounts", &accounts).unwrap(),
            vec![("phone".to_string(), "PHONE".to_string())]
        );
        assert_eq!(
            id_for(&o, "billing", &billing).unwrap().as_deref(),
            Some("customer_no")
        );
        assert_eq!(
            id_for(&o, "accounts", &accounts).unwrap().as_deref(),
            Some("id")
        );
        let mut bad = options();
        bad.fields = vec![("crm.name".into(), "x".into())];
        let err = fields_for(&bad, "billing", &billing).unwrap_err();
        assert!(err.to_string().contains("not one of the datasets"), "{err}");
    }

    #[test]
    fn source_priority_decides_before_completeness() {
        let s = link_survivorship(&Rules::builtin(), &["crm".into(), "billing".into()]);
        assert_eq!(s.order[0], Criterion::SourcePriority);
        let member = |dataset: &str, filled: usize, order: u64| Member {
            order,
            dataset: dataset.into(),
            values: vec![],
            filled,
            recency: None,
        };
        // The billing record is fuller, but the CRM is the system of record.
        let m = [member("billing", 9, 1), member("crm", 3, 2)];
        assert_eq!(survivorship::survivor(&s, &m), (1, "source_priority"));
    }
}
