//! `crmkit score`: account status, RFM with purchase propensity, and lead scoring, from the
//! rules in `playbooks/rules.yaml`.

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::playbook::PlaybooksDir;
use super::stage::parse_date;
use super::{ExitStatus, GlobalArgs};
use crate::error::Result;
use crate::output;
use crate::rules::{self, Rules, records::Sources};
use crate::workspace::Workspace;

/// Arguments of `crmkit score`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  crmkit score status --as-of 2025-06-30\n  \
crmkit score rfm --json\n  \
crmkit score rfm --from invoices --account customer --date invoice_date --amount total\n\n\
Names a rule can read, besides every ingested column (`account.industry`) and the roles under \
`columns` in rules.yaml:\n  \
account.days_since_activity, account.opportunities, account.open_opportunities,\n  \
account.open_pipeline, account.won_opportunities, account.won_amount,\n  \
account.days_since_last_win, account.activities, account.days_since_last_touch,\n  \
account.country_code, account.status; rfm.r, rfm.f, rfm.m, rfm.segment, rfm.recency_days,\n  \
rfm.frequency, rfm.monetary, rfm.p_alive, rfm.expected_purchases, rfm.expected_value;\n  \
lead.score, lead.activities, lead.days_since_activity, lead.days_since_created")]
pub struct ScoreArgs {
    #[command(subcommand)]
    pub command: ScoreCommand,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
}

/// The `score` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScoreCommand {
    /// Each account's status (active, dormant, dead) from activity, pipeline and wins
    #[command(after_help = "Example:\n  crmkit score status --as-of 2025-06-30 --json")]
    Status(StatusArgs),
    /// RFM per account, quintile scores, segments, and BG/NBD purchase propensity
    #[command(after_help = "Examples:\n  crmkit score rfm --as-of 2025-06-30\n  \
crmkit score rfm --from invoices --account customer --date invoice_date --amount total --horizon 180")]
    Rfm(RfmArgs),
    /// Lead scores, MQL and SQL, the funnel; `--fit` learns weights from history
    #[command(after_help = "Examples:\n  crmkit score leads --as-of 2025-06-30\n  \
crmkit score leads --fit --json")]
    Leads(LeadsArgs),
}

/// Arguments of `crmkit score leads`.
#[derive(Debug, Args)]
pub struct LeadsArgs {
    /// Learn the weights from converted vs unconverted leads and compare AUCs on held-out leads
    #[arg(long)]
    pub fit: bool,
    /// Leads to list in the table (all with --json)
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    #[command(flatten)]
    pub common: Common,
}

/// Flags every score command takes.
#[derive(Debug, Args)]
pub struct Common {
    /// Date windows and recency are measured from, YYYY-MM-DD (default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `crmkit score status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `crmkit score rfm`.
#[derive(Debug, Args)]
pub struct RfmArgs {
    /// Dataset with the purchases (default: invoices/orders if ingested, else won opportunities)
    #[arg(long, value_name = "DATASET")]
    pub from: Option<String>,
    /// Column with the account reference
    #[arg(long, value_name = "COL")]
    pub account: Option<String>,
    /// Column with the purchase date
    #[arg(long, value_name = "COL")]
    pub date: Option<String>,
    /// Column with the amount
    #[arg(long, value_name = "COL")]
    pub amount: Option<String>,
    /// Days ahead for expected purchases and value (default: rules.yaml, 365)
    #[arg(long, value_name = "DAYS")]
    pub horizon: Option<u32>,
    /// Accounts to list in the table (all with --json)
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    #[command(flatten)]
    pub common: Common,
}

/// The workspace, its rules and its datasets.
pub(super) struct Loaded {
    pub ws: Workspace,
    pub rules: Rules,
    pub src: Sources,
    pub names: Vec<String>,
}

pub(super) fn load(global: &GlobalArgs, playbooks: &PlaybooksDir) -> Result<Loaded> {
    let ws = global.workspace()?;
    let mut rules = Rules::load(playbooks.resolve(Some(&ws)).as_deref())?;
    rules.status.stale_after_days = ws.config.settings.stale_after_days;
    let db = ws.db()?;
    let src = Sources::load(&db, &rules)?;
    let names = db.dataset_names()?;
    Ok(Loaded {
        ws,
        rules,
        src,
        names,
    })
}

/// Runs `crmkit score`.
pub fn run(args: ScoreArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let l = load(global, &args.playbooks)?;
    match args.command {
        ScoreCommand::Status(a) => {
            let as_of = a.common.as_of.unwrap_or_else(today);
            let (_, report) = rules::status::classify(&l.src, &l.rules, as_of)?;
            rules::store::save_status(&mut l.ws.db()?, &report)?;
            if a.common.json {
                output::json(&report)?;
            } else {
                output::print(&output::score::status(&report))?;
            }
        }
        ScoreCommand::Rfm(a) => {
            let mut l = l;
            if let Some(name) = a.from.as_deref().filter(|n| l.names.iter().any(|x| x == n)) {
                l.src.named = Some(rules::records::Table::load(&l.ws.db()?, name)?);
            }
            let opts = rules::rfm::Options {
                from: a.from,
                account: a.account,
                date: a.date,
                amount: a.amount,
                as_of: a.common.as_of,
                horizon_days: a.horizon,
            };
            let report = {
                let _busy = output::Spinner::new("scoring RFM and fitting the purchase model");
                rules::rfm::run(&l.src, &l.names, &l.rules, &opts)?
            };
            let dataset = l
                .src
                .accounts
                .as_ref()
                .map_or(report.source.dataset.clone(), |t| t.dataset.clone());
            rules::store::save_rfm(&mut l.ws.db()?, &dataset, &report)?;
            if a.common.json {
                output::json(&report)?;
            } else {
                output::print(&output::score::rfm(&report, a.top))?;
            }
        }
        ScoreCommand::Leads(a) => {
            let as_of = a.common.as_of.unwrap_or_else(today);
            let report = leads(&l, as_of, a.fit)?;
            rules::store::save_leads(&mut l.ws.db()?, &report)?;
            if a.common.json {
                output::json(&report)?;
            } else {
                output::print(&output::score::leads(&report, a.top))?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// Lead scores over the accounts' status facts and, when there are purchases, their RFM.
pub(super) fn leads(l: &Loaded, as_of: NaiveDate, fit: bool) -> Result<rules::leads::LeadReport> {
    let (facts, _) = rules::status::classify(&l.src, &l.rules, as_of)?;
    let rfm_opts = rules::rfm::Options {
        as_of: Some(as_of),
        ..Default::default()
    };
    // Leads are scored without RFM points when there is nothing to compute RFM from.
    let _busy = output::Spinner::new("scoring RFM and fitting the purchase model");
    let rfm = rules::rfm::run(&l.src, &l.names, &l.rules, &rfm_opts)
        .map(|r| r.accounts)
        .unwrap_or_default();
    rules::leads::run(&l.src, &l.rules, &facts, &rfm, as_of, fit)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}
