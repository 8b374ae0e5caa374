//! The engagement workspace: finding it, creating it, and its `crmkit.yaml`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::staging::Db;

/// File name of the workspace configuration.
pub const CONFIG_FILE: &str = "crmkit.yaml";
/// File name of the staging database.
pub const DB_FILE: &str = "staging.db";
/// File name of the lock a command writing the workspace holds (see [`crate::lock`]).
pub const LOCK_FILE: &str = ".crmkit.lock";

/// The CRM a migration loads into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Salesforce,
    Hubspot,
    Dynamics,
    Zoho,
    Pipedrive,
}

impl Target {
    /// All targets, in the order they are documented.
    pub const ALL: [Target; 5] = [
        Target::Salesforce,
        Target::Hubspot,
        Target::Dynamics,
        Target::Zoho,
        Target::Pipedrive,
    ];

    /// The lowercase name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::Salesforce => "salesforce",
            Target::Hubspot => "hubspot",
            Target::Dynamics => "dynamics",
            Target::Zoho => "zoho",
            Target::Pipedrive => "pipedrive",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_lowercase();
        Target::ALL
            .into_iter()
            .find(|t| t.name() == lower)
            .ok_or_else(|| {
                Error::unknown("target CRM", s.trim(), "", Target::ALL.map(Target::name))
            })
    }
}

/// Contents of `crmkit.yaml`: small and hand-editable; unknown keys are errors.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Format version of this file.
    pub version: u32,
    /// The client this engagement is for.
    pub client: String,
    /// The CRM being migrated to.
    pub target: Target,
    /// The playbook the guide walks through.
    #[serde(default = "default_playbook")]
    pub playbook: String,
    /// Files `crmkit ingest` loads when called without arguments (paths relative to the workspace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<PathBuf>,
    /// Tunable settings.
    #[serde(default)]
    pub settings: Settings,
    /// References between datasets for `profile` to check, besides those it detects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ReferenceDecl>,
    /// The parent-child hierarchy for `profile` to check, instead of the one it detects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hierarchy: Option<HierarchyDecl>,
    /// Rules that keep records out of the load; `stage` records each in `_exclusions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<ExcludeRule>,
}

/// A declared reference: `{from: contacts.account_id, to: accounts.account_id}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReferenceDecl {
    /// `dataset.column` holding the reference.
    pub from: String,
    /// `dataset.column` it points at.
    pub to: String,
}

/// A declared hierarchy: `{dataset: accounts, id: account_id, parent: parent_account_id}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HierarchyDecl {
    pub dataset: String,
    pub id: String,
    pub parent: String,
}

/// A rule that excludes records of one dataset from the load, by one column's value.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExcludeRule {
    /// Name recorded with each excluded record, e.g. `dead_accounts`.
    pub name: String,
    pub dataset: String,
    /// Column (ingested name or original header).
    pub column: String,
    /// Exclude when the value is one of these (trimmed, any case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Exclude when the value is blank.
    #[serde(default, skip_serializing_if = "is_false")]
    pub blank: bool,
    /// Exclude when the value is a date more than this many days before the as-of date, or blank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than_days: Option<u32>,
    /// Exclude accounts whose key (the value of `column`) the last profile found `dead` or
    /// `dormant` (stale, no open opportunity, no recent win).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountState>,
}

/// An account status from the profile, as exclusion rules name it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AccountState {
    Dead,
    Dormant,
}

impl AccountState {
    /// The name stored by `profile`.
    pub fn name(self) -> &'static str {
        match self {
            AccountState::Dead => "dead",
            AccountState::Dormant => "dormant",
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Engagement-wide settings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Days without activity after which a record counts as stale.
    pub stale_after_days: u32,
    /// `dataset.column` dates that say when a record was last touched, replacing the columns
    /// `profile` would pick by name for that dataset.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub activity_columns: Vec<String>,
    /// Stage merges duplicate clusters still only proposed (not accepted in review) too.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub merge_proposed_duplicates: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            stale_after_days: 730,
            activity_columns: Vec::new(),
            merge_proposed_duplicates: false,
        }
    }
}

