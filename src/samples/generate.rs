//! One generation run: users first, then accounts row by row, each with its contacts,
//! activities and opportunities, streamed to the files while the truth is recorded.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::company::{Company, NameSpace, new_company};
use super::people::{ContactCells, Person, people};
use super::pick::{chance, pick, range, weighted};
use super::plan::{MISSING_PARENT, NO_CLUSTER, NO_PARENT, Plan};
use super::rules::{PLACEHOLDERS, fold};
use super::scramble::{Scramble, mix};
use super::sink::{CsvSink, Encoding, XlsxSink};
use super::truth::{
    ACCOUNTS, ACTIVITIES, CONTACTS, CRM_USAGE, OPPORTUNITIES, Recorder, USERS, acc, act, con, ds,
    opp, record_id,
};
use super::words::{Country, Words};
use crate::error::Result;
use crate::numbers::thousands;
use crate::progress::Progress;

/// Contacts per account row: weights for 0, 1, 2, ... 7 (about three on average).
const CONTACT_WEIGHTS: [u32; 8] = [6, 14, 22, 24, 16, 10, 5, 3];
/// Opportunities per account row: weights for 0..=6 (about two on average).
const OPPORTUNITY_WEIGHTS: [u32; 7] = [15, 25, 25, 18, 10, 5, 2];
/// Accounts per user.
const ACCOUNTS_PER_USER: u32 = 25;
const MIN_USERS: u32 = 5;
/// Weeks of crm_usage before `as_of`.
const USAGE_WEEKS: i64 = 12;
/// Dates near the staleness cut-off are avoided so that an off-by-one in a reader's
/// comparison cannot change who is stale.
const CUTOFF_MARGIN: i64 = 3;

/// The shared inputs of a run.
pub struct Setup<'a> {
    pub words: &'a Words,
    pub dir: &'a Path,
    pub seed: u64,
    pub accounts: u32,
    pub xlsx: bool,
    pub as_of: NaiveDate,
    pub stale_after_days: i64,
}

/// A user of the legacy CRM.
#[derive(Debug, Clone)]
struct User {
    name: String,
    email: String,
}

/// A company being written: one account row, or the rows of a duplicate cluster.
struct CompanyState {
    company: Company,
    /// Stream number of the company's people, so they can be drawn again identically.
    stream: u64,
    protect: Vec<bool>,
    /// People entered twice in the same account row.
    twice: Vec<bool>,
    /// People (pool indexes) in each account row of the company.
    selections: Vec<Vec<u16>>,
    next_member: usize,
    /// Contact ids written for each person.
    seen: Vec<Vec<u64>>,
    /// The company's first person has an accented name (see `Run::accent`).
    accent_first: bool,
}

/// Streams for everything, advanced in a fixed order.
struct Run<'a> {
    s: &'a Setup<'a>,
    rng: ChaCha8Rng,
    names: NameSpace,
    companies: u64,
    users: Vec<User>,
    plan: Plan,
    open: BTreeMap<u32, CompanyState>,
    rec: Recorder,
    accounts: CsvSink,
    contacts: CsvSink,
    opportunities: CsvSink,
    activities: CsvSink,
    workbook: Option<XlsxSink>,
    next_contact: u64,
    next_opportunity: u64,
    next_activity: u64,
    contact_clusters: Vec<Vec<u64>>,
    cutoff: NaiveDate,
}

/// What a run produced: row counts per file and the recorder holding the truth.
pub struct Output {
    pub rows: Vec<(&'static str, u64, Encoding)>,
    pub recorder: Recorder,
    pub duplicate_clusters: Vec<Vec<String>>,
    pub contact_duplicate_clusters: Vec<Vec<String>>,
}

/// A second, independent random stream derived from the seed.
fn stream(seed: u64, n: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(n);
    rng
}

fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn us_date(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", d.month(), d.day(), d.year())
}

fn text_date(d: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:04}",
        d.day(),
        MONTHS[d.month0() as usize],
        d.year()
    )
}

fn date_time(d: NaiveDate, rng: &mut ChaCha8Rng) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        iso(d),
        range(rng, 7, 18),
        range(rng, 0, 59),
        range(rng, 0, 59)
    )
}

