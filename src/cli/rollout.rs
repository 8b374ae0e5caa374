//! `crmkit rollout`: the roll-out plan in the workspace's `rollout.yaml`: add, change, close
//! and remove phases and milestones; show the plan with each phase's health and exit figures;
//! check it against the playbook's phasing advice. Every run mirrors the plan into
//! `staging.db` and records the `rollout.*` metrics.

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use super::playbook::PlaybooksDir;
use super::{ExitStatus, GlobalArgs};
use crate::error::{Error, Result};
use crate::output;
use crate::playbook::Facts;
use crate::rollout::catalogue::Catalogue;
use crate::rollout::exit::ExitOutcome;
use crate::rollout::plan::{Milestone, Phase, Plan, Status, parse_cli_date};
use crate::rollout::{self, Review};
use crate::workspace::Workspace;

/// Arguments of `crmkit rollout`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit rollout add \"Pilot\" --modules contacts,accounts --teams \"Enterprise East\" \\\n      \
--accounts \"Top 20 accounts\" --start 2027-01-11 --end 2027-02-05 \\\n      \
--exit \"adoption.weekly_active_share >= 0.8\"\n  crmkit rollout set Pilot --end 2027-02-12\n  \
crmkit rollout milestone \"Go-live\" --date 2027-03-01 --phase \"Wave 1\"\n  crmkit rollout done Pilot\n  \
crmkit rollout show --as-of 2027-01-25\n  crmkit rollout check --strict\n\n\
The plan lives in rollout.yaml in the workspace: edit it by hand or with these commands (which \
rewrite it without comments). Exit criteria are evidence expressions over metrics, evaluated per \
team (or user) of the phase from the latest adoption snapshot."
)]
pub struct RolloutArgs {
    #[command(subcommand)]
    pub command: RolloutCommand,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
}

/// The `rollout` subcommands.
#[derive(Debug, Subcommand)]
// Parsed once per run; boxing `set`'s many flags would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum RolloutCommand {
    /// Add a phase
    #[command(
        after_help = "Example:\n  crmkit rollout add \"Wave 1\" --modules pipeline,activities \\\n      \
--teams \"Enterprise East,Enterprise West\" --start 2027-02-15 --end 2027-03-26 \\\n      \
--exit \"adoption.weekly_active_share >= 0.8 && adoption.stale_open_share < 0.1\""
    )]
    Add(AddArgs),
    /// Change a phase (only the flags given)
    #[command(
        after_help = "Examples:\n  crmkit rollout set Pilot --end 2027-02-12\n  \
crmkit rollout set Pilot --rename \"Pilot (East)\" --status active\n  crmkit rollout set Pilot --exit \"\"   # removes the exit criteria\n  \
crmkit rollout set Pilot --add-team West --remove-user \"Dana Whitfield\"\n  \
crmkit rollout set Pilot --add-criterion \"adoption.never_logged_in == 0\""
    )]
    Set(SetArgs),
    /// Mark a phase (its exit criteria must hold, or --force) or a milestone done
    #[command(
        after_help = "Examples:\n  crmkit rollout done Pilot\n  crmkit rollout done \"Go-live\" --on 2027-03-01\n  \
crmkit rollout done Pilot --force   # close it although the exit criteria do not hold"
    )]
    Done(DoneArgs),
    /// Add a milestone, or move an existing one
    #[command(
        after_help = "Example:\n  crmkit rollout milestone \"Pilot review\" --date 2027-02-08 --phase Pilot"
    )]
    Milestone(MilestoneArgs),
    /// Remove a phase or a milestone
    #[command(after_help = "Example:\n  crmkit rollout remove \"Wave 3\"")]
    Remove(RemoveArgs),
    /// Show the plan: each phase's dates, modules, teams, health and exit figures
    #[command(
        after_help = "Examples:\n  crmkit rollout show\n  crmkit rollout show --as-of 2027-01-25 --json"
    )]
    Show(ViewArgs),
    /// Check the plan against the playbook's phasing advice
    #[command(
        after_help = "Examples:\n  crmkit rollout check\n  crmkit rollout check --strict --json\n\n\
Warns, naming the phase, about: complex modules before simple ones (ranked in the module \
catalogue, playbooks/rollout.yaml), too little time between phases, a first phase that is not a \
pilot (a subset of staff on key accounts), a phase without exit criteria, phases that overlap for \
one team, a phase past its end date whose exit criteria do not hold, and overdue milestones. \
Exit code 0 even with warnings, unless --strict: then 1 when there are warnings."
    )]
    Check(CheckArgs),
}

