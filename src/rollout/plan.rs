//! The roll-out plan file (`rollout.yaml` in the workspace): phases and milestones, its strict
//! loading (unknown keys, bad dates and bad exit criteria are errors naming key and line) and
//! the YAML text crmkit writes back.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::playbook::evidence::Expr;

/// File name of the plan in the workspace.
pub const FILE: &str = "rollout.yaml";

/// Where a phase stands, as the project lead declares it (health is computed, see
/// [`super::health`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Planned,
    Active,
    Done,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Active => "active",
            Status::Done => "done",
        }
    }
}

/// One phase of the roll-out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    /// Module ids or names (see the catalogue), as written.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Teams taking part, as the user export names them.
    #[serde(default)]
    pub teams: Vec<String>,
    /// Individual users taking part (reps, by name as the exports write them).
    #[serde(default)]
    pub users: Vec<String>,
    /// Key accounts the phase works on (a pilot's case-study accounts).
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(deserialize_with = "date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "date")]
    pub end: NaiveDate,
    /// Evidence expression deciding when the phase may close.
    #[serde(default)]
    pub exit: Option<String>,
    #[serde(default)]
    pub status: Status,
    /// The day the phase was marked done.
    #[serde(default, deserialize_with = "opt_date")]
    pub completed: Option<NaiveDate>,
}

/// A dated milestone, optionally tied to a phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub name: String,
    #[serde(deserialize_with = "date")]
    pub date: NaiveDate,
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub done: bool,
}

/// The whole plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub version: u32,
    #[serde(default)]
    pub phases: Vec<Phase>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
}

fn parse_date(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write it as YYYY-MM-DD, e.g. 2027-01-11"))
}

