//! Reading adoption exports into a snapshot: each file through the shared intake readers,
//! its role recognised (or mapped), its rows normalised (owners folded, dates to day numbers,
//! amounts read as people type them) and stored; activities and logins are counted per owner
//! and day as they stream, so memory does not grow with the file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::recognise::{self, Recognised, RoleMapping};
use super::vocab::{StageClass, Vocab};
use crate::error::{Error, Result};
use crate::intake::{self, DelimitedSource, ExcelSource, FileKind, Record, RowSource, TextOptions};
use crate::progress::{Numbered, Progress, ROWS_PER_TICK};
use crate::staging::{AdoptionTx, Db, ExportIssue, LeadRow, OppRow, UserRow};
use crate::values::date::{self as dates, DateParse, Order};

/// Rows read before deciding whether a date column is written day-first.
const ORDER_SAMPLE: u64 = 5_000;
/// Examples kept of values that could not be read.
const EXAMPLES: usize = 5;

/// A file to read, with the role mapping the user gave for it (if any).
pub struct Input<'a> {
    pub path: &'a Path,
    pub mapping: Option<(&'a Path, &'a RoleMapping)>,
}

/// One value that could not be read, located.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BadValue {
    pub row: u64,
    pub column: String,
    pub value: String,
    pub problem: String,
}

/// What reading one file did.
#[derive(Clone, Debug, Serialize)]
pub struct FileOutcome {
    pub file: String,
    pub role: String,
    pub rows: u64,
    /// Rows not stored (no owner, no stage, failed logins...), counted by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Values left empty because they could not be read, with the first examples.
    pub unreadable: u64,
    pub examples: Vec<BadValue>,
    /// What the reader noticed about rows (ragged, unclosed quote...), by kind; every one is
    /// stored with the snapshot (`_adoption_issues`).
    pub issues: BTreeMap<String, u64>,
    /// The first of them, located.
    pub issue_examples: Vec<ExportIssue>,
    /// The file was already in the snapshot (same content): not read again.
    pub already: bool,
    /// Field -> header used.
    pub fields: BTreeMap<String, String>,
}

/// The result of recognising the files, before anything is stored.
pub struct Plan {
    files: Vec<(PathBuf, Recognised, Vec<String>)>,
}

/// A file no role fits, with the suggested mapping text.
pub struct Unrecognised {
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub suggestion: String,
}