/// A date uniformly in `from..=to` (or `from` when the range is empty).
fn between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u32;
    from + Duration::days(range(rng, 0, span) as i64)
}

/// Runs the generation into `setup.dir`.
pub fn run(setup: &Setup<'_>, progress: &dyn Progress) -> Result<Output> {
    let dir = setup.dir;
    let mut rng = ChaCha8Rng::seed_from_u64(setup.seed);
    let plan = Plan::new(setup.accounts, &mut rng);
    let mut rec = Recorder::new(
        u64::from(setup.accounts),
        setup.as_of,
        setup.stale_after_days,
    );
    let (users, user_rows, usage_rows) = write_users(setup, &mut rec)?;
    let workbook = if setup.xlsx {
        Some(XlsxSink::create(
            &dir.join(super::truth::ACCOUNTS_XLSX),
            ACCOUNTS.headers,
            vec![acc::CREATED],
            vec![acc::REVENUE],
            vec![acc::EMPLOYEES],
            &setup.as_of,
        )?)
    } else {
        None
    };
    let mut run = Run {
        s: setup,
        rng,
        names: NameSpace::new(setup.words, setup.seed),
        companies: 0,
        users,
        plan,
        open: BTreeMap::new(),
        rec,
        accounts: CsvSink::create(&dir.join(ACCOUNTS.file), ACCOUNTS.headers, Encoding::Utf8)?,
        contacts: CsvSink::create(
            &dir.join(CONTACTS.file),
            CONTACTS.headers,
            Encoding::Windows1252,
        )?,
        opportunities: CsvSink::create(
            &dir.join(OPPORTUNITIES.file),
            OPPORTUNITIES.headers,
            Encoding::Utf8,
        )?,
        activities: CsvSink::create(
            &dir.join(ACTIVITIES.file),
            ACTIVITIES.headers,
            Encoding::Utf8,
        )?,
        workbook,
        next_contact: 0,
        next_opportunity: 0,
        next_activity: 0,
        contact_clusters: Vec::new(),
        cutoff: setup.as_of - Duration::days(setup.stale_after_days),
    };
    progress.start("generating accounts", u64::from(setup.accounts));
    for row in 0..setup.accounts {
        run.account(row)?;
        if row % 4096 == 0 {
            progress.set(u64::from(row));
        }
    }
    progress.finish();
    let mut rows = vec![
        (USERS.file, user_rows, Encoding::Utf8),
        (CRM_USAGE.file, usage_rows, Encoding::Utf8),
        (ACCOUNTS.file, run.accounts.finish()?, Encoding::Utf8),
        (CONTACTS.file, run.contacts.finish()?, Encoding::Windows1252),
        (
            OPPORTUNITIES.file,
            run.opportunities.finish()?,
            Encoding::Utf8,
        ),
        (ACTIVITIES.file, run.activities.finish()?, Encoding::Utf8),
    ];
    if let Some(wb) = run.workbook {
        // XLSX text is UTF-8 XML.
        rows.push((super::truth::ACCOUNTS_XLSX, wb.finish()?, Encoding::Utf8));
    }
    let mut duplicate_clusters: Vec<Vec<String>> = run
        .plan
        .clusters
        .iter()
        .map(|c| {
            c.iter()
                .map(|&r| record_id("A", u64::from(r) + 1))
                .collect()
        })
        .collect();
    duplicate_clusters.sort();
    run.contact_clusters.sort();
    let contact_duplicate_clusters = run
        .contact_clusters
        .iter()
        .map(|c| c.iter().map(|&n| record_id("C", n)).collect())
        .collect();
    Ok(Output {
        rows,
        recorder: run.rec,
        duplicate_clusters,
        contact_duplicate_clusters,
    })
}

/// Unique `(first, last)` name pairs from every country, by folded spelling.
fn user_names(words: &Words) -> (Vec<&str>, Vec<&str>) {
    let mut firsts: BTreeMap<String, &str> = BTreeMap::new();
    let mut lasts: BTreeMap<String, &str> = BTreeMap::new();
    for c in &words.countries {
        for f in &c.first_names {
            firsts.entry(email_token(f)).or_insert(f);
        }
        for l in &c.last_names {
            lasts.entry(email_token(l)).or_insert(l);
        }
    }
    (
        firsts.into_values().collect(),
        lasts.into_values().collect(),
    )
}