fn date<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<NaiveDate, D::Error> {
    let text = String::deserialize(d)?;
    parse_date(&text).map_err(serde::de::Error::custom)
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => parse_date(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// A date from the command line.
pub fn parse_cli_date(text: &str) -> Result<NaiveDate> {
    parse_date(text).map_err(Error::Usage)
}

impl Phase {
    /// The exit criteria, parsed (validated at load, so a parse error here is a bug).
    pub fn exit_expr(&self) -> Option<Expr> {
        self.exit
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .and_then(|e| e.parse().ok())
    }

    /// Days the phase lasts, both ends included.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Plan {
        Plan {
            version: 1,
            ..Plan::default()
        }
    }

    /// The path of the plan in a workspace.
    pub fn path(root: &Path) -> PathBuf {
        root.join(FILE)
    }

    /// Reads the plan; a workspace without one has an empty plan.
    pub fn load(path: &Path) -> Result<Plan> {
        if !path.exists() {
            return Ok(Plan::new());
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Plan::parse(&text, path)
    }

    /// Parses and validates plan text read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Plan> {
        let plan: Plan = crate::yaml::from_str(text).map_err(|e| value_error(path, text, &e))?;
        let bad = |line: Option<usize>, message: String| Error::Yaml {
            path: path.to_path_buf(),
            message: match line {
                Some(l) => format!("{message} at line {l}"),
                None => message,
            },
        };
        if plan.version != 1 {
            return Err(bad(
                None,
                format!(
                    "unsupported version {} (this crmkit reads version 1)",
                    plan.version
                ),
            ));
        }
        let mut names: Vec<String> = Vec::new();
        for p in &plan.phases {
            let at = |key: &str| line_of(text, &p.name, key);
            if p.name.trim().is_empty() {
                return Err(bad(None, "a phase has an empty `name`".into()));
            }
            if p.end < p.start {
                return Err(bad(
                    at("end"),
                    format!(
                        "phase `{}`: `end` {} is before `start` {}",
                        p.name, p.end, p.start
                    ),
                ));
            }
            if let Some(exit) = p.exit.as_deref().filter(|e| !e.trim().is_empty())
                && let Err(why) = exit.parse::<Expr>()
            {
                return Err(bad(
                    at("exit"),
                    format!("phase `{}`: `exit`: {why}", p.name),
                ));
            }
            names.push(p.name.trim().to_lowercase());
        }
        for m in &plan.milestones {
            if m.name.trim().is_empty() {
                return Err(bad(None, "a milestone has an empty `name`".into()));
            }
            if let Some(phase) = &m.phase
                && plan.phase_index(phase).is_none()
            {
                return Err(bad(
                    line_of(text, &m.name, "phase"),
                    format!(
                        "milestone `{}`: `phase` names `{phase}`, which is not a phase of the plan",
                        m.name
                    ),
                ));
            }
            names.push(m.name.trim().to_lowercase());
        }
        let mut sorted = names.clone();
        sorted.sort();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(bad(
                None,
                format!(
                    "the name `{}` is used twice; phases and milestones need distinct names",
                    w[0]
                ),
            ));
        }
        Ok(plan)
    }

    /// Index of the phase called `name` (any case).
    pub fn phase_index(&self, name: &str) -> Option<usize> {
        let key = name.trim().to_lowercase();
        self.phases
            .iter()
            .position(|p| p.name.trim().to_lowercase() == key)
    }

    /// Index of the milestone called `name` (any case).
    pub fn milestone_index(&self, name: &str) -> Option<usize> {
        let key = name.trim().to_lowercase();
        self.milestones
            .iter()
            .position(|m| m.name.trim().to_lowercase() == key)
    }

    /// Phases in start order (then end, then as written).
    pub fn ordered(&self) -> Vec<&Phase> {
        let mut v: Vec<&Phase> = self.phases.iter().collect();
        v.sort_by_key(|p| (p.start, p.end));
        v
    }

    /// The YAML crmkit writes: a header explaining the file, then one block per phase.
    pub fn to_yaml(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let list = |v: &[String]| {
            format!(
                "[{}]",
                v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
            )
        };
        let mut out = String::from(
            "# crmkit roll-out plan: edit by hand or with `crmkit rollout add|set|done`, then run\n\
             # `crmkit rollout check`. Dates are YYYY-MM-DD; `exit` is an evidence expression over\n\
             # metrics (`adoption.weekly_active_share >= 0.8 && adoption.stale_open_share < 0.1`);\n\
             # `status` is planned, active or done. crmkit rewrites this file: comments are not kept.\n\
             version: 1\n",
        );
        if self.phases.is_empty() {
            out.push_str("phases: []\n");
        } else {
            out.push_str("phases:\n");
        }
        for p in &self.phases {
            out.push_str(&format!("  - name: {}\n", q(&p.name)));
            out.push_str(&format!("    modules: {}\n", list(&p.modules)));
            out.push_str(&format!("    teams: {}\n", list(&p.teams)));
            if !p.users.is_empty() {
                out.push_str(&format!("    users: {}\n", list(&p.users)));
            }
            if !p.accounts.is_empty() {
                out.push_str(&format!("    accounts: {}\n", list(&p.accounts)));
            }
            out.push_str(&format!("    start: {}\n    end: {}\n", p.start, p.end));
            if let Some(exit) = p.exit.as_deref().filter(|e| !e.trim().is_empty()) {
                out.push_str(&format!("    exit: {}\n", q(exit)));
            }
            out.push_str(&format!("    status: {}\n", p.status.name()));
            if let Some(c) = p.completed {
                out.push_str(&format!("    completed: {c}\n"));
            }
        }
        if self.milestones.is_empty() {
            out.push_str("milestones: []\n");
        } else {
            out.push_str("milestones:\n");
        }
        for m in &self.milestones {
            out.push_str(&format!("  - name: {}\n    date: {}\n", q(&m.name), m.date));
            if let Some(p) = &m.phase {
                out.push_str(&format!("    phase: {}\n", q(p)));
            }
            if m.done {
                out.push_str("    done: true\n");
            }
        }
        out
    }

    /// Writes the plan through [`crate::safe_write`]: atomically, owner-only. The file was read
    /// and taken in whole first, so replacing it (a person's edits included) loses nothing.
    pub fn save(&self, path: &Path) -> Result<()> {
        use crate::safe_write::{self, Kind, Overwrite};
        safe_write::write(
            path,
            Kind::Plan,
            Overwrite::Force,
            self.to_yaml().as_bytes(),
        )
    }
}

