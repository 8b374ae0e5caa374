//! `crmkit guide`: the walk through a playbook, asking on a terminal or reading an answers file.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::playbook::PlaybooksDir;
use super::{ExitStatus, GlobalArgs};
use crate::error::{Error, Result};
use crate::output::{self, prompt::Reply};
use crate::playbook::guide::{queue, view};
use crate::playbook::scoring::assess;
use crate::playbook::{Facts, Library, Playbook, answer};
use crate::staging::{Db, NewAnswer};

/// Arguments of `crmkit guide`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  crmkit guide\n  crmkit guide --playbook pre-implementation --step 2\n  \
crmkit guide --answers answers.yaml --author \"Jane Doe\"\n  crmkit guide --status\n\n\
On a terminal the guide asks each open question (Enter skips, or accepts an answer the data \
already measured; `n/a` marks an item that does not apply, leaving it out of the score; `later` \
leaves it open; ? explains; q quits) and resumes where it stopped. An answers file is YAML mapping item ids to answers, e.g.\n  \
pre.leader: Jane Doe\n  pre.objectives-ranked: yes\n  data.deadline: 2025-09-30\n  \
flow.lead-sources: [Web forms, Events and trade shows]"
)]
pub struct GuideArgs {
    /// Playbook to walk (default: `playbook` in crmkit.yaml)
    #[arg(long, value_name = "NAME")]
    pub playbook: Option<String>,
    /// Ask the items of step N, answered or not
    #[arg(long, value_name = "N")]
    pub step: Option<usize>,
    /// Ask every item again, answered or not
    #[arg(long)]
    pub revisit: bool,
    /// Record the answers in FILE (YAML: item id -> answer) without prompting
    #[arg(long, value_name = "FILE", conflicts_with_all = ["step", "revisit"])]
    pub answers: Option<PathBuf>,
    /// Only show where the playbook stands and the next action
    #[arg(long, conflicts_with_all = ["answers", "step", "revisit"])]
    pub status: bool,
    /// Name recorded with each answer (default: git's user.name, else $USER)
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// Print the status as JSON (with --status or --answers)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub playbooks: PlaybooksDir,
}

/// Runs the guide.
pub fn run(args: GuideArgs, global: &GlobalArgs) -> Result<ExitStatus> {
    let ws = global.workspace()?;
    let library = args.playbooks.load(Some(&ws))?;
    let default = ws.config.playbook.clone();
    let name = args.playbook.clone().unwrap_or_else(|| default.clone());
    let pb = library.get(&name)?.clone();
    let mut db = ws.db()?;
    let author = args.author.clone().unwrap_or_else(default_author);
    let show = |db: &Db| -> Result<()> {
        let facts = Facts::from_db(db)?;
        let a = assess(&library, &facts, &[]);
        let all: Vec<&Playbook> = library.playbooks.iter().map(|l| &l.playbook).collect();
        let v = view(&a, &pb, &all, &default);
        if args.json {
            output::json(&v)
        } else {
            output::print(&output::playbook::render_guide(&ws.config.client, &v))
        }
    };
    if let Some(file) = &args.answers {
        let n = record_file(&mut db, &library, file, &author)?;
        output::note(&format!(
            "recorded {} from `{}` as {author}",
            crate::numbers::plural(n as u64, "answer", "answers"),
            file.display()
        ));
        show(&db)?;
        return Ok(ExitStatus::Success);
    }
    if args.status {
        show(&db)?;
        return Ok(ExitStatus::Success);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "`crmkit guide` asks its questions only on a terminal, and standard input is not one\n  \
hint: pass --answers FILE (YAML: item id -> answer) to answer without prompts, or --status to see where the playbook stands"
                .into(),
        ));
    }
    // One line before the questions; the full panel is `--status`.
    let line = |db: &Db| -> Result<String> {
        let facts = Facts::from_db(db)?;
        let a = assess(&library, &facts, &[]);
        let all: Vec<&Playbook> = library.playbooks.iter().map(|l| &l.playbook).collect();
        let v = view(&a, &pb, &all, &default);
        Ok(output::playbook::render_guide_line(
            &ws.config.client,
            &v,
            &author,
        ))
    };
    output::prompt::say(&line(&db)?);
    interact(&mut db, &library, &pb, &args, &author)?;
    output::prompt::say(&format!("\n{}", line(&db)?));
    output::prompt::say("`crmkit guide --status` shows every step and its evidence\n");
    Ok(ExitStatus::Success)
}

