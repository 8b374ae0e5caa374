//! The mapping file (`mappings/DATASET.yaml`): a small, stable, hand-editable YAML format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::transforms::Transform;
use crate::error::{Error, Result};
use crate::staging::SourceColumn;
use crate::targets::{Field, ObjectSchema};
use crate::workspace::Target;

/// One dataset mapped to one target object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// The CRM loaded into.
    pub target: Target,
    /// Generic object name (`account`) or the target's own (`companies`).
    pub object: String,
    /// The ingested dataset (`src_DATASET`).
    pub dataset: String,
    /// A schema file (relative to the workspace) to check against instead of the builtin one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<PathBuf>,
    /// Source column -> target field, in source order.
    pub fields: Vec<FieldMapping>,
    /// Custom fields this mapping needs that the target may not have yet (create them first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<Field>,
    /// Source columns deliberately not loaded, with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmapped: Vec<Unmapped>,
    /// Picklist value maps: target field -> source value -> target value (`~` = undecided).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, BTreeMap<String, Option<String>>>,
    /// Record owners: source owner (name or email) -> target user (Salesforce username or id,
    /// HubSpot owner id or email); `~` = no user matches.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, Option<String>>,
    /// The target user who takes records whose owner has no match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_owner: Option<String>,
}

/// A `source` that names a stored score rather than a column: `score:rfm.segment` loads the
/// record's `rfm.segment` from `_scores` (written by `crmkit score` and `crmkit assign`).
pub fn score_source(source: &str) -> Option<&str> {
    source
        .strip_prefix("score:")
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The position of the column a mapping's `source` names: by header, by ingested column name,
/// then by header ignoring case and surrounding spaces.
pub fn column_index(columns: &[SourceColumn], name: &str) -> Option<usize> {
    columns
        .iter()
        .position(|c| c.header == name)
        .or_else(|| columns.iter().position(|c| c.column == name))
        .or_else(|| {
            columns
                .iter()
                .position(|c| c.header.trim().eq_ignore_ascii_case(name.trim()))
        })
}

/// One target field and where its value comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    /// Source column header (or column name); may be left out when a `default` fills the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Target field API name.
    pub target: String,
    /// How sure `map suggest` was, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Why `map suggest` chose this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Transforms applied in order.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "serde_yaml::with::singleton_map_recursive"
    )]
    pub transform: Vec<Transform>,
    /// What a value that fails costs: `reject` the record, load it `blank`, or `keep` the
    /// source text (default: by the target field's type; see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_invalid: Option<crate::stage::fate::OnInvalid>,
    /// For a reference: the parent column the values match (a name, a code, any unique
    /// column), when it is not the parent's key: `lookup: {dataset: accounts, column: Account Name}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Lookup>,
}

/// Where a reference's values are found among the parent's records.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    /// The parent's dataset (default: every dataset mapped to the parent object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// The parent column, by header or column name.
    pub column: String,
}

impl Lookup {
    /// How values are compared: case, surrounding and repeated spaces do not count.
    pub fn normalize(value: &str) -> String {
        super::transforms::collapse_spaces(value).to_lowercase()
    }
}

/// A source column left out of the load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unmapped {
    pub source: String,
    pub action: UnmappedAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What to do with an unmapped column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmappedAction {
    /// Not loaded (empty, constant, or not needed).
    Drop,
}

impl MappingFile {
    /// The target field an entry names: the object's own, else one of `custom_fields`.
    pub fn target_field<'a>(&'a self, object: &'a ObjectSchema, name: &str) -> Option<&'a Field> {
        object.field(name).or_else(|| {
            self.custom_fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
        })
    }

    /// Parses a mapping file's text; errors name `path` and the line.
    pub fn parse(text: &str, path: &Path) -> Result<MappingFile> {
        crate::yaml::from_str(text).map_err(|e| yaml_error(path, text, &e))
    }

    /// Reads a mapping file.
    pub fn load(path: &Path) -> Result<MappingFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        MappingFile::parse(&text, path)
    }

    /// The file's text: a comment header (`notes`, one per line) and the YAML.
    pub fn to_yaml(&self, notes: &[String]) -> Result<String> {
        let body = serde_yaml::to_string(self)
            .map_err(|e| Error::Other(format!("cannot write the mapping as YAML: {e}")))?;
        let mut out = String::from(
            "# crmkit field mapping: review it, then run `crmkit map check`.\n\
             # fields: source column -> target field, with transforms applied in order.\n\
             # values: picklist value maps; `~` means no target value chosen yet.\n",
        );
        for note in notes {
            out.push_str(&format!("# {note}\n"));
        }
        out.push_str(&body);
        Ok(out)
    }

    /// Writes the file (creating its folder); the caller has decided whether an existing
    /// file may go, but a workspace file never does.
    pub fn save(&self, path: &Path, notes: &[String]) -> Result<()> {
        let (kind, overwrite) = (
            crate::safe_write::Kind::Mapping,
            crate::safe_write::Overwrite::Force,
        );
        crate::safe_write::write(path, kind, overwrite, self.to_yaml(notes)?.as_bytes())
    }
}