/// The flags of a phase.
#[derive(Debug, Args)]
pub struct PhaseFlags {
    /// Modules the phase brings, comma-separated (catalogue names or aliases: contacts,
    /// accounts, activities, pipeline, lead routing, marketing integration, forecasting ...)
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub modules: Option<Vec<String>>,
    /// Teams taking part, comma-separated, as the user export names them
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub teams: Option<Vec<String>>,
    /// Individual users taking part, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub users: Option<Vec<String>>,
    /// Key accounts the phase works on, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub accounts: Option<Vec<String>>,
    /// First day, YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub start: Option<NaiveDate>,
    /// Last day, YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub end: Option<NaiveDate>,
    /// Exit criteria: an evidence expression, e.g. "adoption.weekly_active_share >= 0.8"
    #[arg(long, value_name = "EXPR")]
    pub exit: Option<String>,
    /// planned, active or done
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
}

/// A phase status on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatusArg {
    Planned,
    Active,
    Done,
}

impl From<StatusArg> for Status {
    fn from(s: StatusArg) -> Status {
        match s {
            StatusArg::Planned => Status::Planned,
            StatusArg::Active => Status::Active,
            StatusArg::Done => Status::Done,
        }
    }
}

fn date_arg(text: &str) -> std::result::Result<NaiveDate, String> {
    parse_cli_date(text).map_err(|e| e.to_string())
}

/// Arguments of `rollout add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Phase name
    pub name: String,
    #[command(flatten)]
    pub phase: PhaseFlags,
}

/// Arguments of `rollout set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Phase or milestone name
    pub name: String,
    /// New name
    #[arg(long, value_name = "NAME")]
    pub rename: Option<String>,
    #[command(flatten)]
    pub phase: PhaseFlags,
    #[command(flatten)]
    pub entries: EntryFlags,
}

/// One entry at a time, added to or removed from a phase's lists (after any whole list
/// given with --teams, --modules ...).
#[derive(Debug, Args)]
pub struct EntryFlags {
    /// Add a module (repeat or comma-separate for several)
    #[arg(long, value_delimiter = ',', value_name = "MODULE")]
    pub add_module: Vec<String>,
    /// Remove a module
    #[arg(long, value_delimiter = ',', value_name = "MODULE")]
    pub remove_module: Vec<String>,
    /// Add a team
    #[arg(long, value_delimiter = ',', value_name = "TEAM")]
    pub add_team: Vec<String>,
    /// Remove a team
    #[arg(long, value_delimiter = ',', value_name = "TEAM")]
    pub remove_team: Vec<String>,
    /// Add a user
    #[arg(long, value_delimiter = ',', value_name = "USER")]
    pub add_user: Vec<String>,
    /// Remove a user
    #[arg(long, value_delimiter = ',', value_name = "USER")]
    pub remove_user: Vec<String>,
    /// Add a key account
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT")]
    pub add_account: Vec<String>,
    /// Remove a key account
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT")]
    pub remove_account: Vec<String>,
    /// Add an exit criterion, joined with `&&` (repeat for several)
    #[arg(long, value_name = "EXPR")]
    pub add_criterion: Vec<String>,
    /// Remove an exit criterion, as written in the phase's `&&` terms
    #[arg(long, value_name = "EXPR")]
    pub remove_criterion: Vec<String>,
}

