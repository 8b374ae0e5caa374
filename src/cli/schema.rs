//! `crmkit schema`: list and show target schemas, pull a live one.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::ExitStatus;
use crate::error::{Error, Result};
use crate::output;
use crate::targets::{self, SchemaSource, TargetSchema};
use crate::workspace::Target;

/// Where schemas come from: flags shared by `schema` and `map`.
#[derive(Debug, Args, Clone)]
pub struct SchemaFlags {
    /// A schema file whose objects replace the builtin ones (e.g. from `schema pull`)
    #[arg(long = "schema", value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// A folder overriding builtin playbooks by file name (targets/*.yaml, synonyms.yaml)
    #[arg(long, value_name = "DIR")]
    pub playbooks: Option<PathBuf>,
}

impl SchemaFlags {
    /// The flags as a schema source.
    pub fn source(&self) -> SchemaSource {
        SchemaSource {
            playbooks: self.playbooks.clone(),
            custom: self.schema.clone(),
        }
    }
}

/// Arguments of `crmkit schema`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit schema list\n  crmkit schema show hubspot:account\n  \
crmkit schema pull salesforce --object account --out schemas/account.yaml"
)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub command: SchemaCommand,
}

/// The `schema` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// List the targets and their objects
    List(ListArgs),
    /// Show the fields of a target's objects
    Show(ShowArgs),
    /// Read an object's live schema from Salesforce or HubSpot (credentials from the environment)
    Pull(PullArgs),
}

/// Arguments of `crmkit schema list`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  crmkit schema list --json")]
pub struct ListArgs {
    #[command(flatten)]
    pub flags: SchemaFlags,
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `crmkit schema show`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit schema show salesforce\n  crmkit schema show hubspot:account --json"
)]
pub struct ShowArgs {
    /// TARGET or TARGET:OBJECT, e.g. `zoho:contact` (generic or the target's own object name)
    #[arg(value_name = "TARGET[:OBJECT]")]
    pub spec: String,
    #[command(flatten)]
    pub flags: SchemaFlags,
    /// Print as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `crmkit schema pull`.
#[derive(Debug, Args)]
#[command(
    after_help = "Environment:\n  SALESFORCE_INSTANCE_URL, SALESFORCE_ACCESS_TOKEN [, SALESFORCE_API_VERSION]\n  \
HUBSPOT_ACCESS_TOKEN [, HUBSPOT_BASE_URL]\n\nExample:\n  crmkit schema pull salesforce --object account --out schemas/account.yaml"
)]
pub struct PullArgs {
    /// salesforce or hubspot
    #[arg(value_parser = parse_target)]
    pub target: Target,
    /// Object: generic (`account`) or the target's own API name (`Invoice__c`, `p_tickets`)
    #[arg(long)]
    pub object: String,
    /// Write the schema file here (default: standard output)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// A folder overriding builtin playbooks by file name
    #[arg(long, value_name = "DIR")]
    pub playbooks: Option<PathBuf>,
    #[command(flatten)]
    pub force: super::ForceFlag,
}

/// Parses a target name for clap.
pub fn parse_target(s: &str) -> Result<Target, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

/// Runs a `schema` subcommand.
pub fn run(args: SchemaArgs) -> Result<ExitStatus> {
    match args.command {
        SchemaCommand::List(a) => list(a),
        SchemaCommand::Show(a) => show(a),
        SchemaCommand::Pull(a) => pull(a),
    }
}

fn list(args: ListArgs) -> Result<ExitStatus> {
    let source = args.flags.source();
    let schemas: Vec<TargetSchema> = Target::ALL
        .into_iter()
        .map(|t| source.load(t))
        .collect::<Result<_>>()?;
    if args.json {
        let rows: Vec<serde_json::Value> = schemas
            .iter()
            .flat_map(|s| {
                s.objects.iter().map(|(k, o)| {
                    serde_json::json!({
                        "target": s.target,
                        "object": k,
                        "name": o.name,
                        "fields": o.fields.len(),
                        "required": o.fields.iter().filter(|f| f.required).count(),
                    })
                })
            })
            .collect();
        output::json(&rows)?;
    } else {
        output::print(&output::schema::render_list(&schemas))?;
    }
    Ok(ExitStatus::Success)
}

fn show(args: ShowArgs) -> Result<ExitStatus> {
    let (target, object) = match args.spec.split_once(':') {
        Some((t, o)) => (t.parse::<Target>()?, Some(o)),
        None => (args.spec.parse::<Target>()?, None),
    };
    let schema = args.flags.source().load(target)?;
    let objects = match object {
        Some(o) => vec![schema.object(o)?],
        None => schema
            .objects
            .iter()
            .map(|(k, o)| (k.as_str(), o))
            .collect(),
    };
    if args.json {
        let map: serde_json::Map<String, serde_json::Value> = objects
            .iter()
            .map(|(k, o)| (k.to_string(), serde_json::to_value(o).unwrap_or_default()))
            .collect();
        output::json(&serde_json::json!({"target": schema.target, "objects": map}))?;
    } else {
        output::print(&output::schema::render_show(&schema, &objects))?;
    }
    Ok(ExitStatus::Success)
}

fn pull(args: PullArgs) -> Result<ExitStatus> {
    // Refused before the org is asked, not after.
    if let Some(path) = &args.out {
        crate::safe_write::check(
            path,
            crate::safe_write::Kind::Schema,
            args.force.overwrite(),
        )?;
    }
    let source = SchemaSource {
        playbooks: args.playbooks.clone(),
        custom: None,
    };
    let builtin = source.load(args.target)?;
    let connector = crate::connectors::from_env(args.target)?;
    let schema = targets::pull::pull(connector.as_ref(), &builtin, &args.object)?;
    let text = format!(
        "# {} schema pulled by `crmkit schema pull`; use it with --schema FILE\n{}",
        schema.target,
        serde_yaml::to_string(&schema)
            .map_err(|e| Error::Other(format!("cannot write the schema as YAML: {e}")))?
    );
    match &args.out {
        Some(path) => {
            crate::safe_write::write(
                path,
                crate::safe_write::Kind::Schema,
                args.force.overwrite(),
                text.as_bytes(),
            )?;
            for (key, o) in &schema.objects {
                let custom = o.fields.iter().filter(|f| f.custom).count();
                output::print(&format!(
                    "pulled {} {} ({key}): {} fields, {custom} custom\nwrote {}\n",
                    schema.target,
                    o.name,
                    o.fields.len(),
                    path.display()
                ))?;
            }
        }
        None => output::print(&text)?,
    }
    Ok(ExitStatus::Success)
}