fn open(path: &Path) -> Result<Box<dyn RowSource>> {
    Ok(match intake::classify(path)? {
        FileKind::Text => Box::new(DelimitedSource::open(path, TextOptions::default())?),
        FileKind::Workbook => Box::new(ExcelSource::open(path, None)?),
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Recognises every file (users first, so owners resolve); the files no role fits come back
/// with suggestions and nothing is stored.
pub fn plan(
    vocab: &Vocab,
    inputs: &[Input],
) -> Result<std::result::Result<Plan, Vec<Unrecognised>>> {
    let mut files = Vec::new();
    let mut unknown = Vec::new();
    for input in inputs {
        let headers = open(input.path)?.info().headers.clone();
        let found = match input.mapping {
            Some((origin, m)) => Some(recognise::apply_mapping(
                vocab, m, origin, input.path, &headers,
            )?),
            None => recognise::recognise(vocab, &headers),
        };
        match found {
            Some(r) => files.push((input.path.to_path_buf(), r, headers)),
            None => unknown.push(Unrecognised {
                path: input.path.to_path_buf(),
                suggestion: recognise::suggest(vocab, &file_name(input.path), &headers),
                headers,
            }),
        }
    }
    if !unknown.is_empty() {
        return Ok(Err(unknown));
    }
    // Users first (owners resolve against them), history after the opportunities it extends.
    let rank = |role: &str| match role {
        "users" => 0,
        "opportunities" => 1,
        "stage_history" => 2,
        _ => 3,
    };
    files.sort_by_key(|(_, r, _)| rank(r.role));
    Ok(Ok(Plan { files }))
}

/// The key an owner, user name, email or id is matched by: folded words, `Last, First`
/// read as `First Last`.
pub fn person_key(value: &str) -> String {
    let v = value.trim();
    let flipped;
    let v = match v.split_once(',') {
        Some((last, first)) if !v.contains('@') && !first.trim().is_empty() => {
            flipped = format!("{} {}", first.trim(), last.trim());
            flipped.as_str()
        }
        _ => v,
    };
    crate::mapping::text::norm(v)
}

/// Reads the planned files into snapshot `snapshot` as of `as_of` (a day number).
pub fn store(
    db: &mut Db,
    vocab: &Vocab,
    plan: &Plan,
    snapshot: &str,
    as_of_text: &str,
    progress: &dyn Progress,
) -> Result<Vec<FileOutcome>> {
    let tx = db.begin_adoption(snapshot, as_of_text)?;
    let mut outcomes = Vec::new();
    for (i, file) in plan.files.iter().enumerate() {
        let (path, rec, headers) = file;
        let sha = intake::sha256_file(path)?;
        let fields: BTreeMap<String, String> = rec
            .columns
            .iter()
            .map(|(f, &i)| (f.clone(), headers[i].clone()))
            .collect();
        let mut outcome = FileOutcome {
            file: file_name(path),
            role: rec.role.to_string(),
            rows: 0,
            skipped: BTreeMap::new(),
            unreadable: 0,
            examples: Vec::new(),
            issues: BTreeMap::new(),
            issue_examples: Vec::new(),
            already: tx.has_file(&sha, rec.role)?,
            fields,
        };
        if !outcome.already {
            let numbered = Numbered::new(progress, i + 1, plan.files.len());
            let read = read_file(&tx, vocab, file, &sha, &mut outcome, &numbered);
            progress.finish();
            read?;
            tx.add_file(
                &outcome.file,
                &sha,
                rec.role,
                outcome.rows,
                outcome.skipped.values().sum(),
                &serde_json::to_string(&outcome.fields).unwrap_or_default(),
            )?;
        }
        outcomes.push(outcome);
    }
    tx.commit()?;
    db.resolve_adoption_reps(snapshot)?;
    Ok(outcomes)
}

/// Cells of one record by field, and the reading of dates and numbers with problems noted.
struct Reader<'a> {
    rec: &'a Recognised,
    headers: &'a [String],
    day_first: HashSet<usize>,
    outcome: &'a mut FileOutcome,
    /// Owners' folded keys, computed once per owner (a rep owns thousands of rows).
    owner_keys: HashMap<String, String>,
}

impl Reader<'_> {
    fn text<'r>(&self, record: &'r Record, field: &str) -> Option<&'r str> {
        let i = self.rec.get(field)?;
        record
            .cell(i)
            .map(str::trim)
            .filter(|v| !v.is_empty() && !crate::dedupe::normalize::is_placeholder(v))
    }

    fn bad(&mut self, row: u64, col: usize, value: &str, problem: &str) {
        self.outcome.unreadable += 1;
        if self.outcome.examples.len() < EXAMPLES {
            self.outcome.examples.push(BadValue {
                row,
                column: self.headers[col].clone(),
                value: crate::text::example(value),
                problem: problem.to_string(),
            });
        }
    }

    fn day_at(&mut self, record: &Record, col: usize) -> Option<i32> {
        let v = record.cell(col).map(str::trim).filter(|v| !v.is_empty())?;
        match dates::parse(v) {
            DateParse::Date(d) => Some(match (d.order, d.day_first_days) {
                (Order::Ambiguous, Some(alt)) if self.day_first.contains(&col) => alt,
                _ => d.days,
            }),
            DateParse::Impossible => {
                self.bad(record.number, col, v, "a date that does not exist");
                None
            }
            DateParse::NotDate => {
                // Spreadsheets may hold dates as serial numbers.
                match v.parse::<f64>() {
                    Ok(serial) if (20_000.0..80_000.0).contains(&serial) => Some(
                        dates::days(chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?) + serial as i32,
                    ),
                    _ => {
                        self.bad(record.number, col, v, "not a date");
                        None
                    }
                }
            }
        }
    }

    fn day(&mut self, record: &Record, field: &str) -> Option<i32> {
        let col = self.rec.get(field)?;
        self.day_at(record, col)
    }

    fn amount(&mut self, record: &Record, field: &str) -> Option<f64> {
        let col = self.rec.get(field)?;
        let v = self.text(record, field)?;
        match crate::profile::numbers::parse(v) {
            Some(n) => Some(n.value),
            None => {
                self.bad(record.number, col, v, "not a number");
                None
            }
        }
    }

    /// 1/0 for a column the export has (filled or not), None when it has no such column.
    fn filled(&self, record: &Record, field: &str) -> Option<bool> {
        self.rec.get(field)?;
        Some(self.text(record, field).is_some())
    }

    fn owner_key(&mut self, owner: &str) -> String {
        if let Some(k) = self.owner_keys.get(owner) {
            return k.clone();
        }
        let k = person_key(owner);
        self.owner_keys.insert(owner.to_string(), k.clone());
        k
    }

    fn skip(&mut self, reason: &str) {
        *self.outcome.skipped.entry(reason.to_string()).or_default() += 1;
    }

    fn note(&mut self, tx: &AdoptionTx, sha: &str, issue: ExportIssue) -> Result<()> {
        tx.issue(sha, &issue)?;
        *self.outcome.issues.entry(issue.kind.clone()).or_default() += 1;
        if self.outcome.issue_examples.len() < EXAMPLES {
            self.outcome.issue_examples.push(ExportIssue {
                value: issue.value.as_deref().map(crate::text::example),
                ..issue
            });
        }
        Ok(())
    }

    /// Stores what the reader noticed about a record, located by row, line, column and value;
    /// false when the record cannot be read as a row: its values do not line up with the
    /// headers, or an unclosed quote holds the rest of the file. Such a record is counted as
    /// not used and its values are kept whole in the issue.
    fn check_row(
        &mut self,
        tx: &AdoptionTx,
        sha: &str,
        record: &Record,
        text_file: bool,
    ) -> Result<bool> {
        let width = self.headers.len();
        let found = record.fields.len();
        // Spreadsheets drop trailing empty cells, so only surplus cells make their rows ragged.
        let ragged = found > width || (text_file && found < width);
        if record.issues.is_empty() && !ragged {
            return Ok(true);
        }
        let file = self.outcome.file.clone();
        let line = (record.line > 0).then_some(record.line);
        let located = |kind: &str,
                       column: Option<String>,
                       value: Option<String>,
                       detail: String,
                       used: bool| ExportIssue {
            file: file.clone(),
            row: record.number,
            line,
            column,
            value,
            kind: kind.to_string(),
            detail,
            used,
        };
        let header = |i: usize| {
            self.headers
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("field {}", i + 1))
        };
        let mut usable = true;
        let mut notes = Vec::new();
        for issue in &record.issues {
            if issue.kind == "unterminated_quote" {
                // The parser puts the rest of the file into the field the quote opened: the
                // record's last.
                let last = found.saturating_sub(1);
                let value = record.fields.get(last).unwrap_or_default();
                let swallowed = value.trim_end_matches(['\r', '\n']).matches('\n').count();
                usable = false;
                notes.push(located(
                    issue.kind,
                    Some(header(last)),
                    Some(value.to_string()),
                    format!(
                        "{}; the {swallowed} lines after it are inside this value, so they were not read as rows, and this row is not used",
                        issue.detail.split("; fix the quote").next().unwrap_or(&issue.detail)
                    ),
                    false,
                ));
            } else {
                let value = issue
                    .field
                    .and_then(|i| record.fields.get(i))
                    .map(String::from);
                notes.push(located(
                    issue.kind,
                    issue.field.map(header),
                    value,
                    issue.detail.clone(),
                    true,
                ));
            }
        }
        if ragged && usable {
            if found > width {
                usable = false;
                let all: Vec<&str> = record.fields.iter().collect();
                // Quotes that pair up across lines make one record of several.
                let breaks = all.iter().map(|v| v.matches('\n').count()).sum::<usize>();
                let spans = if breaks > 0 {
                    format!(
                        "; a quoted value holds line breaks, so this record runs over lines {} to {} (a quote left open?)",
                        record.line,
                        record.line + breaks as u64
                    )
                } else {
                    String::new()
                };
                notes.push(located(
                    "ragged_row",
                    Some(format!("beyond {}", header(width.saturating_sub(1)))),
                    Some(serde_json::to_string(&all).unwrap_or_default()),
                    format!(
                        "expected {width} fields, found {found}: the values do not line up with the headers (a delimiter inside an unquoted value?){spans}; the row is not used, its values are kept here"
                    ),
                    false,
                ));
            } else {
                let missing: Vec<String> = (found..width).map(header).collect();
                notes.push(located(
                    "ragged_row",
                    Some(header(found)),
                    None,
                    format!(
                        "expected {width} fields, found {found}: {} read as empty",
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    true,
                ));
            }
        }
        for n in notes {
            self.note(tx, sha, n)?;
        }
        if !usable {
            self.skip(
                if record.issues.iter().any(|i| i.kind == "unterminated_quote") {
                    "unclosed quote"
                } else {
                    "values do not line up with the headers"
                },
            );
        }
        Ok(usable)
    }
}