impl EntryFlags {
    fn any(&self) -> bool {
        [
            &self.add_module,
            &self.remove_module,
            &self.add_team,
            &self.remove_team,
            &self.add_user,
            &self.remove_user,
            &self.add_account,
            &self.remove_account,
            &self.add_criterion,
            &self.remove_criterion,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }

    /// Applies the edits in order: removals, then additions, then the criteria.
    fn apply(&self, phase: &mut Phase, catalogue: &Catalogue) -> Result<()> {
        use crate::rollout::edit::{self, List};
        for (list, remove, add) in [
            (List::Modules, &self.remove_module, &self.add_module),
            (List::Teams, &self.remove_team, &self.add_team),
            (List::Users, &self.remove_user, &self.add_user),
            (List::Accounts, &self.remove_account, &self.add_account),
        ] {
            for v in remove {
                edit::remove(phase, list, v, catalogue)?;
            }
            for v in add {
                edit::add(phase, list, v, catalogue)?;
            }
        }
        for e in &self.remove_criterion {
            edit::remove_criterion(phase, e)?;
        }
        for e in &self.add_criterion {
            edit::add_criterion(phase, e)?;
        }
        Ok(())
    }
}

/// Arguments of `rollout done`.
#[derive(Debug, Args)]
pub struct DoneArgs {
    /// Phase or milestone name
    pub name: String,
    /// The day it was done (default: today)
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub on: Option<NaiveDate>,
    /// Close a phase although its exit criteria do not hold (or are not measured)
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `rollout milestone`.
#[derive(Debug, Args)]
pub struct MilestoneArgs {
    /// Milestone name
    pub name: String,
    /// Its date, YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub date: NaiveDate,
    /// The phase it belongs to
    #[arg(long, value_name = "PHASE")]
    pub phase: Option<String>,
}

/// Arguments of `rollout remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Phase or milestone name
    pub name: String,
}

/// Arguments of `rollout show`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Review the plan as of this day instead of today (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub as_of: Option<NaiveDate>,
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `rollout check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub view: ViewArgs,
    /// Exit with code 1 when there are warnings (for CI and scripts)
    #[arg(long)]
    pub strict: bool,
}

/// Runs a `rollout` subcommand.
pub fn run(args: RolloutArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let catalogue = Catalogue::load(args.playbooks.resolve(Some(&ws)).as_deref())?;
    let path = Plan::path(&ws.root);
    let mut plan = Plan::load(&path)?;
    let today = chrono::Local::now().date_naive();
    match args.command {
        RolloutCommand::Add(a) => {
            if plan.phase_index(&a.name).is_some() || plan.milestone_index(&a.name).is_some() {
                return Err(Error::Usage(format!(
                    "the plan already has `{}`\n  hint: change it with `crmkit rollout set \"{}\" ...`",
                    a.name, a.name
                )));
            }
            let f = &a.phase;
            let (Some(start), Some(end)) = (f.start, f.end) else {
                return Err(Error::Usage(
                    "a new phase needs --start and --end (YYYY-MM-DD)".into(),
                ));
            };
            let mut phase = Phase {
                name: a.name.trim().to_string(),
                modules: Vec::new(),
                teams: Vec::new(),
                users: Vec::new(),
                accounts: Vec::new(),
                start,
                end,
                exit: None,
                status: Status::Planned,
                completed: None,
            };
            apply(&mut phase, f, &catalogue)?;
            plan.phases.push(phase);
            save(&path, &plan)?;
            let review = sync(&ws, &plan, &catalogue, today)?;
            output::print(&output::rollout::changed(
                &format!("added phase `{}`", a.name),
                &review,
            ))?;
        }
        RolloutCommand::Set(a) => {
            if let Some(i) = plan.phase_index(&a.name) {
                let mut phase = plan.phases[i].clone();
                apply(&mut phase, &a.phase, &catalogue)?;
                a.entries.apply(&mut phase, &catalogue)?;
                if let Some(new) = &a.rename {
                    rename(&mut plan, &phase.name.clone(), new)?;
                    phase.name = new.trim().to_string();
                }
                plan.phases[i] = phase;
            } else if let Some(i) = plan.milestone_index(&a.name) {
                let f = &a.phase;
                if f.modules.is_some()
                    || f.teams.is_some()
                    || f.users.is_some()
                    || f.accounts.is_some()
                    || f.exit.is_some()
                    || f.status.is_some()
                    || f.end.is_some()
                    || a.entries.any()
                {
                    return Err(Error::Usage(format!(
                        "`{}` is a milestone: change its date with `crmkit rollout milestone \"{}\" --date DATE`, or --rename it",
                        a.name, a.name
                    )));
                }
                if let Some(d) = f.start {
                    plan.milestones[i].date = d;
                }
                if let Some(new) = &a.rename {
                    plan.milestones[i].name = new.trim().to_string();
                }
            } else {
                return Err(unknown(&plan, &a.name));
            }
            save(&path, &plan)?;
            let review = sync(&ws, &plan, &catalogue, today)?;
            output::print(&output::rollout::changed(
                &format!("changed `{}`", a.name),
                &review,
            ))?;
        }
        RolloutCommand::Done(a) => {
            let on = a.on.unwrap_or(today);
            if let Some(i) = plan.phase_index(&a.name) {
                let review = sync(&ws, &plan, &catalogue, on)?;
                let view = review
                    .phases
                    .iter()
                    .find(|p| p.name == plan.phases[i].name)
                    .expect("reviewed");
                if view.exit.outcome != ExitOutcome::Pass && !a.force {
                    let why = match view.exit.outcome {
                        ExitOutcome::None => "it has no exit criteria".to_string(),
                        ExitOutcome::NotMeasured => {
                            format!(
                                "its exit criteria are not measured: {}",
                                view.exit.summary()
                            )
                        }
                        _ => format!("its exit criteria do not hold: {}", view.exit.summary()),
                    };
                    return Err(Error::Usage(format!(
                        "phase `{}` is not done: {why}\n  hint: measure again (e.g. `crmkit adoption ingest ...`), or close it anyway with --force",
                        view.name
                    )));
                }
                plan.phases[i].status = Status::Done;
                plan.phases[i].completed = Some(on);
            } else if let Some(i) = plan.milestone_index(&a.name) {
                plan.milestones[i].done = true;
            } else {
                return Err(unknown(&plan, &a.name));
            }
            save(&path, &plan)?;
            let review = sync(&ws, &plan, &catalogue, on)?;
            output::print(&output::rollout::changed(
                &format!("marked `{}` done", a.name),
                &review,
            ))?;
        }
        RolloutCommand::Milestone(a) => {
            if let Some(p) = &a.phase
                && plan.phase_index(p).is_none()
            {
                return Err(unknown(&plan, p));
            }
            if plan.phase_index(&a.name).is_some() {
                return Err(Error::Usage(format!(
                    "`{}` is a phase; milestones need a name of their own",
                    a.name
                )));
            }
            let phase = a
                .phase
                .as_ref()
                .and_then(|p| plan.phase_index(p))
                .map(|i| plan.phases[i].name.clone());
            let what = match plan.milestone_index(&a.name) {
                Some(i) => {
                    plan.milestones[i].date = a.date;
                    if phase.is_some() {
                        plan.milestones[i].phase = phase;
                    }
                    "moved"
                }
                None => {
                    plan.milestones.push(Milestone {
                        name: a.name.trim().to_string(),
                        date: a.date,
                        phase,
                        done: false,
                    });
                    "added"
                }
            };
            save(&path, &plan)?;
            let review = sync(&ws, &plan, &catalogue, today)?;
            output::print(&output::rollout::changed(
                &format!("{what} milestone `{}`", a.name),
                &review,
            ))?;
        }
        RolloutCommand::Remove(a) => {
            if let Some(i) = plan.phase_index(&a.name) {
                let name = plan.phases.remove(i).name;
                let key = name.to_lowercase();
                for m in &mut plan.milestones {
                    if m.phase.as_deref().map(str::to_lowercase) == Some(key.clone()) {
                        m.phase = None;
                    }
                }
            } else if let Some(i) = plan.milestone_index(&a.name) {
                plan.milestones.remove(i);
            } else {
                return Err(unknown(&plan, &a.name));
            }
            save(&path, &plan)?;
            let review = sync(&ws, &plan, &catalogue, today)?;
            output::print(&output::rollout::changed(
                &format!("removed `{}`", a.name),
                &review,
            ))?;
        }
        RolloutCommand::Show(v) => {
            let review = sync(&ws, &plan, &catalogue, v.as_of.unwrap_or(today))?;
            if v.json {
                output::json(&review)?;
            } else {
                output::print(&output::rollout::show(&review))?;
            }
        }
        RolloutCommand::Check(c) => {
            let review = sync(&ws, &plan, &catalogue, c.view.as_of.unwrap_or(today))?;
            if c.view.json {
                output::json(&serde_json::json!({
                    "as_of": review.as_of,
                    "warnings": review.warnings,
                    "metrics": review.metrics,
                }))?;
            } else {
                output::print(&output::rollout::check(&review))?;
            }
            if c.strict && !review.warnings.is_empty() {
                return Ok(ExitStatus::Findings);
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// Applies the flags given to a phase, resolving module names through the catalogue.
fn apply(phase: &mut Phase, f: &PhaseFlags, catalogue: &Catalogue) -> Result<()> {
    let clean = |v: &Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
                out.push(s.to_string());
            }
        }
        out
    };
    if let Some(modules) = &f.modules {
        let mut ids: Vec<String> = Vec::new();
        for m in clean(modules) {
            let id = catalogue
                .find(&m)
                .map(|c| c.id.clone())
                .ok_or_else(|| catalogue.unknown(&m))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        phase.modules = ids;
    }
    if let Some(v) = &f.teams {
        phase.teams = clean(v);
    }
    if let Some(v) = &f.users {
        phase.users = clean(v);
    }
    if let Some(v) = &f.accounts {
        phase.accounts = clean(v);
    }
    if let Some(d) = f.start {
        phase.start = d;
    }
    if let Some(d) = f.end {
        phase.end = d;
    }
    if let Some(e) = &f.exit {
        phase.exit = crate::rollout::exit::parse(e)?;
    }
    if let Some(s) = f.status {
        phase.status = s.into();
        if phase.status != Status::Done {
            phase.completed = None;
        }
    }
    if phase.end < phase.start {
        return Err(Error::Usage(format!(
            "phase `{}`: the end {} is before the start {}",
            phase.name, phase.end, phase.start
        )));
    }
    Ok(())
}

