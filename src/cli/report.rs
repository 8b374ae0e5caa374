//! `crmkit report`: reports built from what the workspace holds; `readiness` is the
//! consultant's day-one deliverable (HTML, Markdown, JSON).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::playbook::PlaybooksDir;
use super::{ExitStatus, ForceFlag, GlobalArgs};
use crate::error::Result;
use crate::output;
use crate::report::cleanup::Rates;
use crate::report::model::Readiness;
use crate::report::readiness::{Options, build};
use crate::report::{Format, Templates, render_readiness};
use crate::safe_write::{self, Kind, Overwrite};
use crate::workspace::Workspace;

/// Arguments of `crmkit report`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit report readiness\n  crmkit report readiness --format md --out out/readiness.md\n  \
crmkit report readiness --format all"
)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// The reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Readiness: scores, data quality, mapping, duplicates, staging and next steps
    Readiness(ReadinessArgs),
    /// Roll-out: timeline of phases and milestones, exit criteria with figures, team adoption, warnings
    Rollout(RolloutReportArgs),
    /// Adoption: activity, data quality, stage adherence, pipeline per rep and team, coaching
    Adoption(AdoptionReportArgs),
}

/// Arguments of `crmkit report adoption`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit report adoption                       # writes out/adoption.html\n  \
crmkit report adoption --format json > adoption.json\n  crmkit report adoption --format all --snapshot 2025-05-31\n\n\
HTML goes to out/adoption.html unless --out says otherwise; Markdown and JSON go to standard \
output unless --out is given; with --format all, --out names the folder (default out/)."
)]
pub struct AdoptionReportArgs {
    /// The snapshot to report (default: the latest); trends compare it with those before
    #[arg(long, value_name = "NAME")]
    pub snapshot: Option<String>,
    /// Who reads it: `client` keeps to the figures and says how many rows the exports could
    /// not give; `team` also lists each of those rows with its value and where it is kept
    #[arg(long, value_enum, default_value = "client")]
    pub audience: Audience,
    #[command(flatten)]
    pub output: ReportOutputArgs,
}

/// Arguments of `crmkit report rollout`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit report rollout                         # writes out/rollout.html\n  \
crmkit report rollout --format md > rollout.md\n  crmkit report rollout --format all --as-of 2027-02-01\n\n\
HTML goes to out/rollout.html unless --out says otherwise; Markdown and JSON go to standard \
output unless --out is given; with --format all, --out names the folder (default out/). The \
plan is rollout.yaml (see `crmkit rollout`); adoption comes from the latest snapshot of \
`crmkit adoption ingest`, per team of each phase."
)]
pub struct RolloutReportArgs {
    /// Review the plan as of this day instead of today (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Who reads it: `client` words the exit criteria and moves their expressions and the
    /// commands to an appendix; `team` keeps them inline
    #[arg(long, value_enum, default_value = "client")]
    pub audience: Audience,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
    #[command(flatten)]
    pub output: ReportOutputArgs,
}

/// Where and how every report is written: the flags `report readiness`, `rollout` and
/// `adoption` share.
#[derive(Debug, Args)]
pub struct ReportOutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "html")]
    pub format: FormatArg,
    /// File to write (a folder with --format all)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Folder whose REPORT.html.j2 / REPORT.md.j2 (readiness, rollout, adoption) replace the
    /// builtin templates (default: the workspace's `templates/` folder when it exists)
    #[arg(
        long,
        value_name = "DIR",
        env = "CRMKIT_TEMPLATES",
        hide_env_values = true
    )]
    pub templates: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceFlag,
}

impl ReportOutputArgs {
    /// The job these flags describe for the workspace and `audience`.
    fn job<'a>(
        &self,
        ws: &Workspace,
        formats: &'a [Format],
        templates: Option<&'a Path>,
        playbooks: Option<&'a Path>,
        audience: Audience,
    ) -> ReportJob<'a> {
        ReportJob {
            formats,
            destination: destination(ws, self.format, &self.out),
            templates,
            playbooks,
            overwrite: self.force.overwrite(),
            audience: Some(audience),
        }
    }

    /// `--templates`, else the workspace's `templates/` folder when it exists.
    fn templates_dir(&self, ws: &Workspace) -> Option<PathBuf> {
        self.templates
            .clone()
            .or_else(|| Some(ws.root.join("templates")).filter(|p| p.is_dir()))
    }
}

/// Formats of `report readiness`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Self-contained HTML page (inline CSS and SVG), printable
    Html,
    /// Markdown
    Md,
    /// The JSON document
    Json,
    /// All three, into out/readiness.{html,md,json}
    All,
}

