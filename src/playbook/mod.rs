//! Playbooks: the embedded defaults, overrides from a folder, cross-file validation, and the
//! engagement facts (answers and metrics) that scoring, the guide and checklists read.

pub mod answer;
pub mod checklist;
pub mod evidence;
pub mod guide;
pub mod model;
pub mod scoring;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::staging::{Db, Metric};
pub use model::{Dimension, Item, Kind, Playbook, Role, Step};

/// The playbooks compiled into the binary, in walk order, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "pre-implementation.yaml",
        include_str!("../../playbooks/pre-implementation.yaml"),
    ),
    (
        "implementation.yaml",
        include_str!("../../playbooks/implementation.yaml"),
    ),
    (
        "integration-mapping.yaml",
        include_str!("../../playbooks/integration-mapping.yaml"),
    ),
    (
        "best-practices.yaml",
        include_str!("../../playbooks/best-practices.yaml"),
    ),
];

/// Where a playbook came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin => f.write_str("builtin"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A problem found while loading or validating, located as precisely as known.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A loaded playbook and where it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub playbook: Playbook,
    pub origin: Origin,
}

/// All playbooks in force: the builtin ones, overridden or extended from a folder.
#[derive(Clone, Debug, Default)]
pub struct Library {
    pub playbooks: Vec<Loaded>,
}

/// An item together with its playbook and 1-based step number.
#[derive(Clone, Copy, Debug)]
pub struct ItemRef<'a> {
    pub playbook: &'a Playbook,
    pub step: usize,
    pub step_def: &'a Step,
    pub item: &'a Item,
}

impl Library {
    /// Loads and validates; any problem is an input error listing every problem.
    pub fn load(dir: Option<&Path>) -> Result<Library> {
        let (library, problems) = Library::read(dir)?;
        if problems.is_empty() {
            return Ok(library);
        }
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        Err(Error::Input(format!(
            "the playbooks have {}:\n{}\n  hint: fix the files, then check them with `crmkit playbook validate`",
            crate::numbers::plural(problems.len() as u64, "problem", "problems"),
            list.join("\n")
        )))
    }

    /// Loads every playbook it can and reports the problems instead of failing on them.
    pub fn read(dir: Option<&Path>) -> Result<(Library, Vec<Problem>)> {
        Library::read_with(dir, &[])
    }

    /// Like [`Library::read`], with single `files` overriding (or adding to) the folder's.
    pub fn read_with(dir: Option<&Path>, files: &[PathBuf]) -> Result<(Library, Vec<Problem>)> {
        let mut sources: Vec<(String, String, Origin)> = BUILTIN
            .iter()
            .map(|(file, text)| (file.to_string(), text.to_string(), Origin::Builtin))
            .collect();
        let mut overrides = match dir {
            Some(dir) => read_dir(dir)?,
            None => Vec::new(),
        };
        for path in files {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            overrides.push((name, text, path.clone()));
        }
        for (file, text, path) in overrides {
            let explicit = files.contains(&path);
            match sources.iter_mut().find(|(f, _, _)| *f == file) {
                Some(slot) => *slot = (file, text, Origin::File(path)),
                None if explicit || is_playbook(&text) => {
                    sources.push((file, text, Origin::File(path)))
                }
                // Other YAML (targets, rules) may share the folder; it is not ours.
                None => {}
            }
        }
        let mut library = Library::default();
        let mut problems = Vec::new();
        let mut texts = Vec::new();
        let mut unparsed = false;
        for (file, text, origin) in sources {
            let label = match &origin {
                Origin::Builtin => format!("playbooks/{file}"),
                Origin::File(p) => p.display().to_string(),
            };
            match crate::yaml::from_str::<Playbook>(&text) {
                Ok(mut pb) => {
                    pb.name = stem(&file);
                    for message in model::validate(&pb) {
                        problems.push(locate(&label, &text, message));
                    }
                    texts.push((label, text));
                    library.playbooks.push(Loaded {
                        playbook: pb,
                        origin,
                    });
                }
                Err(e) => {
                    unparsed = true;
                    problems.push(Problem {
                        file: label,
                        line: e.location().map(|l| l.line()),
                        message: e.to_string(),
                    })
                }
            }
        }
        // References into a file that did not parse would all look broken; fix that first.
        let cross = if unparsed {
            Vec::new()
        } else {
            library.cross_check()
        };
        for (index, message) in cross {
            let (label, text) = &texts[index];
            problems.push(locate(label, text, message));
        }
        Ok((library, problems))
    }