/// Which date columns write day-first dates, from the first rows.
fn day_first_columns(path: &Path, columns: &[usize]) -> Result<HashSet<usize>> {
    let mut source = open(path)?;
    let mut record = Record::default();
    let mut votes: HashMap<usize, (u64, u64)> = HashMap::new();
    let mut n = 0;
    while n < ORDER_SAMPLE && source.next_record(&mut record)? {
        n += 1;
        for &c in columns {
            if let Some(DateParse::Date(d)) = record.cell(c).map(dates::parse) {
                let e = votes.entry(c).or_default();
                match d.order {
                    Order::DayFirst => e.0 += 1,
                    Order::MonthFirst => e.1 += 1,
                    _ => {}
                }
            }
        }
    }
    Ok(votes
        .into_iter()
        .filter(|(_, (day, month))| day > month)
        .map(|(c, _)| c)
        .collect())
}

const DATE_FIELDS: &[&str] = &[
    "last_login",
    "login_time",
    "date",
    "created",
    "close",
    "modified",
    "week",
    "converted",
];

fn read_file(
    tx: &AdoptionTx,
    vocab: &Vocab,
    (path, rec, headers): &(PathBuf, Recognised, Vec<String>),
    sha: &str,
    outcome: &mut FileOutcome,
    progress: &dyn Progress,
) -> Result<()> {
    let mut date_cols: Vec<usize> = DATE_FIELDS.iter().filter_map(|f| rec.get(f)).collect();
    date_cols.extend(rec.entered.iter().map(|(c, _)| *c));
    let day_first = day_first_columns(path, &date_cols)?;
    let mut source = open(path)?;
    progress.start(
        &format!("reading {}", file_name(path)),
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    );
    let text_file = source.info().format == "csv";
    let mut r = Reader {
        rec,
        headers,
        day_first,
        outcome,
        owner_keys: HashMap::new(),
    };
    let mut record = Record::default();
    if !rec.entered.is_empty() {
        let stages: Vec<String> = rec.entered.iter().map(|(_, s)| s.clone()).collect();
        tx.stage_order(&stages)?;
    }
    // Activities and logins are counted per owner and day; owners are folded once each.
    // Owners are numbered as first seen, so the per-row lookup allocates nothing.
    let mut owners: HashMap<String, u32> = HashMap::new();
    let mut counts: HashMap<(u32, i32), (u64, u64, u64)> = HashMap::new();
    let mut rows = 0u64;
    while source.next_record(&mut record)? {
        rows += 1;
        if rows.is_multiple_of(ROWS_PER_TICK) {
            progress.set(source.position());
        }
        if !r.check_row(tx, sha, &record, text_file)? {
            continue;
        }
        match rec.role {
            "users" => user(tx, vocab, &mut r, &record)?,
            "opportunities" => opportunity(tx, vocab, &mut r, &record)?,
            "stage_history" => {
                let (Some(opp), Some(stage)) =
                    (r.text(&record, "opportunity"), r.text(&record, "stage"))
                else {
                    r.skip("no opportunity or stage");
                    continue;
                };
                if let Some(field) = r.text(&record, "field_name")
                    && !matches!(
                        crate::mapping::text::compact(field).as_str(),
                        "stagename" | "stage" | "dealstage"
                    )
                {
                    r.skip("not a stage change");
                    continue;
                }
                let (opp, stage) = (opp.to_string(), stage.to_string());
                match r.day(&record, "date") {
                    Some(day) => tx.history(&opp, &stage, day)?,
                    None => r.skip("no date"),
                }
            }
            "activities" | "logins" | "usage" => {
                let owner_field = if rec.role == "activities" {
                    "owner"
                } else {
                    "user"
                };
                let date_field = match rec.role {
                    "activities" => "date",
                    "logins" => "login_time",
                    _ => "week",
                };
                let Some(owner) = r.text(&record, owner_field) else {
                    r.skip("no owner");
                    continue;
                };
                if rec.role == "logins"
                    && let Some(status) = r.text(&record, "status")
                    && !status.to_lowercase().contains("success")
                {
                    r.skip("failed login");
                    continue;
                }
                let owner = match owners.get(owner) {
                    Some(&id) => id,
                    None => {
                        let id = owners.len() as u32;
                        owners.insert(owner.to_string(), id);
                        id
                    }
                };
                let Some(mut day) = r.day(&record, date_field) else {
                    r.skip("no date");
                    continue;
                };
                let (mut n, mut created, mut updated) = (1, 0, 0);
                if rec.role == "usage" {
                    let mut count =
                        |f: &str| r.amount(&record, f).map(|v| v.max(0.0) as u64).unwrap_or(0);
                    n = count("logins");
                    created = count("records_created");
                    updated = count("records_updated");
                    // A week with logins counts as a login on its last day.
                    day += 6;
                }
                let e = counts.entry((owner, day)).or_default();
                e.0 += n;
                e.1 += created;
                e.2 += updated;
            }
            "leads" => lead(tx, vocab, &mut r, &record)?,
            _ => {}
        }
    }
    let mut names = vec![(String::new(), String::new()); owners.len()];
    for (owner, id) in owners {
        let key = person_key(&owner);
        names[id as usize] = (owner, key);
    }
    let mut entries: Vec<_> = counts.into_iter().collect();
    entries.sort_by(|((a, da), _), ((b, db), _)| {
        names[*a as usize]
            .0
            .cmp(&names[*b as usize].0)
            .then(da.cmp(db))
    });
    for ((id, day), (n, created, updated)) in entries {
        let (owner, key) = &names[id as usize];
        match rec.role {
            "activities" => tx.activity(owner, key, day, n)?,
            source => tx.logins(source, owner, key, day, n, created, updated)?,
        }
    }
    r.outcome.rows = rows;
    Ok(())
}