/// A name as it appears in an email address: folded, lowercase, letters, digits and `-`.
fn email_token(s: &str) -> String {
    fold(s)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// Writes users.csv and crm_usage.csv; returns the users and both row counts.
fn write_users(s: &Setup<'_>, rec: &mut Recorder) -> Result<(Vec<User>, u64, u64)> {
    let mut rng = stream(s.seed, u64::MAX);
    let count = (s.accounts.div_ceil(ACCOUNTS_PER_USER)).max(MIN_USERS) as u64;
    let (firsts, lasts) = user_names(s.words);
    let pairs = (firsts.len() * lasts.len()) as u64;
    let order = Scramble::new(pairs, mix(s.seed ^ 0x05E5));
    let mut users_csv = CsvSink::create(&s.dir.join(USERS.file), USERS.headers, Encoding::Utf8)?;
    let mut users = Vec::with_capacity(count as usize);
    let mut active = Vec::with_capacity(count as usize);
    for i in 0..count {
        // Past every plain pair, middle initials keep names unique.
        let v = order.get(i % pairs);
        let (f, l) = (
            firsts[(v / lasts.len() as u64) as usize],
            lasts[(v % lasts.len() as u64) as usize],
        );
        let initial = (i / pairs)
            .checked_sub(1)
            .map(|k| char::from(b'A' + (k % 26) as u8));
        let (name, local) = match initial {
            None => (
                format!("{f} {l}"),
                format!("{}.{}", email_token(f), email_token(l)),
            ),
            Some(m) => (
                format!("{f} {m}. {l}"),
                format!(
                    "{}.{}.{}",
                    email_token(f),
                    m.to_ascii_lowercase(),
                    email_token(l)
                ),
            ),
        };
        let email = format!("{local}@{}", s.words.users_domain);
        let is_active = i == 0 || chance(&mut rng, 0.85);
        let role = if i == 0 {
            "System Administrator".to_string()
        } else {
            pick(&mut rng, &s.words.user_roles).clone()
        };
        let row = vec![
            format!("U-{:04}", i + 1),
            name.clone(),
            email.clone(),
            role,
            pick(&mut rng, &s.words.user_regions).clone(),
            (if is_active { "true" } else { "false" }).to_string(),
        ];
        rec.scan(ds::USERS, &row);
        users_csv.write(&row)?;
        users.push(User { name, email });
        active.push(is_active);
    }
    let user_rows = users_csv.finish()?;

    let mut usage = CsvSink::create(
        &s.dir.join(CRM_USAGE.file),
        CRM_USAGE.headers,
        Encoding::Utf8,
    )?;
    for (u, user) in users.iter().enumerate() {
        // Engagement differs a lot between people; some stop using the CRM.
        let engagement = range(&mut rng, 5, 100) as f64 / 100.0;
        let quits_at = chance(&mut rng, 0.1).then(|| range(&mut rng, 4, 11) as i64);
        for w in 0..USAGE_WEEKS {
            let week = s.as_of - Duration::days(7 * (USAGE_WEEKS - w));
            let using = active[u] && quits_at.is_none_or(|q| w < q);
            let mut scaled = |hi: u32| (range(&mut rng, 0, hi) as f64 * engagement).round() as u32;
            let logins = if using { scaled(12) } else { 0 };
            // Nobody creates or updates records in a week they did not log in.
            let counts = if logins > 0 {
                [scaled(15), scaled(40), scaled(10)]
            } else {
                [0; 3]
            };
            let row = vec![
                user.email.clone(),
                iso(week),
                logins.to_string(),
                counts[0].to_string(),
                counts[1].to_string(),
                counts[2].to_string(),
            ];
            usage.write(&row)?;
        }
    }
    let usage_rows = usage.finish()?;
    Ok((users, user_rows, usage_rows))
}

/// An invalid phone as legacy data holds them.
fn bad_phone(rng: &mut ChaCha8Rng) -> String {
    pick(rng, &["12", "call me", "555-CALL-NOW", "n/a"]).to_string()
}

/// An invalid email in one of the ways people mistype them, built from a real name.
fn bad_email(first: &str, last: &str, domain: &str, rng: &mut ChaCha8Rng) -> String {
    let f = email_token(first);
    let l = email_token(last);
    let (label, tld) = domain.split_once('.').unwrap_or((domain, "com"));
    match range(rng, 0, 5) {
        0 => format!("{f}.{l}@"),
        1 => format!("{f}@@{domain}"),
        2 => format!("{f} at {domain}"),
        3 => format!("{f}@{label}"),
        4 => format!("@{domain}"),
        _ => format!("{f}@{label}..{tld}"),
    }
}

fn placeholder(rng: &mut ChaCha8Rng) -> String {
    pick(rng, &PLACEHOLDERS).to_string()
}

/// The country as written: usually its name, sometimes a variant.
fn country_name(country: &Country, rng: &mut ChaCha8Rng) -> String {
    if chance(rng, 0.85) {
        country.names[0].clone()
    } else {
        pick(rng, &country.names).clone()
    }
}

impl Run<'_> {
    fn owner(&mut self) -> String {
        pick(&mut self.rng, &self.users).name.clone()
    }

    /// Whether a new company whose first row has `contacts` contacts writes the file's first
    /// contact: that one gets an accented name, so even a tiny contacts.csv shows it is not
    /// UTF-8.
    fn accent(&self, contacts: usize) -> bool {
        self.next_contact == 0 && contacts > 0
    }

    /// A company for a row without duplicates.
    fn single(&mut self) -> Result<CompanyState> {
        let company = new_company(self.s.words, &mut self.names, &mut self.rng)?;
        let k = weighted(&mut self.rng, &CONTACT_WEIGHTS);
        let twice: Vec<bool> = (0..k).map(|_| chance(&mut self.rng, 0.015)).collect();
        self.companies += 1;
        Ok(CompanyState {
            company,
            stream: self.companies,
            protect: twice.clone(),
            twice,
            selections: vec![(0..k as u16).collect()],
            next_member: 0,
            seen: vec![Vec::new(); k],
            accent_first: self.accent(k),
        })
    }

    /// A company for the first row of a duplicate cluster: who appears in which row.
    fn cluster(&mut self, cluster: u32) -> Result<CompanyState> {
        let company = new_company(self.s.words, &mut self.names, &mut self.rng)?;
        let size = self.plan.clusters[cluster as usize].len();
        let mut uses: Vec<u32> = Vec::new();
        let mut selections = Vec::with_capacity(size);
        for m in 0..size {
            let k = weighted(&mut self.rng, &CONTACT_WEIGHTS);
            let mut sel: Vec<u16> = Vec::with_capacity(k);
            for _ in 0..k {
                let earlier: Vec<u16> = (0..uses.len() as u16)
                    .filter(|p| uses[*p as usize] > 0 && !sel.contains(p))
                    .collect();
                let p = if m > 0 && !earlier.is_empty() && chance(&mut self.rng, 0.45) {
                    *pick(&mut self.rng, &earlier)
                } else {
                    uses.push(0);
                    (uses.len() - 1) as u16
                };
                uses[p as usize] += 1;
                sel.push(p);
            }
            selections.push(sel);
        }
        let twice: Vec<bool> = uses.iter().map(|_| chance(&mut self.rng, 0.015)).collect();
        let protect = uses.iter().zip(&twice).map(|(u, t)| *u > 1 || *t).collect();
        self.companies += 1;
        Ok(CompanyState {
            company,
            stream: self.companies,
            protect,
            twice,
            accent_first: self.accent(selections[0].len()),
            selections,
            next_member: 0,
            seen: vec![Vec::new(); uses.len()],
        })
    }

    /// Writes account row `row` (0-based) and everything that belongs to it.
    fn account(&mut self, row: u32) -> Result<()> {
        let words = self.s.words;
        let n = self.s.accounts;
        let account_id = record_id("A", u64::from(row) + 1);
        let cluster = self.plan.cluster_of[row as usize];
        let in_cluster = cluster != NO_CLUSTER;
        let mut state = if !in_cluster {
            self.single()?
        } else if let Some(open) = self.open.remove(&cluster) {
            open
        } else {
            self.cluster(cluster)?
        };
        let member = state.next_member;
        state.next_member += 1;
        let company = &state.company;
        let country = company.country(words);
        let ident = if in_cluster {
            company.duplicate_identity(words, member, &mut self.rng)
        } else {
            company.identity(words, &mut self.rng)
        };
        let owner = self.owner();
        let created = between(
            &mut self.rng,
            NaiveDate::from_ymd_opt(2012, 1, 1).unwrap_or(self.s.as_of),
            self.s.as_of - Duration::days(30),
        );
        let siblings: Vec<u32> = if in_cluster {
            self.plan.clusters[cluster as usize].clone()
        } else {
            Vec::new()
        };

        // Contacts.
        let mut people_rng = stream(self.s.seed, state.stream);
        let pool = people(
            words,
            company,
            &state.protect,
            state.accent_first,
            &mut people_rng,
        );
        let mut written: Vec<(u64, usize)> = Vec::new();
        for &p in &state.selections[member] {
            let p = p as usize;
            let person = &pool[p];
            let first_time = state.seen[p].is_empty();
            let cells = if first_time {
                person.cells()
            } else {
                person.duplicate_cells(words, company, &mut self.rng)
            };
            let id = self.contact(&account_id, &siblings, company, person, cells, created)?;
            state.seen[p].push(id);
            written.push((id, p));
            if first_time && state.twice[p] {
                let again = person.duplicate_cells(words, company, &mut self.rng);
                let id = self.contact(&account_id, &siblings, company, person, again, created)?;
                state.seen[p].push(id);
            }
        }

        // Activities, which decide Last Activity.
        let last_activity =
            self.activities(&account_id, company, &pool, &written, created, &owner)?;

        // Opportunities, which decide whether the account is a customer.
        let won = self.opportunities(
            &account_id,
            &siblings,
            company,
            created,
            last_activity,
            &owner,
        )?;

        // The account row itself.
        let rng = &mut self.rng;
        let city = &country.cities[company.city];
        let mut r = vec![String::new(); ACCOUNTS.headers.len()];
        r[acc::ID] = account_id.clone();
        r[acc::NAME] = if !in_cluster && chance(rng, 0.01) {
            String::new()
        } else {
            ident.name
        };
        r[acc::PARENT] = match self.plan.parent[row as usize] {
            NO_PARENT => String::new(),
            MISSING_PARENT => record_id("A", u64::from(n) + u64::from(range(rng, 1, n.max(1000)))),
            p => record_id("A", u64::from(p) + 1),
        };
        r[acc::WEBSITE] = if !in_cluster && chance(rng, 0.015) {
            placeholder(rng)
        } else {
            ident.website
        };
        r[acc::PHONE] = if !in_cluster && chance(rng, 0.02) {
            bad_phone(rng)
        } else {
            ident.phone
        };
        r[acc::STREET] = ident.street;
        r[acc::CITY] = if chance(rng, 0.02) {
            String::new()
        } else {
            city.name.clone()
        };
        let state_blank = matches!(country.code.as_str(), "UK" | "FR") && chance(rng, 0.4);
        r[acc::STATE] = if chance(rng, 0.01) {
            placeholder(rng)
        } else if state_blank {
            String::new()
        } else {
            city.state.clone()
        };
        r[acc::ZIP] = if chance(rng, 0.02) {
            String::new()
        } else if country.code == "US" && company.postcode.starts_with('0') && chance(rng, 0.3) {
            // A spreadsheet once treated the ZIP as a number.
            company.postcode.trim_start_matches('0').to_string()
        } else {
            company.postcode.clone()
        };
        r[acc::COUNTRY] = country_name(country, rng);
        r[acc::INDUSTRY] = match range(rng, 0, 199) {
            0..=2 => placeholder(rng),
            3..=14 => String::new(),
            _ => words.industries[company.industry].clone(),
        };
        let employees = if in_cluster && chance(rng, 0.3) {
            (company.employees as f64 * range(rng, 80, 120) as f64 / 100.0).round() as u64
        } else {
            u64::from(company.employees)
        };
        r[acc::EMPLOYEES] = match range(rng, 0, 99) {
            0..=4 => String::new(),
            5..=6 => format!("{}+", round_down(employees)),
            7..=11 if employees >= 1000 => thousands(employees),
            _ => employees.to_string(),
        };
        let revenue = company.revenue;
        r[acc::REVENUE] = match range(rng, 0, 199) {
            0..=15 => String::new(),
            16..=20 => short_money(revenue, true),
            21..=26 if revenue >= 1000 => thousands(revenue),
            27..=30 if revenue >= 1000 => short_money(revenue, false),
            _ => revenue.to_string(),
        };
        r[acc::OWNER] = owner;
        r[acc::TYPE] = if chance(rng, 0.01) {
            placeholder(rng)
        } else if chance(rng, 0.03) {
            String::new()
        } else if won {
            pick(rng, &words.account_types.customer).clone()
        } else {
            pick(rng, &words.account_types.other).clone()
        };
        r[acc::CREATED] = match weighted(rng, &[70, 20, 10]) {
            0 => iso(created),
            1 => us_date(created),
            _ => text_date(created),
        };
        r[acc::LAST_ACTIVITY] = last_activity.map(iso).unwrap_or_default();
        r[acc::DESCRIPTION] = if chance(rng, 0.01) {
            placeholder(rng)
        } else if chance(rng, 0.35) {
            pick(rng, &words.descriptions).clone()
        } else {
            String::new()
        };
        self.rec.scan(ds::ACCOUNTS, &r);
        self.accounts.write(&r)?;
        if let Some(wb) = &mut self.workbook {
            wb.write(&r)?;
        }

        if state.next_member < state.selections.len() {
            self.open.insert(cluster, state);
        } else {
            self.contact_clusters
                .extend(state.seen.into_iter().filter(|ids| ids.len() > 1));
        }
        Ok(())
    }

    /// Writes one contact row; returns its number.
    fn contact(
        &mut self,
        account_id: &str,
        siblings: &[u32],
        company: &Company,
        person: &Person,
        mut cells: ContactCells,
        account_created: NaiveDate,
    ) -> Result<u64> {
        let words = self.s.words;
        let n = self.s.accounts;
        let rng = &mut self.rng;
        let country = company.country(words);
        self.next_contact += 1;
        let id = self.next_contact;
        let mut r = vec![String::new(); CONTACTS.headers.len()];
        r[con::ID] = record_id("C", id);
        r[con::ACCOUNT] = if chance(rng, 0.015) {
            record_id("A", u64::from(n) + u64::from(range(rng, 1, n.max(1000))))
        } else if chance(rng, 0.005) {
            String::new()
        } else if !siblings.is_empty() && chance(rng, 0.25) {
            record_id("A", u64::from(*pick(rng, siblings)) + 1)
        } else {
            account_id.to_string()
        };
        if !person.protected {
            if chance(rng, 0.01) {
                cells.last.clear();
            }
            if chance(rng, 0.03) {
                cells.email = bad_email(&person.first, &person.last, &company.domain, rng);
            }
            if chance(rng, 0.02) {
                cells.phone = bad_phone(rng);
            }
        }
        r[con::FIRST] = cells.first;
        r[con::LAST] = cells.last;
        r[con::TITLE] = if chance(rng, 0.01) {
            placeholder(rng)
        } else if chance(rng, 0.05) {
            String::new()
        } else {
            cells.title
        };
        r[con::EMAIL] = cells.email;
        r[con::PHONE] = cells.phone;
        r[con::MOBILE] = cells.mobile;
        r[con::CITY] = if chance(rng, 0.01) {
            placeholder(rng)
        } else if chance(rng, 0.03) {
            String::new()
        } else {
            country.cities[person.city].name.clone()
        };
        r[con::COUNTRY] = country_name(country, rng);
        r[con::LEAD_SOURCE] = if chance(rng, 0.01) {
            placeholder(rng)
        } else if chance(rng, 0.1) {
            String::new()
        } else {
            words.lead_sources[person.lead_source].clone()
        };
        let created = between(rng, account_created, self.s.as_of - Duration::days(1));
        let modified = between(rng, created, self.s.as_of);
        r[con::CREATED] = date_time(created, rng);
        r[con::MODIFIED] = date_time(modified, rng);
        self.rec.scan(ds::CONTACTS, &r);
        self.contacts.write(&r)?;
        Ok(id)
    }

    /// Writes the activities of one account row; returns the latest activity date.
    fn activities(
        &mut self,
        account_id: &str,
        company: &Company,
        pool: &[Person],
        contacts: &[(u64, usize)],
        created: NaiveDate,
        owner: &str,
    ) -> Result<Option<NaiveDate>> {
        let words = self.s.words;
        let as_of = self.s.as_of;
        let rng = &mut self.rng;
        let recent_from = self.cutoff + Duration::days(CUTOFF_MARGIN);
        let old_until = self.cutoff - Duration::days(CUTOFF_MARGIN);
        // 70% touched recently, 23% only long ago, 7% never.
        let last = match weighted(rng, &[70, 23, 7]) {
            1 if created <= old_until => between(rng, created, old_until),
            2 => return Ok(None),
            _ => between(rng, created.max(recent_from), as_of),
        };
        let count = range(rng, 1, 6);
        let mut dates: Vec<NaiveDate> = (1..count).map(|_| between(rng, created, last)).collect();
        dates.push(last);
        dates.sort();
        for date in dates {
            self.next_activity += 1;
            let kind = ["Call", "Email", "Meeting", "Task"][weighted(rng, &[35, 35, 15, 15])];
            let subjects = match kind {
                "Call" => &words.activity_subjects.Call,
                "Email" => &words.activity_subjects.Email,
                "Meeting" => &words.activity_subjects.Meeting,
                _ => &words.activity_subjects.Task,
            };
            let contact = (!contacts.is_empty() && chance(rng, 0.7)).then(|| *pick(rng, contacts));
            let (first, last_name) = match contact {
                Some((_, p)) => (pool[p].first.clone(), pool[p].last.clone()),
                None => {
                    let c = company.country(words);
                    (
                        pick(rng, &c.first_names).clone(),
                        pick(rng, &c.last_names).clone(),
                    )
                }
            };
            let subject = pick(rng, subjects)
                .replace("{first}", &first)
                .replace("{last}", &last_name)
                .replace("{n}", &range(rng, 1000, 99999).to_string());
            let who = if chance(rng, 0.6) {
                owner.to_string()
            } else {
                pick(rng, &self.users).name.clone()
            };
            let r = vec![
                record_id("ACT", self.next_activity),
                account_id.to_string(),
                contact
                    .map(|(id, _)| record_id("C", id))
                    .unwrap_or_default(),
                kind.to_string(),
                subject,
                iso(date),
                who,
            ];
            debug_assert_eq!(r.len(), ACTIVITIES.headers.len());
            debug_assert_eq!(r[act::DATE].len(), 10);
            self.rec.scan(ds::ACTIVITIES, &r);
            self.activities.write(&r)?;
        }
        Ok(Some(last))
    }

    /// Writes the opportunities of one account row; returns whether one was won.
    fn opportunities(
        &mut self,
        account_id: &str,
        siblings: &[u32],
        company: &Company,
        created: NaiveDate,
        last_activity: Option<NaiveDate>,
        owner: &str,
    ) -> Result<bool> {
        let words = self.s.words;
        let n = self.s.accounts;
        let as_of = self.s.as_of;
        let rng = &mut self.rng;
        let count = weighted(rng, &OPPORTUNITY_WEIGHTS);
        // A quiet account's deals are as old as its last touch.
        let stale = last_activity.is_none_or(|d| d < self.cutoff);
        let horizon = match last_activity {
            Some(d) if stale => d,
            None => (created + Duration::days(range(rng, 30, 400) as i64))
                .min(self.cutoff - Duration::days(CUTOFF_MARGIN)),
            _ => as_of - Duration::days(10),
        };
        let open_weights: Vec<u32> = words
            .stages
            .iter()
            .map(|s| if s.closed { 0 } else { s.weight })
            .collect();
        let won_stage = words.stages.iter().position(|s| s.won).unwrap_or(0);
        let lost_stage = words
            .stages
            .iter()
            .position(|s| s.closed && !s.won)
            .unwrap_or(0);
        let mut any_won = false;
        for _ in 0..count {
            self.next_opportunity += 1;
            let opened = between(rng, created, horizon.max(created));
            let close = opened + Duration::days(range(rng, 14, 240) as i64);
            let stage = if close <= as_of {
                let left_open = if stale { 0.08 } else { 0.2 };
                match range(rng, 0, 99) {
                    x if (x as f64) < left_open * 100.0 => weighted(rng, &open_weights),
                    x if x < 62 => won_stage,
                    _ => lost_stage,
                }
            } else {
                weighted(rng, &open_weights)
            };
            let stage = &words.stages[stage];
            any_won |= stage.won;
            let amount = (company.revenue / u64::from(range(rng, 40, 400))).clamp(1_000, 2_500_000)
                / 100
                * 100;
            let mut r = vec![String::new(); OPPORTUNITIES.headers.len()];
            r[opp::ID] = record_id("O", self.next_opportunity);
            r[opp::ACCOUNT] = if chance(rng, 0.01) {
                record_id("A", u64::from(n) + u64::from(range(rng, 1, n.max(1000))))
            } else if !siblings.is_empty() && chance(rng, 0.25) {
                record_id("A", u64::from(*pick(rng, siblings)) + 1)
            } else {
                account_id.to_string()
            };
            let kind = pick(rng, &words.opportunity_kinds);
            r[opp::NAME] = if chance(rng, 0.1) {
                format!("{} {kind}", company.short)
            } else {
                format!("{} - {kind} {}", company.short, close.year())
            };
            r[opp::STAGE] = stage.name.clone();
            r[opp::AMOUNT] = match range(rng, 0, 99) {
                0..=1 => String::new(),
                2 => format!("${}.00", thousands(amount)),
                3 => thousands(amount),
                4 if amount >= 10_000 => short_money(amount, false),
                5..=30 => format!("{amount}.00"),
                _ => amount.to_string(),
            };
            r[opp::CLOSE] = us_date(close);
            r[opp::PROBABILITY] = stage.probability.to_string();
            r[opp::OWNER] = if chance(rng, 0.8) {
                owner.to_string()
            } else {
                pick(rng, &self.users).name.clone()
            };
            r[opp::LEAD_SOURCE] = if chance(rng, 0.01) {
                placeholder(rng)
            } else if chance(rng, 0.15) {
                String::new()
            } else {
                pick(rng, &words.lead_sources).clone()
            };
            r[opp::CREATED] = iso(opened);
            self.rec.scan(ds::OPPORTUNITIES, &r);
            self.opportunities.write(&r)?;
        }
        Ok(any_won)
    }
}

