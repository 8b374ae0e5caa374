//! `crmkit dedupe`: find duplicate records, propose survivors, and apply a person's review.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{ExitStatus, GlobalArgs};
use crate::dedupe::{Rules, link, review, run};
use crate::error::Result;
use crate::output;
use crate::safe_write;
use crate::sheet::SheetFormat;

/// Arguments of `crmkit dedupe`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  crmkit dedupe accounts --object account --id account_id --pairs out/pairs.csv\n  \
crmkit dedupe contacts --object contact --field email=work_email --format xlsx\n  \
crmkit dedupe accounts billing_export spreadsheet --object account --id accounts=ID --field billing_export.name=Customer\n  \
crmkit dedupe apply out/dedupe-review-accounts.csv"
)]
pub struct DedupeArgs {
    #[command(subcommand)]
    pub action: Option<DedupeAction>,
    /// Dataset to deduplicate (an ingested `src_` table without the prefix); several are
    /// linked: matched across and within them, survivors by source priority (argument order)
    #[arg(required = true, value_name = "DATASET")]
    pub datasets: Vec<String>,
    /// Kind of record: account, contact or lead
    #[arg(long, required = true)]
    pub object: Option<String>,
    /// Column with the record id (default: the source row number); with several datasets,
    /// DATASET=COLUMN names one dataset's (repeatable)
    #[arg(long, value_name = "COLUMN")]
    pub id: Vec<String>,
    /// Match probability at which two records are linked
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub threshold: f64,
    /// Use COLUMN for ROLE (name, domain, email, phone, street, city, postcode, country, first_name, last_name);
    /// with several datasets, DATASET.ROLE=COLUMN applies to one dataset only
    #[arg(long = "field", value_name = "ROLE=COLUMN", value_parser = parse_field)]
    pub fields: Vec<(String, String)>,
    /// With several datasets: which dataset's record survives a cluster, highest first
    /// (default: the order the datasets are named in)
    #[arg(long, value_name = "DATASET,...", value_delimiter = ',')]
    pub priority: Vec<String>,
    /// Write every pair of records that share a cluster, with per-field scores, to this CSV
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
    /// Where to write the review sheet (default: out/dedupe-review-DATASET.csv or .xlsx);
    /// a path ending in .xlsx is written as a workbook
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,
    /// Format of the default review sheet: csv (formula-like cells escaped with a leading ')
    /// or xlsx (every cell a string)
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SheetArg,
    /// Dedupe rules to use instead of the built-in playbooks/dedupe.yaml
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Score with this saved model (from `crmkit dedupe model`) instead of learning one
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Show how each pair of the first clusters scored (level and weight per role) and the
    /// learned model
    #[arg(long)]
    pub explain: bool,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub force: super::ForceFlag,
}

/// What names the records to deduplicate: the options `dedupe`, `dedupe model` and `dedupe
/// review` share.
#[derive(Debug, Args)]
pub struct Target {
    /// Dataset (an ingested `src_` table without the prefix); several are linked, as
    /// `crmkit dedupe A B C` links them
    #[arg(required = true, value_name = "DATASET")]
    pub datasets: Vec<String>,
    /// Kind of record: account, contact or lead
    #[arg(long)]
    pub object: String,
    /// Column with the record id (default: the source row number); with several datasets,
    /// DATASET=COLUMN names one dataset's (repeatable)
    #[arg(long, value_name = "COLUMN")]
    pub id: Vec<String>,
    /// Use COLUMN for ROLE; with several datasets, DATASET.ROLE=COLUMN applies to one only
    #[arg(long = "field", value_name = "ROLE=COLUMN", value_parser = parse_field)]
    pub fields: Vec<(String, String)>,
    /// With several datasets: which dataset's record survives a cluster, highest first
    #[arg(long, value_name = "DATASET,...", value_delimiter = ',')]
    pub priority: Vec<String>,
    /// Match probability at which two records are linked
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub threshold: f64,
    /// Dedupe rules to use instead of the built-in playbooks/dedupe.yaml
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

/// File formats of the review sheet.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SheetArg {
    Csv,
    Xlsx,
}