/// Arguments of `crmkit report readiness`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit report readiness                       # writes out/readiness.html\n  \
crmkit report readiness --format md > readiness.md\n  crmkit report readiness --format json --out out/readiness.json\n  \
crmkit report readiness --format all --templates my-templates\n\n\
HTML goes to out/readiness.html unless --out says otherwise; Markdown and JSON go to standard \
output unless --out is given; with --format all, --out names the folder (default out/)."
)]
pub struct ReadinessArgs {
    /// Who reads it: `client` moves metric expressions, item ids and commands to an appendix;
    /// `team` keeps them inline
    #[arg(long, value_enum, default_value = "client")]
    pub audience: Audience,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
    #[command(flatten)]
    pub output: ReportOutputArgs,
}

/// Who a report is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Audience {
    /// The client: plain findings and fixes; the technical detail in an appendix
    #[default]
    Client,
    /// The project team: metric expressions, item ids and commands inline
    Team,
}

impl Audience {
    /// The name the report model carries.
    pub fn name(self) -> &'static str {
        match self {
            Audience::Client => "client",
            Audience::Team => "team",
        }
    }
}

/// Runs a `report` subcommand.
pub fn run(args: ReportArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    match args.command {
        ReportCommand::Readiness(a) => readiness(a, global),
        ReportCommand::Rollout(a) => rollout(a, global),
        ReportCommand::Adoption(a) => adoption(a, global),
    }
}

fn formats_of(format: FormatArg) -> Vec<Format> {
    match format {
        FormatArg::Html => vec![Format::Html],
        FormatArg::Md => vec![Format::Md],
        FormatArg::Json => vec![Format::Json],
        FormatArg::All => vec![Format::Html, Format::Md, Format::Json],
    }
}

fn destination(ws: &Workspace, format: FormatArg, out: &Option<PathBuf>) -> Destination {
    match (format, out) {
        (FormatArg::All, out) => Destination::Folder(out.clone().unwrap_or_else(|| ws.out_dir())),
        (FormatArg::Html, None) => Destination::Folder(ws.out_dir()),
        (_, Some(file)) => Destination::File(file.clone()),
        (_, None) => Destination::Stdout,
    }
}

fn rollout(args: RolloutReportArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let templates_dir = args.output.templates_dir(&ws);
    let playbooks_dir = args.playbooks.resolve(Some(&ws));
    let formats = formats_of(args.output.format);
    let written = write_rollout(
        &ws,
        &args.output.job(
            &ws,
            &formats,
            templates_dir.as_deref(),
            playbooks_dir.as_deref(),
            args.audience,
        ),
        args.as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
    )?;
    for path in &written {
        output::print(&format!("wrote {}\n", path.display()))?;
    }
    Ok(ExitStatus::Success)
}

/// Builds the roll-out report on `as_of` (mirroring the plan, as every `rollout` command
/// does) and writes it in each format of `job`; returns the files written. `demo` uses this.
pub fn write_rollout(
    ws: &Workspace,
    job: &ReportJob,
    as_of: chrono::NaiveDate,
) -> Result<Vec<PathBuf>> {
    use crate::rollout::catalogue::Catalogue;
    use crate::rollout::plan::Plan;
    let catalogue = Catalogue::load(job.playbooks)?;
    let plan = Plan::load(&Plan::path(&ws.root))?;
    let templates = Templates::load(job.templates)?;
    let review = super::rollout::sync(ws, &plan, &catalogue, as_of)?;
    let adoption = ws.db()?.latest_adoption()?;
    let report = crate::report::rollout::build(
        review,
        &adoption,
        &catalogue.report_metrics,
        &ws.config.client,
        ws.config.target.name(),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        &crate::report::rollout::View {
            audience: job.audience.unwrap_or_default().name(),
            words: &catalogue.metric_words,
        },
    );
    let written = job.write("rollout", |format| {
        crate::report::rollout::render(&templates, &report, format)
    })?;
    Ok(written)
}

fn readiness(args: ReadinessArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let templates_dir = args.output.templates_dir(&ws);
    let playbooks_dir = args.playbooks.resolve(Some(&ws));
    let formats = formats_of(args.output.format);
    let busy = output::Spinner::new("building the readiness report");
    let (report, written) = write_readiness(
        &ws,
        &args.output.job(
            &ws,
            &formats,
            templates_dir.as_deref(),
            playbooks_dir.as_deref(),
            args.audience,
        ),
    )?;
    drop(busy);
    if !written.is_empty() {
        output::print(&output::report::render_written(&report, &written))?;
    }
    Ok(ExitStatus::Success)
}

