//! `crmkit checklist`: the pre-migration checklist for one role, as Markdown, HTML or JSON.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::playbook::PlaybooksDir;
use super::{ExitStatus, ForceFlag, GlobalArgs};
use crate::error::Result;
use crate::output;
use crate::playbook::checklist::{ChecklistOptions, build};
use crate::playbook::scoring::assess;
use crate::playbook::{Facts, Role};
use crate::safe_write;

/// Output formats of a checklist.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Markdown task list
    Md,
    /// Self-contained HTML page
    Html,
    /// The checklist as data: sections, items, ticks and evidence
    Json,
}

/// Roles a checklist is made for.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Admin,
    Consultant,
    Lead,
}

/// Arguments of `crmkit checklist`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit checklist --role admin\n  crmkit checklist --role lead --format html --out out/checklist-lead.html"
)]
pub struct ChecklistArgs {
    /// Who the checklist is for
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// Output format
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Write to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Include only this playbook (repeatable; default: all)
    #[arg(long, value_name = "NAME")]
    pub playbook: Vec<String>,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
    #[command(flatten)]
    pub force: ForceFlag,
}

/// Builds the checklist and writes it.
pub fn run(args: ChecklistArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let library = args.playbooks.load(Some(&ws))?;
    for name in &args.playbook {
        library.get(name)?;
    }
    let db = ws.db()?;
    let facts = Facts::from_db(&db)?;
    let a = assess(&library, &facts, &[]);
    let checklist = build(
        &library,
        &a,
        &facts,
        ChecklistOptions {
            client: ws.config.client.clone(),
            target: ws.config.target.to_string(),
            role: match args.role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Consultant => Role::Consultant,
                RoleArg::Lead => Role::Lead,
            },
            scope: args.playbook.clone(),
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
    );
    let text = match args.format {
        Format::Md => output::playbook::checklist_markdown(&checklist),
        Format::Html => crate::report::render("checklist.html.j2", &checklist)?,
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&checklist)
                .map_err(|e| crate::error::Error::Other(format!("checklist as JSON: {e}")))?;
            text.push('\n');
            text
        }
    };
    match &args.out {
        Some(path) => {
            safe_write::write(
                path,
                safe_write::Kind::Checklist,
                args.force.overwrite(),
                text.as_bytes(),
            )?;
            output::print(&format!(
                "wrote `{}`: {} of {} boxes ticked\n",
                path.display(),
                checklist.checked,
                checklist.total
            ))?;
        }
        None => output::print(&text)?,
    }
    Ok(ExitStatus::Success)
}
