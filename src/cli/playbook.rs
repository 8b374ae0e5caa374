//! `crmkit playbook`: list, show, validate and export the playbooks; and the `--playbooks DIR`
//! flag every playbook-reading command shares.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{ExitStatus, GlobalArgs};
use crate::error::{Error, Result};
use crate::output;
use crate::playbook::{self, Library};
use crate::workspace::Workspace;

/// Where playbooks are overridden from.
#[derive(Debug, Args)]
pub struct PlaybooksDir {
    /// Folder whose YAML files override the builtin playbooks by file name (default: the
    /// workspace's `playbooks/` folder when it exists)
    #[arg(
        long = "playbooks",
        value_name = "DIR",
        env = "CRMKIT_PLAYBOOKS",
        hide_env_values = true,
        global = true
    )]
    pub dir: Option<PathBuf>,
}

impl PlaybooksDir {
    /// The override folder in force: the flag, else `<workspace>/playbooks` if present.
    pub fn resolve(&self, ws: Option<&Workspace>) -> Option<PathBuf> {
        self.dir
            .clone()
            .or_else(|| ws.map(|w| w.root.join("playbooks")).filter(|p| p.is_dir()))
    }

    /// Loads and validates the playbooks in force.
    pub fn load(&self, ws: Option<&Workspace>) -> Result<Library> {
        Library::load(self.resolve(ws).as_deref())
    }
}

/// Arguments of `crmkit playbook`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit playbook list\n  crmkit playbook show implementation\n  \
crmkit playbook export my-playbooks\n  crmkit playbook validate --playbooks my-playbooks"
)]
pub struct PlaybookArgs {
    #[command(subcommand)]
    pub command: PlaybookCommand,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
}

/// The `playbook` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// List the playbooks in force
    #[command(after_help = "Example:\n  crmkit playbook list --json")]
    List {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show a playbook's steps and items
    #[command(after_help = "Example:\n  crmkit playbook show pre-implementation")]
    Show {
        /// Playbook name (the file stem, e.g. `implementation`)
        name: String,
        /// Print the parsed playbook as JSON
        #[arg(long)]
        json: bool,
    },
    /// Check the playbooks in force, or the given files, against the schema
    #[command(
        after_help = "Examples:\n  crmkit playbook validate\n  crmkit playbook validate my-playbooks/implementation.yaml"
    )]
    Validate {
        /// Playbook files to check in place of the ones with the same name
        files: Vec<PathBuf>,
        /// Print the playbooks checked and the problems found as JSON
        #[arg(long)]
        json: bool,
    },
    /// Write the builtin playbooks to a folder for editing
    #[command(
        visible_alias = "init-dir",
        after_help = "Example:\n  crmkit playbook export playbooks\n\nFiles in the workspace's `playbooks/` folder \
(or the folder given with --playbooks) then override the builtin ones by file name."
    )]
    Export {
        /// Folder to write to (default: the workspace's `playbooks/`)
        dir: Option<PathBuf>,
        /// Overwrite files that already exist
        #[arg(long)]
        force: bool,
    },
}

/// The workspace if there is one; playbook commands also work outside a workspace.
pub(super) fn optional_workspace(global: &GlobalArgs) -> Result<Option<Workspace>> {
    match global.workspace() {
        Ok(ws) => Ok(Some(ws)),
        Err(Error::NotAWorkspace { .. }) if global.workspace.is_none() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs a `playbook` subcommand.
pub fn run(args: PlaybookArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = optional_workspace(global)?;
    let dir = args.playbooks.resolve(ws.as_ref());
    match args.command {
        PlaybookCommand::List { json } => {
            let library = Library::load(dir.as_deref())?;
            if json {
                output::json(&output::playbook::list_json(&library))?;
            } else {
                output::print(&output::playbook::render_list(&library))?;
            }
            Ok(ExitStatus::Success)
        }
        PlaybookCommand::Show { name, json } => {
            let library = Library::load(dir.as_deref())?;
            let pb = library.get(&name)?;
            if json {
                output::json(pb)?;
            } else {
                output::print(&output::playbook::render_show(pb))?;
            }
            Ok(ExitStatus::Success)
        }
        PlaybookCommand::Validate { files, json } => {
            let (library, mut problems) = Library::read_with(dir.as_deref(), &files)?;
            // The folder's rules.yaml is checked too: it lives beside the playbooks.
            if let Err(e) = crate::rules::Rules::load(dir.as_deref()) {
                problems.push(playbook::Problem {
                    file: crate::rules::file::FILE_NAME.into(),
                    line: None,
                    message: e.to_string(),
                });
            }
            if json {
                output::json(&output::playbook::validate_json(&library, &problems))?;
            } else {
                output::print(&output::playbook::render_validate(&library, &problems))?;
            }
            Ok(if problems.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Findings
            })
        }
        PlaybookCommand::Export { dir: to, force } => {
            let to = match (to, &ws) {
                (Some(d), _) => d,
                (None, Some(ws)) => ws.root.join("playbooks"),
                (None, None) => {
                    return Err(Error::Usage(
                        "no folder given and not inside a workspace\n  hint: crmkit playbook export DIR"
                            .into(),
                    ));
                }
            };
            let written = playbook::export(&to, force)?;
            output::print(&output::playbook::render_export(
                &to,
                &written,
                in_workspace(&to, ws.as_ref()),
            ))?;
            Ok(ExitStatus::Success)
        }
    }
}

/// True when `dir` is the workspace's own override folder (used without a flag).
fn in_workspace(dir: &Path, ws: Option<&Workspace>) -> bool {
    ws.is_some_and(|w| {
        std::path::absolute(dir).ok() == std::path::absolute(w.root.join("playbooks")).ok()
    })
}