    /// Problems that span files: repeated ids and references to unknown items.
    fn cross_check(&self) -> Vec<(usize, String)> {
        let mut problems = Vec::new();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (i, l) in self.playbooks.iter().enumerate() {
            for (_, _, item) in l.playbook.items() {
                if let Some(first) = seen.insert(&item.id, &l.playbook.name) {
                    problems.push((
                        i,
                        format!(
                            "item `{}`: the id is already used in playbook `{first}`; ids must be unique across playbooks",
                            item.id
                        ),
                    ));
                }
            }
        }
        let mut sections = BTreeSet::new();
        for (i, l) in self.playbooks.iter().enumerate() {
            for s in &l.playbook.checklist {
                if !sections.insert(s.id.as_str()) {
                    problems.push((i, format!("checklist section `{}` is defined twice", s.id)));
                }
            }
        }
        for (i, l) in self.playbooks.iter().enumerate() {
            let pb = &l.playbook;
            let mut refer = |what: String, id: &str, kinds: &[Kind]| match self.find_item(id) {
                None => {
                    let hint = crate::suggestion::did_you_mean(
                        id,
                        self.items().map(|r| r.item.id.as_str()),
                    );
                    problems.push((i, format!("{what} names unknown item `{id}`{hint}")));
                }
                Some(r) if !kinds.is_empty() && !kinds.contains(&r.item.question.kind) => {
                    problems.push((
                        i,
                        format!(
                            "{what} names `{id}`, a {} question; it must be {}",
                            r.item.question.kind.name(),
                            kinds
                                .iter()
                                .map(|k| k.name())
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    ));
                }
                Some(_) => {}
            };
            for (n, step) in pb.steps.iter().enumerate() {
                if let Some(o) = &step.owner {
                    refer(format!("step {} `owner`", n + 1), o, &[Kind::Text]);
                }
                if let Some(d) = &step.due {
                    refer(format!("step {} `due`", n + 1), d, &[Kind::Date]);
                }
                for item in &step.items {
                    if let Some(o) = &item.owner {
                        refer(format!("item `{}`: `owner`", item.id), o, &[Kind::Text]);
                    }
                    if let Some(d) = &item.due {
                        refer(format!("item `{}`: `due`", item.id), d, &[Kind::Date]);
                    }
                }
            }
            for c in &pb.criteria {
                for id in &c.items {
                    refer(format!("criterion `{}`", c.name), id, &[]);
                }
            }
            for s in &pb.checklist {
                for id in &s.answers {
                    refer(format!("checklist section `{}`", s.id), id, &[]);
                }
            }
        }
        problems
    }

    /// The playbook called `name`, or a usage error with the known names.
    pub fn get(&self, name: &str) -> Result<&Playbook> {
        self.playbooks
            .iter()
            .map(|l| &l.playbook)
            .find(|p| p.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.playbooks.iter().map(|l| l.playbook.name.as_str()).collect();
                let hint = crate::suggestion::did_you_mean(name, names.iter().copied());
                Error::Usage(format!(
                    "unknown playbook `{name}`{hint} (known: {})\n  hint: `crmkit playbook list` shows them",
                    names.join(", ")
                ))
            })
    }

    /// Every item of every playbook, in walk order.
    pub fn items(&self) -> impl Iterator<Item = ItemRef<'_>> {
        self.playbooks.iter().flat_map(|l| {
            l.playbook
                .items()
                .map(move |(step, step_def, item)| ItemRef {
                    playbook: &l.playbook,
                    step,
                    step_def,
                    item,
                })
        })
    }

    /// The item with this id, in whichever playbook holds it.
    pub fn find_item(&self, id: &str) -> Option<ItemRef<'_>> {
        self.items().find(|r| r.item.id == id)
    }
}

impl ItemRef<'_> {
    /// The item that names this item's owner, if any (the item's own, else its step's).
    pub fn owner_item(&self) -> Option<&str> {
        self.item
            .owner
            .as_deref()
            .or(self.step_def.owner.as_deref())
    }

    /// The item that gives this item's due date, if any.
    pub fn due_item(&self) -> Option<&str> {
        self.item.due.as_deref().or(self.step_def.due.as_deref())
    }
}

/// A stored answer in force for an item.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Answer {
    pub value: serde_json::Value,
    pub author: String,
    pub answered_at: String,
}

/// What the engagement knows: the latest answer per item and every metric.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub answers: BTreeMap<String, Answer>,
    pub metrics: BTreeMap<String, Metric>,
}