/// `crmkit dedupe` subcommands.
#[derive(Debug, Subcommand)]
pub enum DedupeAction {
    /// Apply an edited review sheet: accept/reject clusters, change survivors
    #[command(after_help = "Example:\n  crmkit dedupe apply out/dedupe-review-accounts.csv")]
    Apply {
        /// The review sheet (CSV or XLSX) written by `crmkit dedupe` and edited by a person
        file: PathBuf,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Learn the dataset's model (m, u and weight per role and level), print it and save it
    /// to models/dedupe-DATASET.yaml for review and reuse with `--model`; with several
    /// datasets, the linked run's one model (models/dedupe-A+B+C.yaml)
    #[command(
        after_help = "Example:\n  crmkit dedupe model contacts --object contact --id contact_id\n  \
crmkit dedupe contacts --object contact --model models/dedupe-contacts.yaml\n  \
crmkit dedupe model accounts billing_export --object account --id accounts=ID\n  \
crmkit dedupe accounts billing_export --object account --id accounts=ID --model models/dedupe-accounts+billing_export.yaml"
    )]
    Model {
        #[command(flatten)]
        target: Box<Target>,
        /// Where to save the model (default: models/dedupe-DATASET.yaml in the workspace)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Show the pairs whose answer would teach the model most (nearest the threshold); answers
    /// given with --match/--distinct are kept and refit the model on every later run; with
    /// several datasets, the linked run's pairs (records named DATASET:ID)
    #[command(
        after_help = "Example:\n  crmkit dedupe review contacts --object contact --id contact_id\n  \
crmkit dedupe review contacts --object contact --id contact_id --match C-12/C-80 --distinct C-3/C-41\n  \
crmkit dedupe review accounts billing_export --object account --match accounts:A-7/billing_export:B-1001"
    )]
    Review {
        #[command(flatten)]
        target: Box<Target>,
        /// Two records (ID_A/ID_B, as shown) are the same entity
        #[arg(long = "match", value_name = "ID_A/ID_B")]
        matches: Vec<String>,
        /// Two records (ID_A/ID_B) are different entities
        #[arg(long = "distinct", value_name = "ID_A/ID_B")]
        distinct: Vec<String>,
        /// How many pairs to show
        #[arg(long, default_value_t = 10, value_name = "N")]
        count: usize,
    },
}

/// One dataset's run or a run linking several, with the options each takes.
enum Scope {
    One(run::Options),
    Linked(link::LinkOptions),
}

/// What the arguments name: one dataset (`--id DATASET=COLUMN` and `--field
/// DATASET.ROLE=COLUMN` naming it work too) or several to link.
#[allow(clippy::too_many_arguments)]
fn scope(
    ws: &crate::workspace::Workspace,
    db: &crate::staging::Db,
    rules: &Rules,
    datasets: &[String],
    object: &str,
    ids: &[String],
    fields: &[(String, String)],
    priority: &[String],
    threshold: f64,
) -> Result<Scope> {
    let datasets: Vec<String> = datasets
        .iter()
        .map(|d| crate::intake::names::identifier(d))
        .collect();
    let object = object.to_lowercase();
    if datasets.len() > 1 {
        let mut mapped = std::collections::HashMap::new();
        for d in &datasets {
            mapped.insert(d.clone(), run::mapped_roles(ws, db, rules, d)?);
        }
        return Ok(Scope::Linked(link::LinkOptions {
            datasets,
            object,
            ids: ids
                .iter()
                .map(|i| match i.split_once('=') {
                    Some((d, c)) => (Some(d.trim().to_string()), c.trim().to_string()),
                    None => (None, i.clone()),
                })
                .collect(),
            fields: fields.to_vec(),
            priority: priority.to_vec(),
            threshold,
            mapped,
        }));
    }
    let dataset = datasets[0].clone();
    if !priority.is_empty() {
        return Err(crate::error::Error::Usage(
            "`--priority` orders the survivors of several datasets; name two or more".into(),
        ));
    }
    let mapped = run::mapped_roles(ws, db, rules, &dataset)?;
    let id_column = ids.first().map(|i| match i.split_once('=') {
        Some((d, c)) if crate::intake::names::identifier(d) == dataset => c.trim().to_string(),
        _ => i.clone(),
    });
    let fields = fields
        .iter()
        .map(|(r, c)| match r.split_once('.') {
            Some((d, r)) if crate::intake::names::identifier(d) == dataset => {
                (r.to_string(), c.clone())
            }
            _ => (r.clone(), c.clone()),
        })
        .collect();
    Ok(Scope::One(run::Options {
        dataset,
        object,
        id_column,
        threshold,
        fields,
        mapped,
    }))
}

impl Target {
    fn scope(
        &self,
        ws: &crate::workspace::Workspace,
        db: &crate::staging::Db,
        rules: &Rules,
    ) -> Result<Scope> {
        scope(
            ws,
            db,
            rules,
            &self.datasets,
            &self.object,
            &self.id,
            &self.fields,
            &self.priority,
            self.threshold,
        )
    }

    fn rules(&self) -> Result<Rules> {
        match &self.rules {
            Some(path) => Rules::load(path),
            None => Ok(Rules::builtin()),
        }
    }
}

fn parse_field(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((role, column)) if !role.trim().is_empty() && !column.trim().is_empty() => {
            Ok((role.trim().to_string(), column.trim().to_string()))
        }
        _ => Err(format!("`{s}` is not ROLE=COLUMN (e.g. name=company_name)")),
    }
}

