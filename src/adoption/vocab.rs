//! The adoption vocabulary (`playbooks/adoption.yaml`): header synonyms per export role,
//! stage classes and order, lead statuses by funnel stage, and the thresholds.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::mapping::text::compact;

/// The builtin vocabulary.
pub const BUILTIN: &str = include_str!("../../playbooks/adoption.yaml");
/// Its file name in a `--playbooks` folder, which replaces the builtin one whole.
pub const FILE: &str = "adoption.yaml";

/// The roles an export can play, in the order ties are broken.
pub const ROLES: &[&str] = &[
    "users",
    "logins",
    "activities",
    "opportunities",
    "stage_history",
    "leads",
    "usage",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocab {
    pub roles: BTreeMap<String, RoleDef>,
    pub stages: Stages,
    pub lead_status: LeadStatus,
    pub truthy: Vec<String>,
    pub thresholds: Thresholds,
}

/// One export role: its fields with header synonyms, and how it is told apart.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    pub description: String,
    /// The export that provides this role, named in "not measured" notes.
    pub export: String,
    /// Each inner list: at least one of these fields must be present.
    pub required: Vec<Vec<String>>,
    /// Fields (of any role) whose presence rules this role out.
    #[serde(default)]
    pub exclude: Vec<String>,
    pub fields: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stages {
    pub won: Vec<String>,
    pub lost: Vec<String>,
    /// Open stages (and won last) in pipeline order; each entry lists equivalent names.
    pub order: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadStatus {
    pub mql: Vec<String>,
    pub sql: Vec<String>,
    pub opportunity: Vec<String>,
    pub closed: Vec<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub stale_days: i32,
    pub weekly_days: i32,
    pub monthly_days: i32,
    pub activity_weeks: i32,
    pub coaching: Coaching,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Coaching {
    pub win_rate_ratio: f64,
    pub stale_ratio: f64,
    pub past_close_ratio: f64,
    pub activity_ratio: f64,
    pub inactive_ratio: f64,
    pub dwell_ratio: f64,
    pub min_closed: u64,
    pub min_open: u64,
}

/// How a stage counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageClass {
    Open,
    Won,
    Lost,
}

impl StageClass {
    pub fn name(self) -> &'static str {
        match self {
            StageClass::Open => "open",
            StageClass::Won => "won",
            StageClass::Lost => "lost",
        }
    }
}

impl Vocab {
    /// The builtin vocabulary, or `dir/adoption.yaml` in its place when that file exists.
    pub fn load(dir: Option<&Path>) -> Result<Vocab> {
        if let Some(path) = dir.map(|d| d.join(FILE)).filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
            return parse(&text, &path);
        }
        parse(BUILTIN, Path::new("playbooks/adoption.yaml"))
    }

    /// The role definition called `name` (one of [`ROLES`]).
    pub fn role(&self, name: &str) -> &RoleDef {
        &self.roles[name]
    }

    /// The class of a stage name, by the won and lost lists.
    pub fn stage_class(&self, stage: &str) -> StageClass {
        let key = compact(stage);
        let has = |list: &[String]| list.iter().any(|s| compact(s) == key);
        if has(&self.stages.won) {
            StageClass::Won
        } else if has(&self.stages.lost) {
            StageClass::Lost
        } else {
            StageClass::Open
        }
    }

    /// The catalogue position of a stage (0 = first), when the catalogue names it.
    pub fn stage_rank(&self, stage: &str) -> Option<usize> {
        let key = compact(stage);
        self.stages
            .order
            .iter()
            .position(|names| names.iter().any(|s| compact(s) == key))
    }

    /// The funnel stage a lead status stands for: lead, mql, sql or opportunity.
    pub fn lead_stage(&self, status: &str) -> &'static str {
        let key = compact(status);
        let has = |list: &[String]| list.iter().any(|s| compact(s) == key);
        if has(&self.lead_status.opportunity) {
            "opportunity"
        } else if has(&self.lead_status.sql) {
            "sql"
        } else if has(&self.lead_status.mql) {
            "mql"
        } else {
            "lead"
        }
    }

    /// Whether a cell says yes.
    pub fn truthy(&self, value: &str) -> bool {
        let v = value.trim().to_lowercase();
        self.truthy.contains(&v)
    }
}

fn parse(text: &str, path: &Path) -> Result<Vocab> {
    let vocab: Vocab = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let bad = |message: String| Error::Yaml {
        path: path.to_path_buf(),
        message,
    };
    for role in ROLES {
        if !vocab.roles.contains_key(*role) {
            return Err(bad(format!("`roles` has no `{role}`")));
        }
    }
    let fields: Vec<&String> = vocab.roles.values().flat_map(|r| r.fields.keys()).collect();
    for (name, role) in &vocab.roles {
        if !ROLES.contains(&name.as_str()) {
            return Err(bad(format!(
                "unknown role `{name}` (known: {})",
                ROLES.join(", ")
            )));
        }
        for f in role.required.iter().flatten() {
            if !role.fields.contains_key(f) {
                return Err(bad(format!(
                    "role `{name}` requires `{f}`, which it does not define"
                )));
            }
        }
        for f in &role.exclude {
            if !fields.contains(&f) {
                return Err(bad(format!(
                    "role `{name}` excludes `{f}`, which no role defines"
                )));
            }
        }
    }
    Ok(vocab)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_vocabulary_loads_and_classes_stages() {
        let v = Vocab::load(None).unwrap();
        assert_eq!(v.stage_class("Closed Won"), StageClass::Won);
        assert_eq!(v.stage_class("closedlost"), StageClass::Lost);
        assert_eq!(v.stage_class("Proposal/Price Quote"), StageClass::Open);
        assert!(v.stage_rank("Prospecting") < v.stage_rank("Negotiation/Review"));
        assert_eq!(v.stage_rank("Appointment Scheduled"), Some(0));
        assert_eq!(v.lead_stage("Working - Contacted"), "mql");
        assert_eq!(v.lead_stage("Closed - Converted"), "opportunity");
        assert_eq!(v.lead_stage("Open - Not Contacted"), "lead");
        assert!(v.truthy(" TRUE") && !v.truthy("false"));
    }
}
