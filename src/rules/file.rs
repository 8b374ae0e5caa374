//! The go-to-market rules file (`playbooks/rules.yaml`): its strict model, loading (embedded,
//! or the `rules.yaml` of a `--playbooks DIR`), and the checks a file must pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::condition::Condition;
use crate::error::{Error, Result};

/// The rules compiled into the binary.
pub const BUILTIN: &str = include_str!("../../playbooks/rules.yaml");

/// The file name a playbooks folder overrides.
pub const FILE_NAME: &str = "rules.yaml";

/// The whole rules file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Role -> ingested column names that fill it, best first.
    pub columns: BTreeMap<String, Vec<String>>,
    pub datasets: Datasets,
    pub status: StatusRules,
    pub rfm: RfmRules,
    pub leads: LeadRules,
    pub territories: Territories,
}

/// Dataset names per part, best first.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Datasets {
    pub accounts: Vec<String>,
    pub opportunities: Vec<String>,
    pub transactions: Vec<String>,
    pub activities: Vec<String>,
    pub leads: Vec<String>,
    pub users: Vec<String>,
}

/// Account status: ordered rules and the status when none holds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRules {
    /// Days without activity after which an account counts as stale; conditions read it as
    /// `status.stale_after_days`. Not in the file: it is the workspace's one staleness
    /// setting (`settings.stale_after_days`, or `profile --stale-after`), set by the caller.
    #[serde(skip, default = "default_stale_after_days")]
    pub stale_after_days: u32,
    pub rules: Vec<StatusRule>,
    pub otherwise: String,
}

fn default_stale_after_days() -> u32 {
    730
}

/// One status rule.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRule {
    pub status: String,
    pub when: Condition,
}

/// RFM settings and the segment grid.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmRules {
    /// Days ahead for expected purchases and value.
    pub horizon_days: u32,
    pub segments: Vec<Segment>,
}

/// A named RFM segment.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub name: String,
    pub when: Condition,
}

/// Lead scoring, MQL/SQL and the funnel.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadRules {
    pub half_life_days: f64,
    pub points: Vec<PointRule>,
    pub mql: Condition,
    pub sql: Condition,
    pub opportunity: Condition,
    pub won: Condition,
    pub converted: Condition,
    pub fit: FitSettings,
}

/// What kind of signal a points rule reads.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    Fit,
    Behaviour,
    Rfm,
}

/// Points a lead earns when a condition holds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointRule {
    pub name: String,
    pub kind: PointKind,
    pub when: Condition,
    pub points: f64,
    /// Halve every `half_life_days` since the lead's last activity.
    #[serde(default)]
    pub decay: bool,
}

/// The logistic regression of `score leads --fit`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitSettings {
    /// L2 penalty on the weights.
    pub l2: f64,
    /// Share of the history held out to measure AUC.
    pub holdout: f64,
    pub seed: u64,
}

/// How accounts are spread over a territory's reps.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    RoundRobin,
    Capacity,
}

/// What rep balance measures.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceBy {
    Accounts,
    Pipeline,
}

/// Territory rules.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Territories {
    pub method: Method,
    pub tolerance: f64,
    pub balance_by: BalanceBy,
    #[serde(default)]
    pub capacity: BTreeMap<String, f64>,
    #[serde(default)]
    pub skip_status: Vec<String>,
    pub list: Vec<Territory>,
}

/// One territory.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Territory {
    pub name: String,
    pub when: Condition,
    pub reps: Condition,
    #[serde(default)]
    pub method: Option<Method>,
}

/// The name spaces each section's conditions may read.
const SCOPES: &[(&str, &[&str])] = &[
    ("status", &["account", "status"]),
    ("rfm.segments", &["rfm"]),
    ("leads", &["lead", "account", "rfm"]),
    ("territories.when", &["account", "rfm"]),
    ("territories.reps", &["user"]),
];

impl Rules {
    /// The rules in force: `DIR/rules.yaml` when the playbooks folder has one, else the
    /// embedded defaults.
    pub fn load(dir: Option<&Path>) -> Result<Rules> {
        match dir.map(|d| d.join(FILE_NAME)).filter(|p| p.is_file()) {
            Some(path) => {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
                Rules::parse(&text, &path)
            }
            None => Rules::builtin(),
        }
    }

    /// The embedded rules.
    pub fn builtin() -> Result<Rules> {
        Rules::parse(BUILTIN, &PathBuf::from("playbooks").join(FILE_NAME))
    }

    /// Parses and checks a rules file; errors name the file and line.
    pub fn parse(text: &str, path: &Path) -> Result<Rules> {
        let rules: Rules = crate::yaml::from_str(text)
            .map_err(|e| crate::mapping::file::yaml_error(path, text, &e))?;
        if let Some(message) = rules.problem() {
            let line = message
                .split('`')
                .nth(1)
                .and_then(|quoted| text.lines().position(|l| l.contains(quoted)))
                .map(|n| format!(" at line {}", n + 1))
                .unwrap_or_default();
            return Err(Error::Yaml {
                path: path.to_path_buf(),
                message: format!("{message}{line}"),
            });
        }
        Ok(rules)
    }