impl Facts {
    /// Reads answers and metrics from the workspace database.
    pub fn from_db(db: &Db) -> Result<Facts> {
        let mut answers = BTreeMap::new();
        for a in db.answers()? {
            // A row that is not JSON was written by hand; treat it as the plain text it is.
            let value = serde_json::from_str(&a.answer)
                .unwrap_or(serde_json::Value::String(a.answer.clone()));
            answers.insert(
                a.item,
                Answer {
                    value,
                    author: a.author,
                    answered_at: a.answered_at,
                },
            );
        }
        let metrics = db
            .metrics()?
            .into_iter()
            .map(|m| (m.name.clone(), m))
            .collect();
        Ok(Facts { answers, metrics })
    }

    /// A metric's value, if measured.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).map(|m| m.value)
    }
}

/// Writes the builtin playbooks into `dir` for editing; an existing file is replaced only
/// with `force` or when it is an earlier export nobody has edited.
pub fn export(dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    use crate::safe_write::{self, Kind, Overwrite};
    let overwrite = Overwrite::from_force(force);
    // The go-to-market rules are edited in the same folder, so they are written out too.
    let files: Vec<(&str, &str)> = BUILTIN
        .iter()
        .copied()
        .chain([(crate::rules::file::FILE_NAME, crate::rules::file::BUILTIN)])
        .collect();
    let targets: Vec<PathBuf> = files.iter().map(|(f, _)| dir.join(f)).collect();
    for path in &targets {
        safe_write::check(path, Kind::Playbook, overwrite)?;
    }
    for ((_, text), path) in files.iter().zip(&targets) {
        safe_write::write(path, Kind::Playbook, overwrite, text.as_bytes())?;
    }
    Ok(targets)
}

fn read_dir(dir: &Path) -> Result<Vec<(String, String, PathBuf)>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read folder", dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io("read folder", dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
            files.push((name, text, path));
        }
    }
    files.sort();
    Ok(files)
}

/// A YAML file is a playbook when its top level has `steps`.
fn is_playbook(text: &str) -> bool {
    crate::yaml::from_str::<serde_yaml::Value>(text)
        .ok()
        .and_then(|v| v.as_mapping().map(|m| m.contains_key("steps")))
        .unwrap_or(false)
}

fn stem(file: &str) -> String {
    file.trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .to_string()
}

