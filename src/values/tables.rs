//! The reference tables behind the value modules, read once: the builtin YAML under
//! `playbooks/` (countries, states, calling codes, placeholders), each replaced by a file of
//! the same name in the playbooks folder in force.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use super::fold;
use crate::error::{Error, Result};

const COUNTRIES: &str = include_str!("../../playbooks/countries.yaml");
const STATES: &str = include_str!("../../playbooks/states.yaml");
const PHONE: &str = include_str!("../../playbooks/phone.yaml");
const PLACEHOLDERS: &str = include_str!("../../playbooks/placeholders.yaml");
const FOOTERS: &str = include_str!("../../playbooks/report-footers.yaml");

// The profile looks up every text cell: foldhash, not SipHash.
type HashMap<K, V> = foldhash::HashMap<K, V>;
pub type HashSet<K> = foldhash::HashSet<K>;

/// Every table, prepared for lookups by [`fold::key`].
#[derive(Debug)]
pub struct Tables {
    /// name or code key -> alpha-2
    pub countries: HashMap<String, String>,
    /// alpha-2 -> name or code key -> subdivision code
    pub states: HashMap<String, HashMap<String, String>>,
    /// name or code key of any country's subdivision
    pub regions: HashSet<String>,
    /// alpha-2 -> (calling code, trunk prefix)
    pub calling: HashMap<String, (String, String)>,
    /// placeholder texts, trimmed and lowercased
    pub placeholders: HashSet<String>,
    /// literal null markers (`NULL`, `\N`, `nil`), trimmed and lowercased: empty cells
    pub nulls: HashSet<String>,
    /// Starts of a report's footer lines, lowercased (`grand totals`, `copyright (c)`).
    pub footer_lines: Vec<String>,
    /// Labels of a totals row, lowercased (`total`, `summe`).
    pub total_labels: HashSet<String>,
}

static TABLES: OnceLock<Tables> = OnceLock::new();

/// The tables in force: those installed by [`use_playbooks`], else the builtin ones.
pub fn tables() -> &'static Tables {
    TABLES.get_or_init(|| {
        // The builtin files are covered by tests, so a parse failure is a bug.
        Tables::load(None).unwrap_or_else(|e| panic!("builtin value tables: {e}"))
    })
}

/// Installs the tables of a playbooks folder (its `countries.yaml`, `states.yaml`,
/// `phone.yaml`, `placeholders.yaml` replace the builtin ones); `None` keeps the builtin ones.
/// The first call wins: a process reads one set of tables.
pub fn use_playbooks(dir: Option<&Path>) -> Result<()> {
    if TABLES.get().is_some() {
        return Ok(());
    }
    let tables = Tables::load(dir)?;
    let _ = TABLES.set(tables);
    Ok(())
}

/// The override folder a command runs with: `CRMKIT_PLAYBOOKS`, else the workspace's
/// `playbooks/` folder when it exists.
pub fn playbooks_dir(workspace: Option<&Path>) -> Option<PathBuf> {
    std::env::var_os("CRMKIT_PLAYBOOKS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            workspace
                .map(|w| w.join("playbooks"))
                .filter(|p| p.is_dir())
        })
}

/// The text of one table: `DIR/name` when present, else the builtin text.
fn source(dir: Option<&Path>, name: &str, builtin: &'static str) -> Result<(String, String)> {
    if let Some(dir) = dir {
        let path = dir.join(name);
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
            return Ok((text, path.display().to_string()));
        }
    }
    Ok((builtin.to_string(), format!("playbooks/{name}")))
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str, origin: &str) -> Result<T> {
    crate::yaml::from_str(text).map_err(|e| Error::Yaml {
        path: origin.into(),
        message: e.to_string(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FooterFile {
    lines: Vec<String>,
    totals: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceholderFile {
    placeholders: Vec<String>,
    #[serde(default)]
    nulls: Vec<String>,
}

impl Tables {
    /// Reads and prepares the tables, `dir`'s files before the builtin ones.
    pub fn load(dir: Option<&Path>) -> Result<Tables> {
        let (text, origin) = source(dir, "countries.yaml", COUNTRIES)?;
        let raw: BTreeMap<String, Vec<String>> = parse(&text, &origin)?;
        let mut countries = HashMap::default();
        for (code, names) in &raw {
            let code = code.trim().to_uppercase();
            countries.insert(fold::key(&code), code.clone());
            for name in names {
                countries.insert(fold::key(name), code.clone());
            }
        }
        let (text, origin) = source(dir, "states.yaml", STATES)?;
        let raw: BTreeMap<String, BTreeMap<String, Vec<String>>> = parse(&text, &origin)?;
        let mut states = HashMap::default();
        let mut regions = HashSet::default();
        for (country, subs) in &raw {
            let mut m = HashMap::default();
            for (code, names) in subs {
                for name in std::iter::once(code).chain(names) {
                    let k = fold::key(name);
                    regions.insert(k.clone());
                    m.insert(k, code.clone());
                }
            }
            states.insert(country.trim().to_uppercase(), m);
        }
        let (text, origin) = source(dir, "phone.yaml", PHONE)?;
        let raw: BTreeMap<String, (String, String)> = parse(&text, &origin)?;
        let calling: HashMap<String, (String, String)> = raw
            .into_iter()
            .map(|(k, v)| (k.trim().to_uppercase(), v))
            .collect();
        let (text, origin) = source(dir, "placeholders.yaml", PLACEHOLDERS)?;
        let raw: PlaceholderFile = parse(&text, &origin)?;
        let lowered = |list: &[String]| -> HashSet<String> {
            list.iter()
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect()
        };
        let placeholders = lowered(&raw.placeholders);
        let nulls = lowered(&raw.nulls);
        let (text, origin) = source(dir, "report-footers.yaml", FOOTERS)?;
        let raw: FooterFile = parse(&text, &origin)?;
        let footer_lines = lowered(&raw.lines).into_iter().collect();
        let total_labels = lowered(&raw.totals);
        Ok(Tables {
            countries,
            states,
            regions,
            calling,
            placeholders,
            nulls,
            footer_lines,
            total_labels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_load() {
        let t = Tables::load(None).unwrap();
        assert_eq!(t.countries.get("germany").map(String::as_str), Some("DE"));
        assert!(t.regions.contains("bayern"));
        assert_eq!(t.calling.get("GB"), Some(&("44".into(), "0".into())));
        assert!(t.placeholders.contains("n/a"));
    }

    #[test]
    fn a_folder_replaces_tables_by_file_name_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("placeholders.yaml"),
            "placeholders: [TBC, '?']\n",
        )
        .unwrap();
        let t = Tables::load(Some(dir.path())).unwrap();
        assert!(t.placeholders.contains("tbc"));
        assert!(!t.placeholders.contains("n/a"));
        // The other tables stay builtin.
        assert_eq!(t.countries.get("france").map(String::as_str), Some("FR"));
        std::fs::write(dir.path().join("countries.yaml"), "FR: oops: [\n").unwrap();
        let err = Tables::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("countries.yaml"), "{err}");
    }
}