/// Where a report goes.
pub enum Destination {
    /// `<report>.<ext>` per format in this folder.
    Folder(PathBuf),
    /// This one file.
    File(PathBuf),
    Stdout,
}

/// One report rendering run (readiness, rollout or adoption).
pub struct ReportJob<'a> {
    pub formats: &'a [Format],
    pub destination: Destination,
    pub templates: Option<&'a Path>,
    pub playbooks: Option<&'a Path>,
    /// Which existing files may be replaced.
    pub overwrite: Overwrite,
    /// Who reads the report (default: the client).
    pub audience: Option<Audience>,
}

impl ReportJob<'_> {
    /// Writes the report `name` in each of the job's formats (`render` makes one) to its
    /// destination, or prints it; returns the files written. Every file is checked before any
    /// is written, so a refusal leaves nothing half done.
    fn write(&self, name: &str, render: impl Fn(Format) -> Result<String>) -> Result<Vec<PathBuf>> {
        let path_of = |format: &Format| match &self.destination {
            Destination::Stdout => None,
            Destination::File(path) => Some(path.clone()),
            Destination::Folder(dir) => Some(dir.join(format!("{name}.{}", format.extension()))),
        };
        for path in self.formats.iter().filter_map(path_of) {
            safe_write::check(&path, Kind::Report, self.overwrite)?;
        }
        let mut written = Vec::new();
        for format in self.formats {
            let text = render(*format)?;
            let Some(path) = path_of(format) else {
                output::print(&text)?;
                continue;
            };
            safe_write::write(&path, Kind::Report, self.overwrite, text.as_bytes())?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Builds the readiness report once and writes it in each format; returns the report and the
/// files written (none when it went to standard output). `demo` uses this too.
pub fn write_readiness(ws: &Workspace, job: &ReportJob) -> Result<(Readiness, Vec<PathBuf>)> {
    let library = crate::playbook::Library::load(job.playbooks)?;
    let rates = Rates::load(job.playbooks)?;
    let templates = Templates::load(job.templates)?;
    let report = build(
        ws,
        &Options {
            library: &library,
            rates: &rates,
            playbooks_dir: job.playbooks.map(Path::to_path_buf),
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            audience: job.audience.unwrap_or_default().name(),
        },
    )?;
    let written = job.write("readiness", |format| {
        render_readiness(&templates, &report, format)
    })?;
    Ok((report, written))
}

fn adoption(args: AdoptionReportArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let templates_dir = args.output.templates_dir(&ws);
    let formats = formats_of(args.output.format);
    let (analysis, written) = write_adoption(
        &ws,
        &args
            .output
            .job(&ws, &formats, templates_dir.as_deref(), None, args.audience),
        args.snapshot.as_deref(),
    )?;
    if !written.is_empty() {
        output::print(&output::adoption::written(&written, &analysis))?;
    }
    Ok(ExitStatus::Success)
}

/// Builds the adoption report of `snapshot` (default: the latest) and writes it in each
/// format; returns the snapshot's analysis and the files written. `demo` uses this too.
pub fn write_adoption(
    ws: &Workspace,
    job: &ReportJob,
    snapshot: Option<&str>,
) -> Result<(crate::adoption::Analysis, Vec<PathBuf>)> {
    use crate::error::Error;
    let db = ws.db()?;
    let all = db.adoption_snapshots()?;
    if all.is_empty() {
        return Err(Error::Usage(
            "no adoption snapshot yet\n  hint: crmkit adoption ingest users.csv opportunities.csv ... --as-of YYYY-MM-DD".into(),
        ));
    }
    let pos = match snapshot {
        Some(name) => all.iter().position(|s| s.snapshot == name).ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|s| s.snapshot.as_str()).collect();
            Error::Usage(format!(
                "no adoption snapshot `{name}` (snapshots: {})",
                names.join(", ")
            ))
        })?,
        None => all.len() - 1,
    };
    let mut history = Vec::new();
    for s in &all[..pos] {
        if let Some(a) = crate::adoption::stored_analysis(&db, &s.snapshot)? {
            history.push(a);
        }
    }
    let current = crate::adoption::stored_analysis(&db, &all[pos].snapshot)?.ok_or_else(|| {
        Error::Other(format!(
            "snapshot `{}` has not been measured; run `crmkit adoption ingest` again",
            all[pos].snapshot
        ))
    })?;
    let templates = Templates::load(job.templates)?;
    let generated_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let report = crate::report::adoption::build(
        &ws.config.client,
        &generated_at,
        job.audience.unwrap_or_default().name(),
        &current,
        &history,
    );
    let written = job.write("adoption", |format| {
        crate::report::adoption::render(&templates, &report, format)
    })?;
    Ok((current, written))
}