/// Runs dedupe or applies a review.
pub fn run(args: DedupeArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let mut db = ws.db()?;
    if let Some(DedupeAction::Apply { file, json }) = args.action {
        let applied = review::apply(&mut db, &file)?;
        // Its decisions are in the database now, so the next run may write a fresh sheet.
        safe_write::adopt(&file, safe_write::Kind::DedupeReview)?;
        if json {
            output::json(&applied)?;
        } else {
            output::print(&output::dedupe::render_applied(&applied))?;
        }
        return Ok(ExitStatus::Success);
    }
    if let Some(DedupeAction::Model { target, out }) = &args.action {
        let rules = target.rules()?;
        let bar = output::Bar::rows();
        // A linked run learns one model over every source's pairs; it is saved under the
        // link's name and reused by `crmkit dedupe A B C --model FILE`.
        let (name, roles, model) = match target.scope(&ws, &db, &rules)? {
            Scope::One(options) => {
                let (roles, model) = run::learn(&mut db, &rules, &options, None, true, &bar)?;
                (options.dataset, roles, model)
            }
            Scope::Linked(options) => {
                let pass = link::find(&mut db, &rules, &options, None, true, 0, &bar)?;
                (pass.link(), pass.roles(), pass.found.model)
            }
        };
        let path = out
            .clone()
            .unwrap_or_else(|| ws.root.join("models").join(format!("dedupe-{name}.yaml")));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io("create", dir, e))?;
        }
        let text = serde_yaml::to_string(&model)
            .map_err(|e| crate::error::Error::Other(format!("model as YAML: {e}")))?;
        std::fs::write(&path, text).map_err(|e| crate::error::Error::io("write", &path, e))?;
        if target.json {
            output::json(
                &serde_json::json!({"dataset": name, "roles": roles, "model": model, "saved": path}),
            )?;
        } else {
            let columns: Vec<String> = roles
                .iter()
                .map(|r| format!("{}={}", r.role, r.column))
                .collect();
            output::print(&format!(
                "dedupe model of {} as {} on {}\n{}saved: {}\nreuse: crmkit dedupe {} --object {} --model {}\n",
                name,
                target.object.to_lowercase(),
                columns.join(", "),
                output::dedupe::render_model(&model),
                path.display(),
                target.datasets.join(" "),
                target.object.to_lowercase(),
                path.display()
            ))?;
        }
        return Ok(ExitStatus::Success);
    }
    if let Some(DedupeAction::Review {
        target,
        matches,
        distinct,
        count,
    }) = &args.action
    {
        let rules = target.rules()?;
        let bar = output::Bar::rows();
        let round = match target.scope(&ws, &db, &rules)? {
            Scope::One(options) => {
                run::review_round(&mut db, &rules, &options, matches, distinct, *count, &bar)?
            }
            Scope::Linked(options) => {
                review::link_round(&mut db, &rules, &options, (matches, distinct), *count, &bar)?
            }
        };
        if target.json {
            output::json(&round)?;
        } else {
            output::print(&output::dedupe::render_review(&round))?;
        }
        return Ok(ExitStatus::Success);
    }
    let rules = match &args.rules {
        Some(path) => Rules::load(path)?,
        None => Rules::builtin(),
    };
    let mut linked = None;
    let report = match scope(
        &ws,
        &db,
        &rules,
        &args.datasets,
        args.object.as_deref().unwrap_or_default(),
        &args.id,
        &args.fields,
        &args.priority,
        args.threshold,
    )? {
        Scope::Linked(options) => {
            let out = link::run(
                &mut db,
                &rules,
                &options,
                args.model.as_deref(),
                &output::Bar::rows(),
            )?;
            let report = out.report.clone();
            linked = Some(out);
            report
        }
        Scope::One(options) => run::run_with(
            &mut db,
            &rules,
            &options,
            args.model.as_deref(),
            &output::Bar::rows(),
        )?,
    };
    let format = match args.format {
        SheetArg::Csv => SheetFormat::Csv,
        SheetArg::Xlsx => SheetFormat::Xlsx,
    };
    let review_path = args.review.unwrap_or_else(|| {
        ws.out_dir().join(format!(
            "dedupe-review-{}.{}",
            report.dataset,
            format.extension()
        ))
    });
    // Both are checked first, so a refused pairs file does not follow a written review sheet.
    let overwrite = args.force.overwrite();
    safe_write::check(&review_path, safe_write::Kind::DedupeReview, overwrite)?;
    if let Some(path) = &args.pairs {
        safe_write::check(path, safe_write::Kind::DedupePairs, overwrite)?;
    }
    output::dedupe::write_review(&review_path, &report, overwrite)?;
    if let Some(path) = &args.pairs {
        output::dedupe::write_pairs(path, &report, overwrite)?;
    }
    if args.json {
        match &linked {
            Some(l) => output::json(l)?,
            None => output::json(&report)?,
        }
    } else {
        if let Some(l) = &linked {
            output::print(&output::dedupe::render_link(l))?;
        }
        output::print(&output::dedupe::render(
            &report,
            &review_path,
            args.pairs.as_deref(),
        ))?;
        if args.explain {
            output::print(&output::dedupe::render_explain(&report, 10))?;
        }
    }
    Ok(ExitStatus::Success)
}
