//! The roll-out advice file (`playbooks/rollout.yaml`): the ranked module catalogue and the
//! thresholds of `rollout check` and phase health; embedded, or a `--playbooks DIR`'s copy.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The builtin advice, embedded.
pub const BUILTIN: &str = include_str!("../../playbooks/rollout.yaml");
/// The file name that replaces it in a playbooks folder.
pub const FILE: &str = "rollout.yaml";

/// One module a roll-out phase can bring.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub id: String,
    pub name: String,
    /// 1 is the simplest; higher touches more processes and people.
    pub rank: u32,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Thresholds.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub min_gap_days: i64,
    pub at_risk_time_left: f64,
}

/// The whole advice file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: u32,
    pub settings: Settings,
    /// Adoption figures the roll-out report shows per team (no `adoption.` prefix).
    #[serde(default)]
    pub report_metrics: Vec<String>,
    /// Exit-criteria metrics in a client's words (`adoption.win_rate: win rate`).
    #[serde(default)]
    pub metric_words: std::collections::BTreeMap<String, String>,
    pub modules: Vec<Module>,
}

impl Catalogue {
    /// The builtin file, or `dir/rollout.yaml` in its place when present.
    pub fn load(dir: Option<&Path>) -> Result<Catalogue> {
        match dir.map(|d| d.join(FILE)).filter(|p| p.is_file()) {
            Some(path) => {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
                parse(&text, &path)
            }
            None => parse(BUILTIN, Path::new("playbooks/rollout.yaml")),
        }
    }

    /// The module a name written by a person means: its id, name or an alias, any case.
    pub fn find(&self, name: &str) -> Option<&Module> {
        let key = fold(name);
        self.modules.iter().find(|m| {
            fold(&m.id) == key || fold(&m.name) == key || m.aliases.iter().any(|a| fold(a) == key)
        })
    }

    /// A usage error for a module name the catalogue does not know, with a suggestion.
    pub fn unknown(&self, name: &str) -> Error {
        let names = self.modules.iter().map(|m| m.id.as_str());
        let hint = crate::error::suggest(&fold(name), names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        Error::Usage(format!(
            "unknown module `{name}`{hint} (known: {})\n  hint: add it to a rollout.yaml in your --playbooks folder to rank it",
            self.modules
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Lowercase, with `-`, `_`, `&` and repeated spaces read as one space.
fn fold(s: &str) -> String {
    s.to_lowercase()
        .replace(['-', '_'], " ")
        .replace('&', " and ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse(text: &str, path: &Path) -> Result<Catalogue> {
    let bad = |message: String| Error::Yaml {
        path: path.to_path_buf(),
        message,
    };
    let c: Catalogue = crate::yaml::from_str(text).map_err(|e| bad(e.to_string()))?;
    if c.version != 1 {
        return Err(bad(format!(
            "unsupported version {} (this crmkit reads version 1)",
            c.version
        )));
    }
    if c.settings.min_gap_days < 0 {
        return Err(bad("`settings.min_gap_days` must be 0 or more".into()));
    }
    if !(c.settings.at_risk_time_left > 0.0 && c.settings.at_risk_time_left < 1.0) {
        return Err(bad(
            "`settings.at_risk_time_left` must be a share between 0 and 1, e.g. 0.25".into(),
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for m in &c.modules {
        let mut own: Vec<String> = std::iter::once(&m.id)
            .chain(std::iter::once(&m.name))
            .chain(&m.aliases)
            .map(|n| fold(n))
            .collect();
        own.sort();
        own.dedup();
        if let Some(clash) = own.iter().find(|k| seen.contains(k)) {
            return Err(bad(format!(
                "module `{}`: the name `{clash}` is used by another module",
                m.id
            )));
        }
        seen.extend(own);
        if m.rank == 0 {
            return Err(bad(format!("module `{}`: `rank` starts at 1", m.id)));
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_and_resolves_aliases() {
        let c = Catalogue::load(None).unwrap();
        assert_eq!(
            c.find("Contacts & Accounts").unwrap().id,
            "contacts-accounts"
        );
        assert_eq!(c.find("deals").unwrap().id, "pipeline");
        assert_eq!(c.find("Lead_Routing").unwrap().rank, 4);
        assert!(c.find("forecasting").unwrap().rank > c.find("contacts").unwrap().rank);
        assert!(c.find("telepathy").is_none());
        let err = c.unknown("forcasting").to_string();
        assert!(err.contains("did you mean `forecasting`"), "{err}");
    }

    #[test]
    fn a_name_used_twice_is_refused() {
        let text = "version: 1\nsettings: {min_gap_days: 5, at_risk_time_left: 0.25}\nmodules:\n  - {id: a, name: A one, rank: 1, aliases: [x]}\n  - {id: b, name: B two, rank: 2, aliases: [X]}\n";
        let err = parse(text, Path::new("r.yaml")).unwrap_err().to_string();
        assert!(err.contains("module `b`"), "{err}");
        let err = parse(&text.replace("modules", "modulez"), Path::new("r.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("modulez"), "{err}");
    }
}