/// A YAML error, located at the line of the bad value when serde_yaml names only the entry
/// holding it (a bad date is reported at the start of its phase).
fn value_error(path: &Path, text: &str, err: &serde_yaml::Error) -> Error {
    let message = err.to_string();
    let located = message.split_once(" is not a date").and_then(|(head, _)| {
        let value = head.rsplit_once('`')?.0.rsplit_once('`')?.1;
        let from = err.location().map(|l| l.line()).unwrap_or(1);
        let line = text
            .lines()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| l.contains(value))?
            .0
            + 1;
        let head = message.split(" at line ").next().unwrap_or(&message);
        Some(format!("{head} at line {line}"))
    });
    match located {
        Some(message) => Error::Yaml {
            path: path.to_path_buf(),
            message,
        },
        None => crate::mapping::file::yaml_error(path, text, err),
    }
}

/// The 1-based line of `key:` in the block of the entry named `name`, if it can be found.
fn line_of(text: &str, name: &str, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let named = |l: &str| {
        let l = l.trim_start().trim_start_matches("- ").trim();
        // A flow mapping on one line: `- {name: Go-live, date: ..., phase: Pilot}`.
        if let Some(inner) = l.strip_prefix('{') {
            return inner.split(',').any(|part| {
                part.trim()
                    .strip_prefix("name:")
                    .is_some_and(|v| v.trim().trim_matches(['"', '\'', '}']).trim() == name)
            });
        }
        let Some(v) = l.strip_prefix("name:") else {
            return false;
        };
        let v = v.trim().trim_matches(['"', '\'']);
        v == name
    };
    let start = lines.iter().position(|l| named(l))?;
    if lines[start].contains('{') {
        return lines[start]
            .contains(&format!("{key}:"))
            .then_some(start + 1);
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    let base = indent(lines[start]);
    lines
        .iter()
        .enumerate()
        .skip(start)
        .take_while(|(i, l)| {
            *i == start
                || l.trim().is_empty()
                || indent(l) > base
                || !l.trim_start().starts_with('-')
        })
        .find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&format!("{key}:"))
        })
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "version: 1\nphases:\n  - name: Pilot\n    modules: [contacts]\n    teams: [Enterprise East]\n    start: 2027-01-11\n    end: 2027-02-05\n    exit: adoption.weekly_active_share >= 0.8\nmilestones:\n  - {name: Go-live, date: 2027-03-01, phase: Pilot}\n";

    #[test]
    fn parses_and_round_trips_through_its_yaml() {
        let plan = Plan::parse(PLAN, Path::new("rollout.yaml")).unwrap();
        assert_eq!(plan.phases[0].days(), 26);
        assert_eq!(plan.milestones[0].phase.as_deref(), Some("Pilot"));
        let again = Plan::parse(&plan.to_yaml(), Path::new("rollout.yaml")).unwrap();
        assert_eq!(again, plan);
        let mut odd = plan.clone();
        odd.phases[0].name = "Wave \"1\": <script> # x".into();
        odd.milestones[0].phase = Some(odd.phases[0].name.clone());
        let again = Plan::parse(&odd.to_yaml(), Path::new("rollout.yaml")).unwrap();
        assert_eq!(again, odd);
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let cases = [
            (PLAN.replace("    exit:", "    exits:"), "exits", "line 8"),
            (
                PLAN.replace("2027-02-05", "2027-02-31"),
                "2027-02-31",
                "line 7",
            ),
            (
                PLAN.replace("2027-02-05", "2027-01-01"),
                "before `start`",
                "line 7",
            ),
            (PLAN.replace(">= 0.8", ">= lots"), "exit", "line 8"),
            (
                PLAN.replace("phase: Pilot", "phase: Pliot"),
                "Pliot",
                "line 10",
            ),
        ];
        for (text, what, line) in cases {
            let err = Plan::parse(&text, Path::new("rollout.yaml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(what) && err.contains(line), "{err}");
        }
    }
}
