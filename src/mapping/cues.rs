//! The value-evidence vocabulary of `map suggest` (`playbooks/value-evidence.yaml`): status
//! words that mark a status column, header words that name a record's owner.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::values::fold;

const BUILTIN: &str = include_str!("../../playbooks/value-evidence.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    status_words: Vec<String>,
    owner_header_words: Vec<String>,
}

/// The prepared vocabulary, keyed by [`fold::key`].
#[derive(Debug)]
pub struct Cues {
    status_words: HashSet<String>,
    owner_header_words: HashSet<String>,
}

impl Cues {
    /// The builtin vocabulary, or `DIR/value-evidence.yaml` when a playbooks folder has one.
    pub fn load(playbooks: Option<&Path>) -> Result<Cues> {
        if let Some(dir) = playbooks {
            let path = dir.join("value-evidence.yaml");
            if path.is_file() {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
                return Cues::parse(&text, &path.display().to_string());
            }
        }
        Cues::parse(BUILTIN, "playbooks/value-evidence.yaml")
    }

    fn parse(text: &str, origin: &str) -> Result<Cues> {
        let file: File = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
            path: origin.into(),
            message: e.to_string(),
        })?;
        let keys = |v: &[String]| {
            v.iter()
                .map(|w| fold::key(w))
                .filter(|k| !k.is_empty())
                .collect()
        };
        Ok(Cues {
            status_words: keys(&file.status_words),
            owner_header_words: keys(&file.owner_header_words),
        })
    }

    /// Whether `value` is a status word (`Active`, `Closed Won`).
    pub fn is_status(&self, value: &str) -> bool {
        self.status_words.contains(&fold::key(value))
    }

    /// Whether a word of `header` names an owner (`Assigned`, `Sales Rep`, `Account Manager`).
    pub fn names_owner(&self, header: &str) -> bool {
        super::text::words(header)
            .iter()
            .any(|w| self.owner_header_words.contains(&fold::key(w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_cues_and_overrides() {
        let c = Cues::load(None).unwrap();
        assert!(c.is_status("Active") && c.is_status("closed-won") && !c.is_status("Texas"));
        assert!(c.names_owner("Assigned") && c.names_owner("Account Manager"));
        assert!(c.names_owner("SalesRep") && !c.names_owner("Region"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("value-evidence.yaml"),
            "status_words: [live]\nowner_header_words: [steward]\n",
        )
        .unwrap();
        let c = Cues::load(Some(dir.path())).unwrap();
        assert!(c.is_status("Live") && !c.is_status("Active"));
        assert!(c.names_owner("Data Steward"));
        std::fs::write(dir.path().join("value-evidence.yaml"), "status_words: 3\n").unwrap();
        let err = Cues::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("value-evidence.yaml"), "{err}");
    }
}