fn user(tx: &AdoptionTx, vocab: &Vocab, r: &mut Reader, record: &Record) -> Result<()> {
    let get = |f: &str| r.text(record, f).map(String::from);
    let first_last = match (get("first_name"), get("last_name")) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    };
    let (id, email, username) = (get("id"), get("email"), get("username"));
    let Some(name) = get("name")
        .or(first_last.clone())
        .or(username.clone())
        .or(email.clone())
        .or(id.clone())
    else {
        r.skip("no name, email or id");
        return Ok(());
    };
    let key = person_key(id.as_deref().or(email.as_deref()).unwrap_or(&name));
    let mut aliases: Vec<String> = [
        Some(&name),
        first_last.as_ref(),
        email.as_ref(),
        id.as_ref(),
        username.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|v| person_key(v))
    .collect();
    // Salesforce writes the same id in 15 and 18 characters.
    if let Some(id) = id
        .as_ref()
        .filter(|i| i.len() == 18 && i.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        aliases.push(person_key(&id[..15]));
    }
    aliases.retain(|a| !a.is_empty());
    let active = get("active").map(|v| {
        let yes = vocab.truthy(&v);
        // A `Deactivated` column says the opposite.
        if r.rec
            .columns
            .get("active")
            .is_some_and(|&c| crate::mapping::text::compact(&r.headers[c]) == "deactivated")
        {
            !yes
        } else {
            yes
        }
    });
    let licence = get("licence");
    let licensed = active != Some(false)
        && licence.as_deref().is_none_or(|l| {
            !matches!(
                crate::mapping::text::compact(l).as_str(),
                "none" | "nolicense" | "nolicence" | "inactive" | "free" | "viewonly"
            )
        });
    let u = UserRow {
        key,
        id,
        name,
        email,
        role: get("role"),
        team: get("team"),
        manager: get("manager"),
        region: get("region"),
        active,
        licensed,
        last_login: r.day(record, "last_login"),
        quota: r.amount(record, "quota"),
    };
    tx.user(&u, &aliases)
}

