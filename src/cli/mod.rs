//! The command line: argument parsing (the only clap user) and dispatch to one file per command.

mod adoption;
mod assess;
mod assign;
mod checklist;
mod completions;
mod dedupe;
mod demo;
mod export;
mod guide;
mod ingest;
mod init;
mod man;
mod map;
mod playbook;
mod profile;
mod reconcile;
mod report;
mod rollout;
mod samples;
mod schema;
mod score;
mod stage;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::output;
use crate::workspace::Workspace;

/// crmkit: assess, clean and migrate a client's CRM data, and guide the implementation.
#[derive(Debug, Parser)]
#[command(
    name = "crmkit",
    version,
    about = "CRM migration and implementation toolkit",
    long_about = "crmkit walks a CRM implementation through its playbook and backs every step with \
evidence from the client's own exports: ingest them losslessly into a workspace, profile, map, \
stage, dedupe and report.",
    after_help = "Start with `crmkit demo` for a full run on bundled sample data, or \
`crmkit init acme` to open an engagement.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Workspace folder (default: found by walking up from the current folder; init, schema,
    /// samples, demo, completions and man use none and refuse it)
    #[arg(short = 'w', long = "workspace", global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// No progress bars on stderr (they are drawn only on a terminal anyway)
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Set once the workspace in use has been named on stderr, so it is named once.
    #[arg(skip)]
    pub announced: std::cell::Cell<bool>,
}

/// `--force`, for commands that write output files.
#[derive(Debug, Args, Clone, Copy)]
pub struct ForceFlag {
    /// Replace an existing file that is not crmkit's own unchanged output (never a workspace file)
    #[arg(long)]
    pub force: bool,
}

impl ForceFlag {
    /// The flag as an overwrite policy.
    pub fn overwrite(self) -> crate::safe_write::Overwrite {
        crate::safe_write::Overwrite::from_force(self.force)
    }
}

/// The subcommands, in the order an engagement uses them.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an engagement workspace
    Init(init::InitArgs),
    /// Load CSV/TSV/XLSX/XLS/ODS exports into the workspace, losslessly
    Ingest(ingest::IngestArgs),
    /// Show what the workspace holds
    Status(status::StatusArgs),
    /// Data quality: column types and fill, invalid values, keys, references, hierarchy, staleness
    Profile(profile::ProfileArgs),
    /// List, show and pull target CRM schemas
    Schema(schema::SchemaArgs),
    /// Suggest and check field mappings from datasets to target objects
    Map(map::MapArgs),
    /// Find duplicate records, propose survivors, apply a review
    Dedupe(dedupe::DedupeArgs),
    /// Account status, RFM and purchase propensity, lead scoring (rules.yaml)
    Score(score::ScoreArgs),
    /// Assign accounts to territories and reps; rep balance and rebalance (rules.yaml)
    Assign(assign::AssignArgs),
    /// Build target-shaped records from the mappings, accounting for every source row
    Stage(stage::StageArgs),
    /// Prove every source row is staged, merged, rejected or excluded, exactly once
    Reconcile(reconcile::ReconcileArgs),
    /// Show where one source row went, and why
    Trace(reconcile::TraceArgs),
    /// Write import files per object in load order, and the load plan
    Export(export::ExportArgs),
    /// List, show, validate or export the playbooks
    Playbook(playbook::PlaybookArgs),
    /// Walk through a playbook: where the engagement stands, and its questions
    Guide(guide::GuideArgs),
    /// Readiness scores per dimension and overall, and the success criteria
    Assess(assess::AssessArgs),
    /// Pre-migration checklist for a role, from the playbooks and the engagement's data
    Checklist(checklist::ChecklistArgs),
    /// Reports: readiness, roll-out and adoption (HTML, Markdown, JSON)
    Report(report::ReportArgs),
    /// The roll-out plan: phases, milestones, exit criteria, health and the playbook's advice
    Rollout(rollout::RolloutArgs),
    /// Generate realistic, messy legacy-CRM exports with a truth file
    Samples(samples::SamplesArgs),
    /// The whole assessment on the bundled samples, in a fresh workspace
    Demo(demo::DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write every page into a folder
    Man(man::ManArgs),
    /// Adoption snapshots from CRM exports: users, logins, activities, deals, stage history
    Adoption(adoption::AdoptionArgs),
}

/// Exit codes, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything worked and nothing blocking was found.
    Success = 0,
    /// The command ran and found problems that block (failed checks, unbalanced reconcile).
    Findings = 1,
    /// Usage or input error.
    Error = 2,
}

