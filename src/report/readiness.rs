//! `report readiness`: gathers what the workspace holds (catalog, stored profile, mapping
//! files, metrics, dedupe results, stage totals, answers) into the [`Readiness`] model. It
//! reads results; it never profiles or deduplicates again.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::cleanup::Rates;
use super::model::{BlockingIssue, Duplicates, Mapping, Readiness};
use super::quality;
use super::sections::{self, EXAMPLES, NextFacts, example_columns};
use crate::error::{Error, Result};
use crate::mapping::file::MappingFile;
use crate::mapping::workflow::mapping_files;
use crate::playbook::evidence::command_for;
use crate::playbook::guide::view;
use crate::playbook::scoring::assess;
use crate::playbook::{Facts, Library, Playbook};
use crate::staging::Db;
use crate::targets::SchemaSource;
use crate::workspace::Workspace;

/// What the report is built with.
pub struct Options<'a> {
    pub library: &'a Library,
    pub rates: &'a Rates,
    /// The folder overriding builtin target schemas (`--playbooks DIR`), for mapping files.
    pub playbooks_dir: Option<PathBuf>,
    /// RFC 3339 time stamped on the report.
    pub generated_at: String,
    /// `client` or `team`: who reads it.
    pub audience: &'a str,
}

/// Builds the readiness report of the workspace.
pub fn build(ws: &Workspace, opts: &Options) -> Result<Readiness> {
    let db = ws.db()?;
    let facts = Facts::from_db(&db)?;
    let assessment = assess(opts.library, &facts, &[]);
    let ingest = sections::ingest(&db.batches()?, &db.dataset_summaries()?);
    let data_quality = match db.stored_profile()? {
        Some(document) => Some(quality::build(&document, opts.rates, Some(&db))?),
        None => None,
    };
    let mapping = mapping(ws, &facts, opts)?;
    let (duplicates, proposed) = duplicates(&db)?;
    let staging = sections::staging(&db.stage_totals()?);
    let prioritisation = super::priorities::build(&db)?;

    let mut pending = BTreeMap::new();
    for (section, absent, metric) in [
        ("ingest", ingest.is_none(), "ingest.rows"),
        ("data_quality", data_quality.is_none(), "profile.rows"),
        ("mapping", mapping.is_none(), "map.required_coverage"),
        ("duplicates", duplicates.is_none(), "dedupe.clusters"),
        ("staging", staging.is_none(), "stage.staged"),
        (
            "prioritisation",
            prioritisation.is_none(),
            "score.rfm_accounts",
        ),
    ] {
        if absent {
            pending.insert(section.to_string(), command_for(metric).to_string());
        }
    }

    let pb = opts.library.get(&ws.config.playbook)?;
    let all: Vec<&Playbook> = opts.library.playbooks.iter().map(|l| &l.playbook).collect();
    let guide = view(&assessment, pb, &all, &ws.config.playbook);
    let next_steps = sections::next_steps(
        &guide,
        &NextFacts {
            pending: &pending,
            blocking_issues: mapping.as_ref().and_then(|m| m.blocking_issues),
            proposed_clusters: proposed,
            unbalanced: staging
                .iter()
                .flat_map(|s| &s.datasets)
                .filter(|d| !d.balanced)
                .map(|d| d.dataset.clone())
                .collect(),
        },
    );
    Ok(Readiness {
        client: ws.config.client.clone(),
        target: ws.config.target.to_string(),
        generated_at: opts.generated_at.clone(),
        playbook: ws.config.playbook.clone(),
        ingest,
        readiness: sections::readiness(&assessment),
        data_quality,
        mapping,
        duplicates,
        staging,
        prioritisation,
        next_steps,
        pending,
        audience: opts.audience.to_string(),
    })
}