/// Asks the queued items one by one, storing each answer as soon as it is given.
fn interact(
    db: &mut Db,
    library: &Library,
    pb: &Playbook,
    args: &GuideArgs,
    author: &str,
) -> Result<()> {
    let facts = Facts::from_db(db)?;
    let a = assess(library, &facts, &[]);
    let todo = queue(&a, pb, args.step, args.revisit)?;
    if todo.is_empty() {
        output::prompt::say("nothing to ask here: every item is answered or decided by data\n");
        return Ok(());
    }
    output::prompt::say(&format!(
        "{} to go. Enter skips (or accepts the measured answer), `n/a` marks an item that does not apply (out of the score), `later` leaves it open for next time, ? explains, q stops (answers so far are kept).\n",
        crate::numbers::plural(todo.len() as u64, "question", "questions")
    ));
    let total = todo.len();
    for (n, r) in todo.into_iter().enumerate() {
        let Some(item_ref) = library.find_item(&r.id) else {
            continue;
        };
        let item = item_ref.item;
        let current = r.answer.as_ref().map(|a| a.text.clone());
        // What the data already answers, offered as the default while nobody has answered.
        let measured = current
            .is_none()
            .then(|| answer::from_metric(&item.question, &facts.metrics))
            .flatten();
        output::prompt::say(&output::playbook::render_question(
            item_ref,
            n + 1,
            total,
            current.as_deref(),
            measured
                .as_ref()
                .map(|(v, by)| (answer::display(v), by.as_str())),
            r.evidence.as_ref().and_then(|e| e.command.as_deref()),
        ));
        loop {
            match output::prompt::ask(&output::playbook::input_hint(&item.question))? {
                Reply::Quit => {
                    output::prompt::say(
                        "stopped; `crmkit guide` resumes at the first open question\n",
                    );
                    return Ok(());
                }
                Reply::Skip => {
                    if let Some((value, by)) = &measured {
                        let json = value.to_string();
                        db.put_answers(&[NewAnswer {
                            playbook: &item_ref.playbook.name,
                            item: &item.id,
                            answer: &json,
                            author: by,
                        }])?;
                        output::prompt::say(&format!(
                            "  recorded: {} (as {by})\n",
                            answer::display(value)
                        ));
                        break;
                    }
                    output::prompt::say(&match &current {
                        Some(c) => format!("  kept: {c}\n"),
                        None => "  skipped\n".to_string(),
                    });
                    break;
                }
                Reply::Later => {
                    output::prompt::say(if current.is_some() {
                        "  later: the current answer stands for now\n"
                    } else {
                        "  later: left open, asked again next time\n"
                    });
                    break;
                }
                Reply::Help => output::prompt::say(&output::playbook::render_why(item)),
                Reply::Text(text) => match answer::from_text(&item.question, &text) {
                    Ok(value) => {
                        let json = value.to_string();
                        db.put_answers(&[NewAnswer {
                            playbook: &item_ref.playbook.name,
                            item: &item.id,
                            answer: &json,
                            author,
                        }])?;
                        output::prompt::say(&format!("  recorded: {}\n", answer::display(&value)));
                        break;
                    }
                    Err(e) => output::prompt::say(&format!("  {e}; try again\n")),
                },
            }
        }
    }
    Ok(())
}

/// Reads an answers file and records every answer in one transaction; any bad entry fails all.
fn record_file(db: &mut Db, library: &Library, file: &PathBuf, author: &str) -> Result<usize> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io("read", file, e))?;
    let parsed = answer::parse_file(library, &text, file)?;
    let json: Vec<String> = parsed.iter().map(|a| a.value.to_string()).collect();
    let answers: Vec<NewAnswer<'_>> = parsed
        .iter()
        .zip(&json)
        .map(|(a, answer)| NewAnswer {
            playbook: &a.playbook,
            item: &a.item,
            answer,
            author,
        })
        .collect();
    db.put_answers(&answers)?;
    Ok(parsed.len())
}

/// git's `user.name`, else `$USER`/`$USERNAME`, else `unknown`.
fn default_author() -> String {
    let git = std::process::Command::new("git")
        .args(["config", "user.name"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty());
    git.or_else(|| std::env::var("USER").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("USERNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}
