//! `crmkit demo`: the consultant's main job on the bundled samples, from start to finish, in a
//! fresh workspace: exports, init, ingest, profile, map, check, dedupe, answers, assess, and
//! the readiness report and admin checklist. Each step calls the domain code directly.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Args;

use super::ExitStatus;
use super::report::{Destination, ReportJob, write_readiness};
use crate::dedupe::{self, Rules};
use crate::error::{Error, Result};
use crate::ingest::{IngestOptions, SheetChoice};
use crate::mapping::workflow::{CheckOptions, SuggestOptions, run_check, run_suggest};
use crate::output;
use crate::playbook::checklist::{ChecklistOptions, build as build_checklist};
use crate::playbook::scoring::{Status, assess};
use crate::playbook::{Facts, Library, Role, answer};
use crate::progress::Silent;
use crate::report::Format;
use crate::report::cleanup::Rates;
use crate::safe_write::{self, Kind, Overwrite};
use crate::samples::bundled;
use crate::staging::NewAnswer;
use crate::targets::SchemaSource;
use crate::workspace::{CONFIG_FILE, Config, Target, Workspace};

/// The demo's client; a folder whose crmkit.yaml names it is a demo workspace to replace.
pub const CLIENT: &str = "Northwind Demo Co";
/// Who the demo's answers are recorded as.
const AUTHOR: &str = "crmkit demo";
/// The kick-off workshop's answers.
const ANSWERS: &str = include_str!("demo_answers.yaml");
/// Exclusion rules the demo engagement adopts.
const DEMO_RULES: &str =
    "exclude:\n  - {name: dead_accounts, dataset: accounts, column: Account ID, status: dead}\n";
/// The demo's roll-out plan: a pilot on key accounts for one team, then the sales teams, then
/// everyone, simple modules first, with time between the phases (dates around the samples'
/// as-of day, 2025-06-30).
const DEMO_ROLLOUT: &str = "version: 1
phases:
  - name: Pilot
    modules: [contacts-accounts, activities]
    teams: [Inside Sales]
    accounts: [Top 20 accounts by revenue]
    start: 2025-06-02
    end: 2025-07-11
    exit: adoption.weekly_active_share >= 0.8 && adoption.stale_open_share < 0.1
    status: active
  - name: Wave 1 - sales teams
    modules: [pipeline, lead-routing]
    teams: [Enterprise, Mid-Market]
    start: 2025-07-21
    end: 2025-09-12
    exit: adoption.weekly_active_share >= 0.8 && adoption.stale_open_share < 0.1 && adoption.win_rate >= 0.2
  - name: Wave 2 - everyone
    modules: [marketing-integration, forecasting]
    start: 2025-09-29
    end: 2025-11-28
    exit: adoption.weekly_active_share >= 0.85 && profile.required_fill_rate >= 0.98
milestones:
  - {name: Pilot review, date: 2025-07-14, phase: Pilot}
  - {name: Sales go-live, date: 2025-09-15, phase: Wave 1 - sales teams}
  - {name: Forecast sign-off, date: 2025-12-01, phase: Wave 2 - everyone}
";
/// Datasets mapped, and to which generic object.
/// (Users are not mapped: a migration matches owners to the target's existing users.)
const MAPPINGS: [(&str, &str); 3] = [
    ("accounts", "account"),
    ("contacts", "contact"),
    ("opportunities", "opportunity"),
];
/// Datasets deduplicated: (dataset, object, id column).
const DEDUPE: [(&str, &str, &str); 2] = [
    ("accounts", "account", "account_id"),
    ("contacts", "contact", "contact_id"),
];