/// `$1.2M`, `250k`: money as people abbreviate it.
fn short_money(n: u64, dollar: bool) -> String {
    let sign = if dollar { "$" } else { "" };
    let (value, unit) = if n >= 1_000_000 {
        (n as f64 / 1e6, "M")
    } else {
        (n as f64 / 1e3, "k")
    };
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{sign}{text}{unit}")
}

/// `500+`: a head count rounded down to a round number.
fn round_down(n: u64) -> u64 {
    let step = match n {
        0..=9 => 1,
        10..=99 => 10,
        100..=999 => 50,
        1000..=9999 => 500,
        _ => 5000,
    };
    (n / step * step).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_spellings() {
        assert_eq!(thousands(1_200_000), "1,200,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(short_money(1_200_000, true), "$1.2M");
        assert_eq!(short_money(12_000_000, true), "$12M");
        assert_eq!(short_money(250_000, false), "250k");
        assert_eq!(round_down(537), 500);
        assert_eq!(round_down(7), 7);
        assert_eq!(round_down(12_345), 10_000);
        for n in [1u64, 7, 12, 537, 1234, 56_789] {
            let s = short_money(n * 1000, false);
            assert!(!crate::samples::rules::is_plain_number(&s), "{s}");
            assert!(
                crate::samples::rules::parse_loose_number(&s).is_some(),
                "{s}"
            );
        }
    }

    #[test]
    fn dates_are_written_in_their_formats() {
        let d = NaiveDate::from_ymd_opt(2021, 3, 4).unwrap();
        assert_eq!(iso(d), "2021-03-04");
        assert_eq!(us_date(d), "03/04/2021");
        assert_eq!(text_date(d), "4 Mar 2021");
        for s in [iso(d), us_date(d), text_date(d)] {
            assert_eq!(crate::samples::rules::parse_date(&s).map(|x| x.0), Some(d));
        }
    }
}