    /// The first thing wrong with a parsed file.
    fn problem(&self) -> Option<String> {
        let sections: Vec<(&str, &str, &Condition)> = self
            .status
            .rules
            .iter()
            .map(|r| ("status", r.status.as_str(), &r.when))
            .chain(
                self.rfm
                    .segments
                    .iter()
                    .map(|s| ("rfm.segments", s.name.as_str(), &s.when)),
            )
            .chain(
                self.leads
                    .points
                    .iter()
                    .map(|p| ("leads", p.name.as_str(), &p.when)),
            )
            .chain([
                ("leads", "mql", &self.leads.mql),
                ("leads", "sql", &self.leads.sql),
                ("leads", "opportunity", &self.leads.opportunity),
                ("leads", "won", &self.leads.won),
                ("leads", "converted", &self.leads.converted),
            ])
            .chain(self.territories.list.iter().flat_map(|t| {
                [
                    ("territories.when", t.name.as_str(), &t.when),
                    ("territories.reps", t.name.as_str(), &t.reps),
                ]
            }))
            .collect();
        for (section, rule, condition) in sections {
            let allowed = SCOPES
                .iter()
                .find(|(s, _)| *s == section)
                .map(|(_, a)| *a)
                .unwrap_or(&[]);
            for name in condition.names() {
                let scope = name.split('.').next().unwrap_or("");
                if !allowed.contains(&scope) {
                    return Some(format!(
                        "{section} rule `{rule}` reads `{name}`; names there start with {}",
                        allowed
                            .iter()
                            .map(|a| format!("`{a}.`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        if self.territories.tolerance < 0.0 {
            return Some("`tolerance` must be 0 or more (0.2 = 20% over the mean)".into());
        }
        if !(0.05..=0.9).contains(&self.leads.fit.holdout) {
            return Some("`holdout` must be between 0.05 and 0.9".into());
        }
        if self.leads.half_life_days <= 0.0 {
            return Some("`half_life_days` must be above 0".into());
        }
        // Every cell of the RFM grid needs a segment, or some accounts would have none.
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    let cell = |n: &str| {
                        let v = match n {
                            "rfm.r" => r,
                            "rfm.f" => f,
                            "rfm.m" => m,
                            _ => return None,
                        };
                        Some(crate::playbook::evidence::Value::Number(v as f64))
                    };
                    if !self.rfm.segments.iter().any(|s| s.when.holds(cell)) {
                        return Some(format!(
                            "`segments` cover no segment for r={r}, f={f}, m={m}; add a segment (the grid reads rfm.r, rfm.f and rfm.m, 1-5 each)"
                        ));
                    }
                }
            }
        }
        None
    }

    /// The column of `columns` that fills `role`: the column itself when it is one, else the
    /// first of the role's names present.
    pub fn column(&self, columns: &[String], name: &str) -> Option<usize> {
        columns.iter().position(|c| c == name).or_else(|| {
            self.columns
                .get(name)?
                .iter()
                .find_map(|n| columns.iter().position(|c| c == n))
        })
    }

    /// The first of `names` that is an ingested dataset.
    pub fn dataset<'a>(names: &'a [String], present: &[String]) -> Option<&'a str> {
        names
            .iter()
            .find(|n| present.contains(n))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let rules = Rules::builtin().unwrap();
        assert_eq!(rules.rfm.segments.len(), 8);
        assert_eq!(rules.status.otherwise, "dead");
    }

    #[test]
    fn unknown_key_is_named_with_a_suggestion_and_line() {
        let text = BUILTIN.replace("  horizon_days: 365", "  horizon_dayz: 365");
        let err = Rules::parse(&text, Path::new("my/rules.yaml"))
            .unwrap_err()
            .to_string();
        let line = text
            .lines()
            .position(|l| l.contains("horizon_dayz"))
            .unwrap()
            + 1;
        assert!(err.contains("my/rules.yaml"), "{err}");
        assert!(err.contains("`horizon_dayz`"), "{err}");
        assert!(err.contains("did you mean `horizon_days`?"), "{err}");
        assert!(err.contains(&format!("line {line}")), "{err}");
    }

    #[test]
    fn conditions_are_checked() {
        let text = BUILTIN.replace("when: rfm.r == 2 && rfm.f <= 2", "when: rfm.r == 2 &&");
        let err = Rules::parse(&text, Path::new("r.yaml")).unwrap_err();
        assert!(err.to_string().contains("r.yaml"), "{err}");
        let text = BUILTIN.replace(
            "when: account.days_since_activity <= status.stale_after_days",
            "when: lead.days_since_activity <= status.stale_after_days",
        );
        let err = Rules::parse(&text, Path::new("r.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`lead.days_since_activity`"), "{err}");
    }

    #[test]
    fn the_segment_grid_must_be_covered() {
        let text = BUILTIN.replace(
            "when: rfm.r == 1 && rfm.f <= 2",
            "when: rfm.r == 1 && rfm.f < 2",
        );
        let err = Rules::parse(&text, Path::new("r.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("r=1, f=2"), "{err}");
    }
}