/// Finds the line of the item or section a validation message names.
fn locate(file: &str, text: &str, message: String) -> Problem {
    let named = ["item `", "checklist section `", "criterion `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let line = named.and_then(|id| {
        text.lines().position(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim();
            l == format!("id: {id}") || l == format!("name: {id}")
        })
    });
    Problem {
        file: file.to_string(),
        line: line.map(|l| l + 1),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_playbook_loads_and_validates() {
        let (library, problems) = Library::read(None).unwrap();
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(problems.is_empty(), "{}", list.join("\n"));
        assert_eq!(library.playbooks.len(), BUILTIN.len());
        for l in &library.playbooks {
            assert_eq!(l.origin, Origin::Builtin);
        }
    }

    #[test]
    fn every_role_and_dimension_is_used() {
        let library = Library::load(None).unwrap();
        for role in Role::ALL {
            assert!(
                library.items().any(|r| r.item.roles.contains(&role)),
                "{role}"
            );
        }
        for dim in Dimension::ALL {
            assert!(library.items().any(|r| r.item.dimension == dim), "{dim}");
        }
    }

    /// Every part of the source material (shared/reference/playbook-source.md) is reachable.
    #[test]
    fn every_source_topic_is_covered() {
        let library = Library::load(None).unwrap();
        let mut tags = BTreeSet::new();
        for l in &library.playbooks {
            let pb = &l.playbook;
            tags.extend(pb.refs.iter().cloned());
            for s in &pb.steps {
                tags.extend(s.refs.iter().cloned());
                for i in &s.items {
                    tags.extend(i.refs.iter().cloned());
                }
            }
            for s in &pb.checklist {
                tags.extend(s.refs.iter().cloned());
            }
        }
        let expected = [
            // A: the four-step playbook.
            "A.causes.data",
            "A.causes.process",
            "A.causes.assignments",
            "A.causes.reporting",
            "A.causes.updating",
            "A.1.sources",
            "A.1.bad-data",
            "A.1.verification",
            "A.1.status",
            "A.1.hierarchy",
            "A.1.prioritisation",
            "A.1.territory",
            "A.1.pilot",
            "A.2.leads",
            "A.2.enhancement",
            "A.2.touchpoints",
            "A.2.discovery",
            "A.3.mql",
            "A.3.sql",
            "A.3.baseline-process",
            "A.3.existing-accounts",
            "A.3.funnel-dashboard",
            "A.3.performance-dashboard",
            "A.3.accountability",
            "A.4.lead-scoring",
            "A.4.rep-performance",
            "A.4.leadership",
            "A.4.organisational",
            "A.success.transparency",
            "A.success.actionability",
            "A.success.credibility",
            // B: why strategies fail, best practices.
            "B.failure-rate",
            "B.root.technology",
            "B.root.user-needs",
            "B.root.measures",
            "B.buy-in.management",
            "B.buy-in.employees",
            "B.cross-team",
            "B.data.define-customer",
            "B.data.standardise",
            "B.data.collect",
            "B.data.necessary-fields",
            "B.data.clean",
            "B.connect.personalise",
            "B.connect.social",
            "B.evaluate.software",
            "B.evaluate.staff",
            "B.evaluate.automate",
            // C: mapping an integration.
            "C.connector",
            "C.fields",
            "C.definitions",
            "C.admin",
            "C.sales-buy-in",
            "C.datasets",
            "C.vendor-support",
            "C.campaigns",
            "C.moving-parts",
            "C.data-flow",
            "C.lead-or-contact",
            "C.custom-fields",
            "C.proof",
            // D: ten things before implementing.
            "D.1",
            "D.2",
            "D.3",
            "D.4",
            "D.5",
            "D.6",
            "D.7",
            "D.8",
            "D.9",
            "D.10",
            "D.pre-planning",
            // E: what CRM systems are for.
            "E.kinds",
            "E.benefits.service",
            "E.benefits.sales",
            "E.benefits.retention",
            "E.benefits.segmentation",
            "E.benefits.forecasting",
            "E.claims",
            "E.choosing",
        ];
        let missing: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|t| !tags.contains(*t))
            .collect();
        assert!(missing.is_empty(), "source topics not covered: {missing:?}");
        let unknown: Vec<&String> = tags
            .iter()
            .filter(|t| !expected.contains(&t.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "refs that name no source topic: {unknown:?}"
        );
    }

    #[test]
    fn a_folder_overrides_by_file_name_and_adds_playbooks() {
        let dir = tempfile::tempdir().unwrap();
        let (_, original) = BUILTIN[1];
        std::fs::write(
            dir.path().join("implementation.yaml"),
            original.replacen("title: ", "title: Edited ", 1),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("extra.yaml"),
            "version: 1\ntitle: Extra\ndescription: d\nsteps:\n  - title: S\n    summary: s\n    items:\n      - id: extra.one\n        title: One\n        why: w\n        roles: [lead]\n        question: {kind: yes_no, text: Q?}\n        weight: 1\n        dimension: people\n        recommendation: r\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("synonyms.yaml"), "account: [company]\n").unwrap();
        let library = Library::load(Some(dir.path())).unwrap();
        let pb = library.get("implementation").unwrap();
        assert!(pb.title.starts_with("Edited "), "{}", pb.title);
        assert!(library.get("extra").is_ok());
        assert!(library.get("synonyms").is_err());
        assert_eq!(library.playbooks.len(), BUILTIN.len() + 1);
    }

    #[test]
    fn cross_file_problems_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let (_, original) = BUILTIN[1];
        // Re-use an id from another playbook and point a criterion at a typo.
        let pre = Library::load(None).unwrap();
        let other = pre.get("pre-implementation").unwrap().steps[0].items[0]
            .id
            .clone();
        let first = pre.get("implementation").unwrap().steps[0].items[0]
            .id
            .clone();
        let text = original.replacen(&format!("id: {first}"), &format!("id: {other}"), 1);
        std::fs::write(dir.path().join("implementation.yaml"), text).unwrap();
        let (_, problems) = Library::read(Some(dir.path())).unwrap();
        let dup = problems
            .iter()
            .find(|p| p.message.contains("already used"))
            .unwrap_or_else(|| panic!("{problems:?}"));
        assert!(dup.line.is_some(), "{dup}");
        assert!(Library::load(Some(dir.path())).is_err());
    }

    #[test]
    fn export_writes_the_defaults_and_refuses_to_overwrite_edits() {
        let dir = tempfile::tempdir().unwrap();
        let written = export(dir.path(), false).unwrap();
        assert_eq!(written.len(), BUILTIN.len() + 1);
        assert!(dir.path().join("rules.yaml").is_file());
        // Its own unchanged files may be written again; an edited one only with force.
        export(dir.path(), false).unwrap();
        std::fs::write(&written[0], BUILTIN[0].1.replace("steps", "steps ")).unwrap();
        assert!(export(dir.path(), false).is_err());
        export(dir.path(), true).unwrap();
        let library = Library::load(Some(dir.path())).unwrap();
        assert!(
            library
                .playbooks
                .iter()
                .all(|l| matches!(l.origin, Origin::File(_)))
        );
    }
}
