//! Adoption (issue 12): dated snapshots of the CRM exports an admin can produce (users,
//! logins, activities, opportunities, stage history, leads, usage summaries), the figures
//! measured from them, and the adoption report's model.

pub mod measure;
pub mod read;
pub mod recognise;
pub mod vocab;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::staging::Db;
pub use measure::Analysis;
pub use vocab::Vocab;

/// What `adoption ingest` was asked to do.
pub struct IngestRequest<'a> {
    pub files: &'a [PathBuf],
    pub as_of: NaiveDate,
    /// Default: the as-of date.
    pub snapshot: Option<String>,
    /// Reviewed role mappings: (their file, the mapping).
    pub mappings: &'a [(PathBuf, recognise::RoleMapping)],
    pub playbooks: Option<&'a Path>,
}

/// What an ingest did.
pub enum IngestResult {
    Done {
        snapshot: String,
        as_of: String,
        files: Vec<read::FileOutcome>,
        analysis: Box<Analysis>,
        previous: Option<String>,
    },
    /// Files no role fits: nothing was stored.
    Unrecognised(Vec<read::Unrecognised>),
}

/// Reads the files into a snapshot and measures it; `progress` follows each file's bytes,
/// then the measuring.
pub fn ingest(db: &mut Db, req: &IngestRequest, progress: &dyn Progress) -> Result<IngestResult> {
    read::check_inputs(req.files)?;
    let vocab = Vocab::load(req.playbooks)?;
    let as_of_text = req.as_of.format("%Y-%m-%d").to_string();
    let snapshot = req.snapshot.clone().unwrap_or_else(|| as_of_text.clone());
    if snapshot.trim().is_empty() {
        return Err(Error::Usage("`--snapshot` needs a name".into()));
    }
    let existing = db.adoption_snapshots()?;
    if let Some(s) = existing.iter().find(|s| s.snapshot == snapshot)
        && s.as_of != as_of_text
    {
        return Err(Error::Usage(format!(
            "snapshot `{snapshot}` is as of {}, not {as_of_text}\n  hint: give `--as-of {}` to add files to it, or another `--snapshot` name",
            s.as_of, s.as_of
        )));
    }
    let inputs: Vec<read::Input> = req
        .files
        .iter()
        .map(|path| read::Input {
            path,
            mapping: mapping_for(req.mappings, path, req.files.len()),
        })
        .collect();
    let plan = match read::plan(&vocab, &inputs)? {
        Ok(plan) => plan,
        Err(unknown) => return Ok(IngestResult::Unrecognised(unknown)),
    };
    let files = read::store(db, &vocab, &plan, &snapshot, &as_of_text, progress)?;
    progress.busy(&format!("measuring snapshot {snapshot}"));
    let measured = remeasure(db, &vocab, &snapshot);
    progress.finish();
    let (analysis, previous) = measured?;
    Ok(IngestResult::Done {
        snapshot,
        as_of: as_of_text,
        files,
        analysis: Box::new(analysis),
        previous,
    })
}

/// The mapping given for a file: the one naming its file name, else one that names no file
/// (when only one file is ingested, or only one such mapping was given).
fn mapping_for<'a>(
    mappings: &'a [(PathBuf, recognise::RoleMapping)],
    path: &Path,
    files: usize,
) -> Option<(&'a Path, &'a recognise::RoleMapping)> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    if let Some((p, m)) = mappings
        .iter()
        .find(|(_, m)| m.file.as_deref() == Some(name.as_str()))
    {
        return Some((p.as_path(), m));
    }
    let unnamed: Vec<_> = mappings.iter().filter(|(_, m)| m.file.is_none()).collect();
    match (unnamed.as_slice(), files) {
        ([(p, m)], 1) => Some((p.as_path(), m)),
        _ => None,
    }
}

/// Measures a snapshot again (against the one before it) and stores its figures.
pub fn remeasure(db: &mut Db, vocab: &Vocab, snapshot: &str) -> Result<(Analysis, Option<String>)> {
    let all = db.adoption_snapshots()?;
    let pos = all
        .iter()
        .position(|s| s.snapshot == snapshot)
        .ok_or_else(|| Error::Usage(format!("no adoption snapshot `{snapshot}`")))?;
    let as_of = NaiveDate::parse_from_str(&all[pos].as_of, "%Y-%m-%d")
        .map_err(|e| Error::Other(format!("snapshot `{snapshot}` has a bad as-of date: {e}")))?;
    let previous = match pos.checked_sub(1) {
        Some(p) => stored_analysis(db, &all[p].snapshot)?,
        None => None,
    };
    let (analysis, metrics) = measure::measure(
        db,
        vocab,
        snapshot,
        crate::values::date::days(as_of),
        previous.as_ref(),
    )?;
    let json = serde_json::to_string(&analysis)
        .map_err(|e| Error::Other(format!("cannot encode the adoption analysis: {e}")))?;
    db.put_adoption_results(snapshot, &metrics, &json, pos + 1 == all.len())?;
    Ok((analysis, previous.map(|p| p.snapshot)))
}

/// A snapshot's stored analysis.
pub fn stored_analysis(db: &Db, snapshot: &str) -> Result<Option<Analysis>> {
    db.adoption_analysis(snapshot)?
        .map(|json| {
            serde_json::from_str(&json).map_err(|e| {
                Error::Other(format!(
                    "the stored analysis of snapshot `{snapshot}` does not parse ({e}); run `crmkit adoption ingest` again"
                ))
            })
        })
        .transpose()
}