fn default_playbook() -> String {
    "implementation".to_string()
}

impl Config {
    /// A fresh configuration for `client` migrating to `target`.
    pub fn new(client: &str, target: Target) -> Self {
        Config {
            version: 1,
            client: client.to_string(),
            target,
            playbook: default_playbook(),
            sources: Vec::new(),
            settings: Settings::default(),
            references: Vec::new(),
            hierarchy: None,
            exclude: Vec::new(),
        }
    }

    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let config: Config = crate::yaml::from_str(&text).map_err(|e| Error::Yaml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if config.version != 1 {
            return Err(Error::Input(format!(
                "`{}`: unsupported version {} (this crmkit reads version 1)",
                path.display(),
                config.version
            )));
        }
        Ok(config)
    }

    /// The YAML text written by `init`, with comments that explain each key.
    pub fn to_yaml(&self) -> String {
        format!(
            "# crmkit engagement configuration (see `crmkit --help`)\n\
             version: 1\n\
             client: {client}\n\
             # salesforce | hubspot | dynamics | zoho | pipedrive\n\
             target: {target}\n\
             playbook: {playbook}\n\
             # files that `crmkit ingest` loads when given no arguments, relative to this folder\n\
             sources: []\n\
             settings:\n  \
               # a record with no activity for this many days is stale\n  \
               stale_after_days: {stale}\n  \
               # stage merges duplicate clusters only once accepted in `crmkit dedupe apply`,\n  \
               # unless this is true\n  \
               merge_proposed_duplicates: {merge}\n\
             # records `crmkit stage` keeps out of the load, each under its rule's name, e.g.\n\
             # exclude:\n\
             #   - {{name: dead_accounts, dataset: accounts, column: Account ID, status: dead}}\n\
             #   - {{name: former_customers, dataset: accounts, column: Type, values: [Former Customer]}}\n",
            client = serde_json::to_string(&self.client).unwrap_or_default(),
            target = self.target,
            playbook = self.playbook,
            stale = self.settings.stale_after_days,
            merge = self.settings.merge_proposed_duplicates,
        )
    }
}

/// An open engagement workspace.
pub struct Workspace {
    /// The folder holding `crmkit.yaml`.
    pub root: PathBuf,
    /// The parsed configuration.
    pub config: Config,
}

impl Workspace {
    /// Creates a new workspace in `dir` (made if missing); refuses if one exists there.
    pub fn init(dir: &Path, config: Config) -> Result<Workspace> {
        let config_path = dir.join(CONFIG_FILE);
        if config_path.exists() || dir.join(DB_FILE).exists() {
            return Err(Error::WorkspaceExists(dir.to_path_buf()));
        }
        // Client data is for the owner's eyes only, whatever the umask: folders 0700, files
        // 0600; SQLite gives its -wal and -shm files the database file's permissions.
        for sub in ["", "mappings", "out"] {
            crate::safe_write::create_dir(&dir.join(sub))?;
        }
        write_private(&config_path, config.to_yaml().as_bytes())?;
        let db_path = dir.join(DB_FILE);
        write_private(&db_path, b"")?;
        let ws = Workspace {
            root: dir.to_path_buf(),
            config,
        };
        ws.db()?;
        Ok(ws)
    }