impl GlobalArgs {
    /// The workspace named by `-w`, or the one above the current folder. A workspace found
    /// above the current folder is named on stderr: its settings and templates are in force.
    pub fn workspace(&self) -> Result<Workspace> {
        match &self.workspace {
            Some(dir) => Workspace::open(dir),
            None => {
                let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
                let ws = Workspace::discover(&cwd)?;
                let here = std::path::absolute(&cwd).unwrap_or(cwd);
                if ws.root != here && !self.announced.replace(true) {
                    output::note(&format!("using workspace `{}`", ws.root.display()));
                }
                Ok(ws)
            }
        }
    }
}

impl Command {
    /// The name of a command that works without a workspace, for which `-w` means nothing.
    fn without_workspace(&self) -> Option<&'static str> {
        match self {
            Command::Init(_) => Some("init"),
            Command::Schema(_) => Some("schema"),
            Command::Samples(_) => Some("samples"),
            Command::Demo(_) => Some("demo"),
            Command::Completions(_) => Some("completions"),
            Command::Man(_) => Some("man"),
            _ => None,
        }
    }

    /// Whether the command writes the workspace (its database or its files), and so holds
    /// the workspace lock while it runs. Readers (`status`, `trace`) do not need it.
    fn writes_workspace(&self) -> bool {
        !matches!(
            self,
            Command::Init(_)
                | Command::Status(_)
                | Command::Trace(_)
                | Command::Schema(_)
                | Command::Playbook(_)
                | Command::Samples(_)
                | Command::Demo(_)
                | Command::Completions(_)
                | Command::Man(_)
        )
    }
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    // Everything crmkit creates holds client data: owner-only, whatever the umask (SQLite's
    // journal files and the writers that do not go through `safe_write` included).
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    match run(cli) {
        Ok(status) => ExitCode::from(status as u8),
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            output::error(&err);
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus> {
    output::set_quiet(cli.global.quiet);
    if let (Some(dir), Some(name)) = (&cli.global.workspace, cli.command.without_workspace()) {
        return Err(Error::Usage(format!(
            "`-w {}`: `crmkit {name}` uses no workspace, so `-w` does not apply\n  hint: drop `-w`{}",
            dir.display(),
            if name == "init" {
                "; `crmkit init DIR` names the folder to create"
            } else {
                ""
            }
        )));
    }
    let _lock = if cli.command.writes_workspace() {
        match cli.global.workspace() {
            Ok(ws) => {
                let line: Vec<String> = std::env::args_os()
                    .skip(1)
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect();
                Some(crate::lock::acquire(
                    &ws.root,
                    &format!("crmkit {}", line.join(" ")),
                )?)
            }
            // The command itself says there is no workspace, after its own checks.
            Err(Error::NotAWorkspace { .. }) => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    // Value tables (countries, placeholders, calling codes) follow the playbooks in force.
    let root = cli.global.workspace.clone().or_else(|| {
        let cwd = std::env::current_dir().ok()?;
        Some(crate::workspace::Workspace::discover(&cwd).ok()?.root)
    });
    crate::values::use_playbooks(crate::values::tables::playbooks_dir(root.as_deref()).as_deref())?;
    match cli.command {
        Command::Init(args) => init::run(args),
        Command::Ingest(args) => ingest::run(args, &cli.global),
        Command::Status(args) => status::run(args, &cli.global),
        Command::Stage(args) => stage::run(args, &cli.global),
        Command::Reconcile(args) => reconcile::run(args, &cli.global),
        Command::Export(args) => export::run(args, &cli.global),
        Command::Trace(args) => reconcile::run_trace(args, &cli.global),
        Command::Schema(args) => schema::run(args),
        Command::Map(args) => map::run(args, &cli.global),
        Command::Samples(args) => samples::run(args),
        Command::Dedupe(args) => dedupe::run(args, &cli.global),
        Command::Score(args) => score::run(args, &cli.global),
        Command::Assign(args) => assign::run(args, &cli.global),
        Command::Playbook(args) => playbook::run(args, &cli.global),
        Command::Guide(args) => guide::run(args, &cli.global),
        Command::Assess(args) => assess::run(args, &cli.global),
        Command::Checklist(args) => checklist::run(args, &cli.global),
        Command::Profile(args) => profile::run(args, &cli.global),
        Command::Report(args) => report::run(args, &cli.global),
        Command::Rollout(args) => rollout::run(args, &cli.global),
        Command::Demo(args) => demo::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
        Command::Adoption(args) => adoption::run(args, &cli.global),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_has_an_example() {
        fn check(cmd: &clap::Command, path: &str) {
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let name = format!("{path} {}", sub.get_name());
                let help = sub
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                assert!(
                    help.contains("crmkit "),
                    "`{name}` has no example in its help"
                );
                check(sub, &name);
            }
        }
        check(&super::Cli::command(), "crmkit");
    }
}