/// Arguments of `crmkit demo`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit demo\n  crmkit demo --out /tmp/northwind\n\n\
Writes the bundled sample exports to DIR/exports, creates a workspace in DIR for Northwind \
Demo Co (target: Salesforce) and runs ingest, profile, map suggest and check, dedupe, the \
stage, reconcile and a Salesforce export, score (status, RFM, territories), two adoption \
snapshots, a roll-out plan, the guide's answers and assess, then writes the readiness, \
adoption and roll-out reports to DIR/out (HTML, Markdown, JSON) and DIR/out/checklist-admin.md; \
`datasette DIR/staging.db -m DIR/metadata.json` browses the workspace. DIR must be missing or empty: the demo deletes nothing, not even an \
earlier demo. Without --out it uses crmkit-demo, or crmkit-demo-2, -3... when that is taken."
)]
pub struct DemoArgs {
    /// Folder to create the demo workspace in, missing or empty (default: crmkit-demo, or the
    /// first free crmkit-demo-N)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The default demo folder's name.
const DEFAULT_DIR: &str = "crmkit-demo";

/// Runs every step, printing one line per step.
pub fn run(args: DemoArgs) -> Result<ExitStatus> {
    let dir = match args.out {
        Some(dir) => {
            usable(&dir)?;
            dir
        }
        None => first_free()?,
    };
    let truth = bundled::truth()?;
    let say =
        |n: usize, name: &str, text: String| output::print(&output::demo::step(n, name, &text));
    output::print(&output::demo::intro(CLIENT, "Salesforce", &dir))?;

    // The exports first, so a demo folder always shows the client's raw files.
    let exports = dir.join("exports");
    let files = bundled::write(&exports)?;
    say(
        1,
        "exports",
        output::demo::samples(&exports, files.csv.len(), &files.others),
    )?;

    // The demo has no reviewer: its workspace lets stage merge the proposed duplicate clusters
    // (a real engagement merges only clusters accepted in `dedupe apply`).
    let mut demo_config = Config::new(CLIENT, Target::Salesforce);
    demo_config.settings.merge_proposed_duplicates = true;
    let ws = Workspace::init(&dir, demo_config)?;
    // The consultant's first decision: dead accounts (per the profile) stay out of the load.
    let config = dir.join(crate::workspace::CONFIG_FILE);
    let mut text = std::fs::read_to_string(&config).map_err(|e| Error::io("read", &config, e))?;
    text.push_str(DEMO_RULES);
    std::fs::write(&config, text).map_err(|e| Error::io("write", &config, e))?;
    let ws = Workspace::open(&ws.root)?;
    say(
        2,
        "init",
        format!("workspace for {CLIENT}, target salesforce"),
    )?;

    let mut db = ws.db()?;
    let outcomes = crate::ingest::ingest(
        &mut db,
        &IngestOptions {
            files: files.csv.clone(),
            name: None,
            sheets: SheetChoice::First,
            text: Default::default(),
            replace: false,
        },
        &Silent,
    )?;
    say(3, "ingest", output::demo::ingested(&outcomes))?;

    // The samples' own reference date, so every run finds the same stale and dead records.
    let as_of = NaiveDate::parse_from_str(&truth.as_of, "%Y-%m-%d").map_err(|_| {
        Error::Other(format!(
            "the bundled truth.json has an invalid as_of `{}`",
            truth.as_of
        ))
    })?;
    let options = crate::profile::Options::new(as_of, truth.stale_after_days as u32)
        .with_config(&ws.config)?;
    let profile = {
        let inputs = crate::profile::workspace_inputs(&db, &[])?;
        crate::profile::run(inputs, &options, &Silent)?
    };
    crate::profile::store(&mut db, &profile)?;
    let rates = Rates::load(None)?;
    say(
        4,
        "profile",
        output::demo::profiled(&profile, |c| rates.get(c).label),
    )?;

    let mut suggestions = Vec::new();
    for (dataset, object) in MAPPINGS {
        suggestions.push(run_suggest(
            &ws,
            &SuggestOptions {
                dataset: dataset.into(),
                object: object.into(),
                target: None,
                schemas: SchemaSource::default(),
                out: None,
                force: false,
            },
        )?);
    }
    say(5, "map", output::demo::suggested(&suggestions))?;

    // Blocking findings are what a messy client looks like; the demo reports them and goes on.
    let checks = run_check(
        &ws,
        &CheckOptions {
            files: Vec::new(),
            schemas: SchemaSource::default(),
        },
        &Silent,
    )?;
    say(6, "map check", output::demo::checked(&checks))?;

    let rules = Rules::builtin();
    let mut deduped = Vec::new();
    for (dataset, object, id) in DEDUPE {
        // As `crmkit dedupe` does: the roles the mapping file implies, then names.
        let mapped = dedupe::run::mapped_roles(&ws, &db, &rules, dataset)?;
        let report = dedupe::run::run(
            &mut db,
            &rules,
            &dedupe::run::Options {
                dataset: dataset.into(),
                object: object.into(),
                id_column: Some(id.into()),
                threshold: 0.5,
                fields: Vec::new(),
                mapped,
            },
            &Silent,
        )?;
        let review = ws
            .out_dir()
            .join(format!("dedupe-review-{}.csv", report.dataset));
        output::dedupe::write_review(&review, &report, Overwrite::OwnOutput)?;
        deduped.push(report);
    }
    say(7, "dedupe", output::demo::deduped(&deduped))?;

    // After dedupe (stage reads its merges), before the assessment (its evidence reads
    // `stage.*` and `reconcile.*`).
    let staged = crate::stage::run(
        &ws,
        &mut db,
        &crate::stage::Options {
            object: None,
            schemas: SchemaSource::default(),
            as_of,
        },
        &Silent,
    )?;
    let balance = crate::stage::reconcile::reconcile(&db)?;
    // As `ingest` and `stage` do: `datasette staging.db -m metadata.json` reads it.
    output::datasette::write(&ws, &db)?;
    let exported = crate::stage::export::export(
        &ws,
        &db,
        crate::stage::export::Format::Salesforce,
        &ws.out_dir().join("export-salesforce"),
        &SchemaSource::default(),
        Overwrite::OwnOutput,
        &Silent,
    )?;
    say(
        8,
        "stage",
        output::demo::staged(&staged, &balance, &exported),
    )?;

    // Before the report, so it shows where sales should focus and who owns what.
    let prioritised = prioritise(&ws, as_of)?;
    say(
        9,
        "score",
        output::demo::prioritised(&prioritised.0, &prioritised.1, &prioritised.2, &{
            // The top accounts by name, as a client knows them.
            let keys = prioritised
                .1
                .accounts
                .iter()
                .take(3)
                .map(|a| a.account.clone());
            let wanted = [(prioritised.0.dataset.clone(), keys.collect())].into();
            crate::report::names::Names::lookup(&db, &wanted)?
        }),
    )?;

    // Adoption (issue 12): the two bundled snapshots, then the adoption report; before the
    // roll-out plan, whose exit criteria and team adoption read them, and before the guide,
    // the assessment and the readiness report, which score Step 3/4 and the success
    // criteria from the `adoption.*` metrics.
    say(10, "adoption", adoption_step(&ws, &files.adoption)?)?;

    // The project lead's roll-out plan: three phases, pilot first, reviewed on the samples'
    // as-of day against the workspace's metrics and adoption, then its report.
    {
        let plan = crate::rollout::plan::Plan::parse(DEMO_ROLLOUT, Path::new("rollout.yaml"))?;
        plan.save(&crate::rollout::plan::Plan::path(&ws.root))?;
        super::report::write_rollout(&ws, &demo_job(&ws), as_of)?;
        let html = ws.out_dir().join("rollout.html");
        let review = super::rollout::sync(
            &ws,
            &plan,
            &crate::rollout::catalogue::Catalogue::load(None)?,
            as_of,
        )?;
        say(11, "rollout", output::rollout::demo(&review, &html))?;
    }

    let library = Library::load(None)?;
    let parsed = answer::parse_file(&library, ANSWERS, Path::new("src/cli/demo_answers.yaml"))?;
    let json: Vec<String> = parsed.iter().map(|a| a.value.to_string()).collect();
    let answers: Vec<NewAnswer<'_>> = parsed
        .iter()
        .zip(&json)
        .map(|(a, value)| NewAnswer {
            playbook: &a.playbook,
            item: &a.item,
            answer: value,
            author: AUTHOR,
        })
        .collect();
    db.put_answers(&answers)?;
    let facts = Facts::from_db(&db)?;
    let assessment = assess(&library, &facts, &[]);
    let open = assessment
        .items
        .iter()
        .filter(|r| r.status == Status::Unknown)
        .count();
    say(12, "guide", output::demo::answered(parsed.len(), open))?;
    say(13, "assess", output::demo::assessed(&assessment))?;

    let (report, written) = write_readiness(&ws, &demo_job(&ws))?;
    say(14, "report", output::demo::reported(&report, &written))?;

    let checklist = build_checklist(
        &library,
        &assessment,
        &facts,
        ChecklistOptions {
            client: ws.config.client.clone(),
            target: ws.config.target.to_string(),
            role: Role::Admin,
            scope: Vec::new(),
            generated_at: report.generated_at.clone(),
        },
    );
    let path = ws.out_dir().join("checklist-admin.md");
    safe_write::write(
        &path,
        Kind::Checklist,
        Overwrite::OwnOutput,
        output::playbook::checklist_markdown(&checklist).as_bytes(),
    )?;
    say(
        15,
        "checklist",
        output::demo::checklisted(&checklist, &path),
    )?;

    let html = written
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "html"))
        .cloned()
        .unwrap_or_else(|| ws.out_dir().join("readiness.html"));
    output::print(&output::demo::finish(&dir, &html, &report))?;

    Ok(ExitStatus::Success)
}

