//! `crmkit init`: create an engagement workspace.

use std::path::PathBuf;

use clap::Args;

use super::ExitStatus;
use crate::error::Result;
use crate::output;
use crate::workspace::{Config, Target, Workspace};

/// Arguments of `crmkit init`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  crmkit init acme --client \"Acme Corp\" --target hubspot")]
pub struct InitArgs {
    /// Folder to create the workspace in (created if missing)
    pub dir: PathBuf,
    /// Client name (default: the folder name)
    #[arg(long)]
    pub client: Option<String>,
    /// Target CRM: salesforce, hubspot, dynamics, zoho or pipedrive
    #[arg(long, default_value = "salesforce", value_parser = parse_target)]
    pub target: Target,
}

fn parse_target(s: &str) -> Result<Target, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

/// Creates the workspace and says what to do next.
pub fn run(args: InitArgs) -> Result<ExitStatus> {
    let client = args.client.unwrap_or_else(|| {
        std::path::absolute(&args.dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "client".to_string())
    });
    let ws = Workspace::init(&args.dir, Config::new(&client, args.target))?;
    output::print(&format!(
        "created workspace `{}` for {} (target: {})\n  config:   {}\n  database: {}\n  access:   client data here is readable by you only (files 0600, folders 0700)\nnext: crmkit -w {} ingest FILE...\n",
        ws.root.display(),
        ws.config.client,
        ws.config.target,
        ws.root.join(crate::workspace::CONFIG_FILE).display(),
        ws.db_path().display(),
        ws.root.display(),
    ))?;
    Ok(ExitStatus::Success)
}