/// Renames a phase in the milestones that point at it; refuses a name already taken.
fn rename(plan: &mut Plan, old: &str, new: &str) -> Result<()> {
    let taken = plan
        .phase_index(new)
        .filter(|&i| !plan.phases[i].name.eq_ignore_ascii_case(old))
        .is_some()
        || plan.milestone_index(new).is_some();
    if taken || new.trim().is_empty() {
        return Err(Error::Usage(format!(
            "cannot rename `{old}` to `{new}`: the name is empty or already used"
        )));
    }
    for m in &mut plan.milestones {
        if m.phase
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(old))
        {
            m.phase = Some(new.trim().to_string());
        }
    }
    Ok(())
}

fn unknown(plan: &Plan, name: &str) -> Error {
    let names: Vec<&str> = plan
        .phases
        .iter()
        .map(|p| p.name.as_str())
        .chain(plan.milestones.iter().map(|m| m.name.as_str()))
        .collect();
    let hint = crate::error::suggest(name, names.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    Error::Usage(format!(
        "the roll-out plan has no phase or milestone `{name}`{hint}\n  hint: `crmkit rollout show` lists them"
    ))
}

/// Validates the plan as its file would be read back, then writes it.
fn save(path: &std::path::Path, plan: &Plan) -> Result<()> {
    Plan::parse(&plan.to_yaml(), path)?;
    plan.save(path)
}

/// Reviews the plan on `as_of` and mirrors it, with its metrics, into the staging database.
pub fn sync(
    ws: &Workspace,
    plan: &Plan,
    catalogue: &Catalogue,
    as_of: NaiveDate,
) -> Result<Review> {
    let mut db = ws.db()?;
    let facts = Facts::from_db(&db)?;
    let adoption = db.latest_adoption()?;
    let review = rollout::review(plan, catalogue, &facts.metrics, &adoption, as_of);
    let (phases, milestones) = review.rows();
    db.save_rollout(&phases, &milestones, &review.metric_rows())?;
    Ok(review)
}
