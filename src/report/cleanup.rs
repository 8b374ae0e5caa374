//! Clean-up rates per profile check (`playbooks/cleanup.yaml`): the label reports show, how
//! the records get fixed and the time that takes; and the effort estimate built from them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The builtin rates, embedded.
pub const BUILTIN: &str = include_str!("../../playbooks/cleanup.yaml");
/// The file name that overrides them in a playbooks folder.
pub const FILE: &str = "cleanup.yaml";

/// How a finding's records get fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// A person fixes each record.
    Manual,
    /// A mapping transform fixes them all once written.
    Transform,
    /// A value map fixes them: one line per distinct value, however many records hold it.
    #[serde(rename = "value_map")]
    ValueMap,
    /// A decision taken once (an exclusion rule, dropping rows).
    Rule,
}

/// The rates of one check.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub label: String,
    pub method: Method,
    #[serde(default)]
    pub minutes_per_record: f64,
    #[serde(default)]
    pub minutes_once: f64,
    /// A person's time per distinct value (a value-map line), for `value_map` fixes.
    #[serde(default)]
    pub minutes_per_value: f64,
    /// How the project team fixes it (transforms, mapping keys, commands).
    pub fix: String,
    /// The fix in a client's words, when `fix` speaks the team's (the client view shows this
    /// one, the appendix the team's).
    #[serde(default)]
    pub client_fix: Option<String>,
}

impl Rate {
    /// The fix as the client view words it.
    pub fn client_fix(&self) -> &str {
        self.client_fix.as_deref().unwrap_or(&self.fix)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    checks: BTreeMap<String, Rate>,
}

/// Rates by check name.
#[derive(Clone, Debug)]
pub struct Rates {
    pub checks: BTreeMap<String, Rate>,
}

impl Rates {
    /// The builtin rates, with `dir/cleanup.yaml` (if present) replacing them check by check.
    pub fn load(dir: Option<&Path>) -> Result<Rates> {
        let mut rates = parse(BUILTIN, Path::new("playbooks/cleanup.yaml"))?;
        if let Some(path) = dir.map(|d| d.join(FILE)).filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
            rates.checks.extend(parse(&text, &path)?.checks);
        }
        Ok(rates)
    }

    /// The rate of `check`; a check the file does not know is fixed by hand, untimed.
    pub fn get(&self, check: &str) -> Rate {
        self.checks.get(check).cloned().unwrap_or_else(|| Rate {
            label: check.replace('_', " "),
            method: Method::Manual,
            minutes_per_record: 0.0,
            minutes_once: 0.0,
            minutes_per_value: 0.0,
            fix: "no clean-up rate is defined for this check".into(),
            client_fix: None,
        })
    }
}

fn parse(text: &str, path: &Path) -> Result<Rates> {
    let file: File = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let bad = |message: String| Error::Yaml {
        path: path.to_path_buf(),
        message,
    };
    if file.version != 1 {
        return Err(bad(format!(
            "unsupported version {} (this crmkit reads version 1)",
            file.version
        )));
    }
    for (check, rate) in &file.checks {
        if !crate::profile::CHECKS.contains(&check.as_str()) {
            let hint = crate::suggestion::did_you_mean(check, crate::profile::CHECKS);
            return Err(bad(format!("unknown check `{check}`{hint}")));
        }
        for (name, v) in [
            ("minutes_per_record", rate.minutes_per_record),
            ("minutes_once", rate.minutes_once),
            ("minutes_per_value", rate.minutes_per_value),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(format!(
                    "check `{check}`: `{name}` must be a number of minutes, 0 or more"
                )));
            }
        }
    }
    Ok(Rates {
        checks: file.checks,
    })
}

/// Hours a finding of `count` records in `values` distinct values takes at `rate`, to one
/// decimal: a value map costs a line per distinct value (each record when the values are not
/// known), a transform or rule its one-off time, a manual fix its time per record.
pub fn hours(rate: &Rate, count: u64, values: Option<u64>) -> f64 {
    let lines = values.unwrap_or(count) as f64;
    round1(
        (rate.minutes_once
            + rate.minutes_per_record * count as f64
            + rate.minutes_per_value * lines)
            / 60.0,
    )
}

impl Method {
    /// The kind of fix in words, as reports show it.
    pub fn label(self) -> &'static str {
        match self {
            Method::Manual => "by hand, per record",
            Method::Transform => "bulk transform",
            Method::ValueMap => "value map",
            Method::Rule => "one decision",
        }
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rates_cover_every_check() {
        let rates = Rates::load(None).unwrap();
        for check in crate::profile::CHECKS {
            assert!(rates.checks.contains_key(check), "{check}");
        }
    }

    #[test]
    fn a_folder_file_replaces_rates_by_check() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "version: 1\nchecks:\n  invalid_email: {label: Bad mail, method: manual, minutes_per_record: 10, fix: call}\n",
        )
        .unwrap();
        let rates = Rates::load(Some(dir.path())).unwrap();
        assert_eq!(rates.get("invalid_email").label, "Bad mail");
        assert_eq!(hours(&rates.get("invalid_email"), 12, None), 2.0);
        // The others keep their builtin rates.
        assert_eq!(rates.get("invalid_phone").minutes_per_record, 2.0);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let cases = [
            (
                "version: 1\nchecks:\n  invalid_emial: {label: x, method: manual, fix: y}\n",
                "did you mean `invalid_email`",
            ),
            (
                "version: 1\nchecks:\n  invalid_email: {label: x, method: by_hand, fix: y}\n",
                "by_hand",
            ),
            (
                "version: 1\nchecks:\n  invalid_email: {label: x, method: manual, fix: y, cost: 3}\n",
                "cost",
            ),
            (
                "version: 1\nchecks:\n  invalid_email: {label: x, method: manual, fix: y, minutes_once: -1}\n",
                "0 or more",
            ),
            ("version: 2\nchecks: {}\n", "version 2"),
        ];
        for (text, expect) in cases {
            let err = parse(text, Path::new("c.yaml")).unwrap_err().to_string();
            assert!(err.contains(expect) && err.contains("c.yaml"), "{err}");
        }
    }

    fn rates_builtin() -> Rates {
        Rates::load(None).unwrap()
    }

    #[test]
    fn hours_table() {
        let rate = |per: f64, once: f64| Rate {
            label: String::new(),
            method: Method::Manual,
            minutes_per_record: per,
            minutes_once: once,
            minutes_per_value: 0.0,
            fix: String::new(),
            client_fix: None,
        };
        for (r, n, h) in [
            (rate(3.0, 0.0), 43, 2.2),
            (rate(0.0, 15.0), 500, 0.3),
            (rate(2.0, 30.0), 0, 0.5),
        ] {
            assert_eq!(hours(&r, n, None), h);
        }
        // One value-map line fixes every record holding the value: 1,480 records in 3
        // spellings take minutes, not the 49 hours a per-record rate would say.
        let map = Rate {
            method: Method::ValueMap,
            minutes_per_value: 2.0,
            minutes_once: 10.0,
            ..rate(0.0, 0.0)
        };
        assert_eq!(hours(&map, 1480, Some(3)), 0.3);
        assert_eq!(
            hours(&rates_builtin().get("invalid_value"), 1480, Some(3)),
            0.2
        );
    }
}