fn opportunity(tx: &AdoptionTx, vocab: &Vocab, r: &mut Reader, record: &Record) -> Result<()> {
    let (Some(owner), Some(stage)) = (r.text(record, "owner"), r.text(record, "stage")) else {
        r.skip("no owner or stage");
        return Ok(());
    };
    let (owner, stage) = (owner.to_string(), stage.to_string());
    let opp = r
        .text(record, "id")
        .map(String::from)
        .unwrap_or_else(|| format!("row {}", record.number));
    let flag = |f: &str| r.text(record, f).map(|v| vocab.truthy(v));
    let status = r.text(record, "status").map(|s| vocab.stage_class(s));
    let class = match (flag("is_closed"), flag("is_won"), status) {
        (Some(true), Some(true), _) => StageClass::Won,
        (Some(true), _, _) => StageClass::Lost,
        (Some(false), _, _) => StageClass::Open,
        (None, _, Some(s)) if s != StageClass::Open => s,
        _ => vocab.stage_class(&stage),
    };
    let o = OppRow {
        owner_key: r.owner_key(&owner),
        owner,
        stage,
        class: class.name(),
        amount: r.amount(record, "amount"),
        created: r.day(record, "created"),
        close: r.day(record, "close"),
        modified: r.day(record, "modified"),
        next_step: r.filled(record, "next_step"),
        forecast: r.filled(record, "forecast"),
        contact_roles: r.filled(record, "contact_roles"),
        opp,
    };
    tx.opp(&o)?;
    for (col, stage) in &r.rec.entered {
        if let Some(day) = r.day_at(record, *col) {
            tx.history(&o.opp, stage, day)?;
        }
    }
    Ok(())
}