/// A serde_yaml error as `invalid `FILE`: ... at line N`; when serde_yaml gives no position
/// (it leaves out line 1), the line is found from the key.
pub fn yaml_error(path: &Path, text: &str, err: &serde_yaml::Error) -> Error {
    let mut message = err.to_string();
    let key = message
        .split_once("unknown field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(k, _)| k.to_string());
    if let (false, Some(key)) = (message.contains(" at line "), key.clone()) {
        let prefix = format!("{key}:");
        if let Some(n) = text
            .lines()
            .position(|l| l.trim_start().trim_start_matches("- ").starts_with(&prefix))
        {
            message.push_str(&format!(" at line {} column 1", n + 1));
        }
    }
    if let Some(hint) = key
        .as_deref()
        .and_then(|k| unknown_key_hint(k, &err.to_string()))
    {
        message.push_str(&hint);
    }
    Error::Yaml {
        path: path.to_path_buf(),
        message,
    }
}

/// "; did you mean `x`?" for an unknown key, from the keys serde says it expected.
fn unknown_key_hint(key: &str, message: &str) -> Option<String> {
    // serde says "expected `a`", "expected `a` or `b`" or "expected one of `a`, `b`".
    let (_, expected) = message.split_once(", expected ")?;
    let expected = expected.split(" at line ").next().unwrap_or(expected);
    let names = expected
        .split(['`', ','])
        .map(str::trim)
        .filter(|n| !n.is_empty() && !["or", "one of"].contains(n));
    crate::suggestion::Suggestion::closest(key, names).map(|s| format!("; {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::transforms::{Case, DateSpec};

    const SAMPLE: &str = "target: salesforce
object: account
dataset: accounts
fields:
  - source: Account Name
    target: Name
    confidence: 0.95
    reason: label matches
    transform: [trim, {case: title}]
  - source: Created Date
    target: Legacy_Created_Date__c
    transform:
      - date: {formats: ['%m/%d/%Y']}
  - target: Type
    transform: [{default: Prospect}]
custom_fields:
  - {name: Legacy_Created_Date__c, type: date, custom: true}
unmapped:
  - {source: Notes, action: drop, reason: empty}
values:
  Industry:
    Tech: Technology
    Widgets: ~
";

    #[test]
    fn parses_and_round_trips() {
        let m = MappingFile::parse(SAMPLE, Path::new("m.yaml")).unwrap();
        assert_eq!(m.fields[0].transform[1], Transform::Case(Case::Title));
        assert_eq!(
            m.fields[1].transform[0],
            Transform::Date(DateSpec {
                formats: vec!["%m/%d/%Y".into()]
            })
        );
        assert_eq!(m.fields[2].source, None);
        assert_eq!(m.values["Industry"]["Widgets"], None);
        let text = m.to_yaml(&["a note".into()]).unwrap();
        assert!(text.contains("# a note"), "{text}");
        assert!(text.contains("- trim"), "{text}");
        assert!(text.contains("case: title"), "{text}");
        let back = MappingFile::parse(&text, Path::new("m.yaml")).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn unknown_keys_are_errors_with_file_and_line() {
        let cases = [
            (
                SAMPLE.replace("    confidence: 0.95", "    confidense: 0.95"),
                "line 7",
            ),
            (
                SAMPLE.replace("target: salesforce", "targte: salesforce"),
                "line 1",
            ),
            (
                SAMPLE.replace("{case: title}", "{case: title, x: 1}"),
                "line 9",
            ),
            (SAMPLE.replace("{formats:", "{format:"), "line 13"),
            (SAMPLE.replace("action: drop", "action: keep"), "line 19"),
            (
                SAMPLE.replace("custom: true}", "custom: true, colour: red}"),
                "line 17",
            ),
        ];
        for (text, line) in cases {
            let err = MappingFile::parse(&text, Path::new("mappings/a.yaml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("mappings/a.yaml"), "{err}");
            assert!(err.contains(line), "want {line}: {err}");
        }
    }
}