/// Ingests the bundled adoption snapshots (oldest first) and writes out/adoption.html; returns
/// the step's line.
/// How the demo writes each report: every format into the workspace's `out/`, replacing only
/// its own earlier output, with the bundled templates.
fn demo_job(ws: &Workspace) -> ReportJob<'static> {
    ReportJob {
        formats: &[Format::Html, Format::Md, Format::Json],
        destination: Destination::Folder(ws.out_dir()),
        templates: None,
        playbooks: None,
        overwrite: Overwrite::OwnOutput,
        audience: None,
    }
}

fn adoption_step(ws: &Workspace, files: &[PathBuf]) -> Result<String> {
    let mut db = ws.db()?;
    for (name, (y, m, d)) in crate::samples::adoption::SNAPSHOTS {
        let snapshot_files: Vec<PathBuf> = files
            .iter()
            .filter(|p| {
                p.parent()
                    .and_then(|f| f.file_name())
                    .is_some_and(|f| f == name)
            })
            .cloned()
            .collect();
        let as_of = chrono::NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| crate::error::Error::Other(format!("bad snapshot date for {name}")))?;
        let result = crate::adoption::ingest(
            &mut db,
            &crate::adoption::IngestRequest {
                files: &snapshot_files,
                as_of,
                snapshot: None,
                mappings: &[],
                playbooks: None,
            },
            &Silent,
        )?;
        if let crate::adoption::IngestResult::Unrecognised(u) = result {
            return Err(crate::error::Error::Other(format!(
                "the bundled adoption export `{}` was not recognised",
                u[0].path.display()
            )));
        }
    }
    let (analysis, _) = super::report::write_adoption(ws, &demo_job(ws), None)?;
    let html = ws.out_dir().join("adoption.html");
    Ok(format!(
        "{}; wrote {}",
        output::adoption::headline(&analysis),
        html.display()
    ))
}