/// Coverage per mapping file against its target object, with the `map.*` metrics; None when
/// there is neither a mapping file nor a `map check` result.
fn mapping(ws: &Workspace, facts: &Facts, opts: &Options) -> Result<Option<Mapping>> {
    let files = mapping_files(&ws.root.join("mappings"))?;
    let coverage = facts.value("map.required_coverage");
    if files.is_empty() && coverage.is_none() {
        return Ok(None);
    }
    let mut objects = Vec::new();
    for path in &files {
        let m = MappingFile::load(path)?;
        let source = SchemaSource {
            playbooks: opts.playbooks_dir.clone(),
            custom: m.schema.as_ref().map(|f| ws.root.join(f)),
        };
        let schema = source.load(m.target)?;
        let (_, object) = schema
            .object(&m.object)
            .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        objects.push(sections::mapped_object(&name, &m, object));
    }
    let undecided: u64 = objects
        .iter()
        .flat_map(|o| &o.picklists)
        .map(|p| p.undecided.len() as u64)
        .sum();
    let not_allowed = facts.value("map.picklist_values_missing").map(|v| v as u64);
    let blocking_issues = facts.value("map.blocking_issues").map(|v| v as u64);
    let blocking: Vec<BlockingIssue> = facts
        .metrics
        .get("map.blocking_list")
        .and_then(|m| m.detail.clone())
        .unwrap_or_default()
        .lines()
        .filter_map(blocking_issue)
        .collect();
    let missing_required = objects.iter().any(|o| !o.required_missing.is_empty());
    let tone = if missing_required || coverage.is_some_and(|c| c < 1.0) {
        "bad"
    } else if coverage.is_none() || blocking_issues != Some(0) {
        // Unchecked, or something blocks: not green yet, whatever the coverage says.
        "warn"
    } else {
        "good"
    };
    Ok(Some(Mapping {
        required_coverage: coverage,
        blocking_issues,
        blocking,
        tone: tone.to_string(),
        custom_fields: objects.iter().map(|o| o.custom_fields.len()).sum(),
        picklist_values_to_map: undecided + not_allowed.unwrap_or(0),
        picklist_undecided: undecided,
        picklist_not_allowed: not_allowed,
        picklist_detail: facts
            .metrics
            .get("map.picklist_values_missing")
            .and_then(|m| m.detail.clone())
            .filter(|_| not_allowed.is_some_and(|n| n > 0)),
        objects,
    }))
}

/// One line of `map.blocking_list`: `dataset, object, kind, field, count, message` separated
/// by tabs, or `dataset, message` as earlier versions wrote it.
fn blocking_issue(line: &str) -> Option<BlockingIssue> {
    let parts: Vec<&str> = line.split('\t').collect();
    let (dataset, object, kind, field, count, message) = match parts.as_slice() {
        [d, o, k, f, n, m] => (*d, *o, *k, *f, n.parse().unwrap_or(0), *m),
        [d, m] => (*d, "", "", "", 0, *m),
        _ => return None,
    };
    // `map check` writes "what is wrong: what to do".
    let (issue, fix) = message.split_once(": ").unwrap_or((message, ""));
    Some(BlockingIssue {
        dataset: dataset.to_string(),
        object: object.to_string(),
        kind: kind.to_string(),
        field: field.to_string(),
        count,
        issue: issue.to_string(),
        fix: fix.to_string(),
    })
}

/// Per deduplicated dataset, the clusters still only proposed.
type Proposed = Vec<(String, u64)>;

/// The duplicates section, and the clusters still to review.
fn duplicates(db: &Db) -> Result<(Option<Duplicates>, Proposed)> {
    let summaries = db.dedupe_summaries()?;
    let columns: BTreeMap<String, Vec<String>> = summaries
        .iter()
        .map(|s| (s.dataset.clone(), example_columns(&s.roles)))
        .collect();
    let samples = db.cluster_samples(EXAMPLES, |d| columns.get(d).cloned().unwrap_or_default())?;
    let proposed = summaries
        .iter()
        .map(|s| (s.dataset.clone(), s.clusters.saturating_sub(s.accepted)))
        .collect();
    Ok((sections::duplicates(&summaries, &samples), proposed))
}

#[cfg(test)]
mod blocking_tests {
    use super::*;

    #[test]
    fn blocking_lines_of_both_versions() {
        let b = blocking_issue(
            "accounts\tAccount\trequired_blank\tName\t4\trequired `Name` is blank: stage rejects",
        )
        .unwrap();
        assert_eq!(
            (
                b.object.as_str(),
                b.kind.as_str(),
                b.field.as_str(),
                b.count
            ),
            ("Account", "required_blank", "Name", 4)
        );
        assert_eq!(b.fix, "stage rejects");
        let old = blocking_issue("contacts\tsomething is wrong: do this").unwrap();
        assert_eq!(
            (
                old.dataset.as_str(),
                old.issue.as_str(),
                old.fix.as_str(),
                old.count
            ),
            ("contacts", "something is wrong", "do this", 0)
        );
        assert!(blocking_issue("no tabs").is_none());
    }
}