fn lead(tx: &AdoptionTx, vocab: &Vocab, r: &mut Reader, record: &Record) -> Result<()> {
    let get = |f: &str| r.text(record, f).map(String::from);
    let status = get("status_lead");
    let converted = r.rec.get("converted").map(|_| {
        get("converted")
            .is_some_and(|v| vocab.truthy(&v) || matches!(dates::parse(&v), DateParse::Date(_)))
    });
    let converted_opp = get("converted_opportunity");
    let mut stage = status
        .as_deref()
        .map(|s| vocab.lead_stage(s))
        .unwrap_or("lead");
    if converted == Some(true) || converted_opp.is_some() {
        stage = "opportunity";
    }
    let owner = get("owner");
    let l = LeadRow {
        lead: get("id").unwrap_or_else(|| format!("row {}", record.number)),
        owner_key: owner.as_deref().map(person_key),
        owner,
        status,
        stage,
        source: get("source"),
        created: r.day(record, "created"),
        converted,
        converted_opp,
    };
    tx.lead(&l)
}

/// Refuses what cannot become a snapshot, before reading anything.
pub fn check_inputs(files: &[PathBuf]) -> Result<()> {
    if files.is_empty() {
        return Err(Error::Usage(
            "name at least one export to ingest\n  hint: crmkit adoption ingest users.csv opportunities.csv".into(),
        ));
    }
    for f in files {
        if !f.is_file() {
            return Err(Error::Input(format!("`{}` is not a file", f.display())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_keys_fold_case_accents_and_last_first() {
        assert_eq!(person_key("Whitfield, Dana"), person_key("dana  WHITFIELD"));
        assert_eq!(person_key("Josée Faure"), person_key("Josee Faure"));
        assert_eq!(person_key("a.b@x.com"), person_key("A.B@X.COM"));
        assert_ne!(person_key("Dana Whitfield"), person_key("Dan Whitfield"));
    }

    #[test]
    fn salesforce_and_hubspot_date_times_read_as_days() {
        for v in [
            "2025-06-30T14:22:00.000+0000",
            "2025-06-30 14:22",
            "06/30/2025",
            "2025-06-30",
        ] {
            match dates::parse(v) {
                DateParse::Date(d) => assert_eq!(
                    dates::date(d.days).unwrap().to_string(),
                    "2025-06-30",
                    "{v}"
                ),
                other => panic!("{v}: {other:?}"),
            }
        }
    }
}