/// Account status, RFM with propensity and a territory assignment, stored as `crmkit score
/// status`, `score rfm` and `assign` store them.
fn prioritise(
    ws: &Workspace,
    as_of: NaiveDate,
) -> Result<(
    crate::rules::status::StatusReport,
    crate::rules::rfm::RfmReport,
    crate::rules::territory::AssignReport,
)> {
    use crate::rules::{self, Rules, records::Sources};
    let rules = Rules::builtin()?;
    let mut db = ws.db()?;
    let src = Sources::load(&db, &rules)?;
    let names = db.dataset_names()?;
    let (facts, status) = rules::status::classify(&src, &rules, as_of)?;
    rules::store::save_status(&mut db, &status)?;
    let rfm = rules::rfm::run(
        &src,
        &names,
        &rules,
        &rules::rfm::Options {
            as_of: Some(as_of),
            ..Default::default()
        },
    )?;
    rules::store::save_rfm(&mut db, &status.dataset, &rfm)?;
    let value = rfm
        .accounts
        .iter()
        .map(|a| (a.account.clone(), a.expected_value.unwrap_or(0.0)))
        .collect();
    let assigned = rules::territory::run(
        &src,
        &rules,
        &facts,
        &value,
        &rules::territory::Options {
            rebalance: true,
            owner_map: None,
        },
    )?;
    rules::store::save_assignments(&mut db, &status.dataset, &assigned)?;
    Ok((status, rfm, assigned))
}

/// Checks that the demo may use `dir`: missing, or an empty folder. Nothing is ever removed:
/// an earlier demo may hold a user's own data and notes by now.
fn usable(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let refuse = |what: String| {
        Error::Usage(format!(
            "`{}` {what}; refusing it: the demo writes only into a missing or empty folder and deletes nothing\n  hint: choose another folder with `crmkit demo --out DIR`, or remove this one yourself",
            dir.display()
        ))
    };
    if !dir.is_dir() {
        return Err(refuse("exists and is not a folder".into()));
    }
    let config = dir.join(CONFIG_FILE);
    if config.is_file() {
        return Err(match Config::load(&config) {
            Ok(c) if c.client == CLIENT => refuse("holds an earlier demo".into()),
            Ok(c) => refuse(format!("holds the crmkit workspace of `{}`", c.client)),
            Err(_) => refuse(format!("holds a {CONFIG_FILE}")),
        });
    }
    let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io("read folder", dir, e))?;
    if entries.next().is_some() {
        return Err(refuse("is not empty".into()));
    }
    Ok(())
}

/// The first of `crmkit-demo`, `crmkit-demo-2`, ... that is missing or empty.
fn first_free() -> Result<PathBuf> {
    (1..=99)
        .map(|n| match n {
            1 => PathBuf::from(DEFAULT_DIR),
            n => PathBuf::from(format!("{DEFAULT_DIR}-{n}")),
        })
        .find(|d| usable(d).is_ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "`{DEFAULT_DIR}` to `{DEFAULT_DIR}-99` are all taken\n  hint: choose a folder with `crmkit demo --out DIR`"
            ))
        })
}