    /// Opens the workspace at `dir` exactly (for `-w DIR`); refuses one that belongs to
    /// another user.
    pub fn open(dir: &Path) -> Result<Workspace> {
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(Error::NotAWorkspace {
                start: dir.to_path_buf(),
            });
        }
        check_owner(dir, &config_path)?;
        Ok(Workspace {
            root: dir.to_path_buf(),
            config: Config::load(&config_path)?,
        })
    }

    /// Finds the workspace by walking up from `start`.
    pub fn discover(start: &Path) -> Result<Workspace> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        start
            .ancestors()
            .find(|dir| dir.join(CONFIG_FILE).is_file())
            .map(Workspace::open)
            .unwrap_or(Err(Error::NotAWorkspace { start }))
    }

    /// Opens (and migrates) the staging database.
    pub fn db(&self) -> Result<Db> {
        Db::open(&self.db_path())
    }

    /// Path of the staging database.
    pub fn db_path(&self) -> PathBuf {
        self.root.join(DB_FILE)
    }

    /// The folder for reports and export files.
    pub fn out_dir(&self) -> PathBuf {
        self.root.join("out")
    }
}

/// Creates `path` (empty or not) readable and writable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(crate::safe_write::FILE_MODE)
        .open(path)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            crate::safe_write::set_mode(path, crate::safe_write::FILE_MODE)
        })
        .map_err(|e| Error::io("write", path, e))
}

/// Refuses a workspace whose folder or `crmkit.yaml` another user owns: its templates,
/// playbooks and settings would run with this user's rights and data.
fn check_owner(dir: &Path, config: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let uid = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.uid())
            .map_err(|e| Error::io("read", p, e))
    };
    let me = rustix::process::geteuid().as_raw();
    match foreign_owner(me, [(dir, uid(dir)?), (config, uid(config)?)]) {
        None => Ok(()),
        Some((path, owner)) => Err(Error::Usage(format!(
            "`{}` belongs to another user (uid {owner}, you are uid {me}); refusing to use the workspace `{}`\n  hint: work in a workspace of your own (`crmkit init DIR`), or ask its owner to run the command",
            path.display(),
            dir.display()
        ))),
    }
}

/// The first of `owned` (a path and its owner's uid) not owned by `me`.
fn foreign_owner<'a>(
    me: u32,
    owned: impl IntoIterator<Item = (&'a Path, u32)>,
) -> Option<(&'a Path, u32)> {
    owned.into_iter().find(|(_, owner)| *owner != me)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_of_another_user_is_refused() {
        let (d, c) = (Path::new("/ws"), Path::new("/ws/crmkit.yaml"));
        assert_eq!(foreign_owner(1000, [(d, 1000), (c, 1000)]), None);
        assert_eq!(foreign_owner(1000, [(d, 1001), (c, 1000)]), Some((d, 1001)));
        assert_eq!(foreign_owner(1000, [(d, 1000), (c, 0)]), Some((c, 0)));
        // root is no exception: another user's workspace could run its templates as root.
        assert_eq!(foreign_owner(0, [(d, 1000), (c, 1000)]), Some((d, 1000)));
    }

    #[test]
    fn init_creates_owner_only_files_and_folders() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("acme");
        let ws = Workspace::init(&root, Config::new("Acme", Target::Zoho)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for sub in ["", "mappings", "out"] {
            assert_eq!(mode(&root.join(sub)), 0o700, "{sub}");
        }
        assert_eq!(mode(&root.join(CONFIG_FILE)), 0o600);
        assert_eq!(mode(&ws.db_path()), 0o600);
        assert!(Workspace::open(&root).is_ok(), "the owner may use it");
    }

    #[test]
    fn config_round_trips_through_its_yaml() {
        let config = Config::new("Acme \"Corp\": EU", Target::Hubspot);
        let parsed: Config = serde_yaml::from_str(&config.to_yaml()).unwrap();
        assert_eq!(parsed, config);
    }

    #[test]
    fn unknown_keys_are_rejected_with_a_line() {
        let err = serde_yaml::from_str::<Config>(
            "version: 1\nclient: x\ntarget: zoho\ntargte: hubspot\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("targte"), "{err}");
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn target_names_parse_with_hints() {
        assert_eq!("HubSpot".parse::<Target>().unwrap(), Target::Hubspot);
        let err = "salesforc".parse::<Target>().unwrap_err().to_string();
        assert!(err.contains("did you mean `salesforce`"), "{err}");
    }
}
