//! The truth file: every injected problem, computed by scanning the rows as they are written
//! with the contract's rules (see `rules`), so it is exactly what the files hold.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::rules::{
    DATE_FORMATS, is_placeholder, is_plain_number, is_stale, is_valid_email, is_valid_phone,
    parse_date,
};
use crate::error::{Error, Result};

/// One generated CSV file: its name, header and which columns the contract's rules apply to.
#[derive(Debug)]
pub struct Dataset {
    /// Name used in truth entries (`accounts`).
    pub name: &'static str,
    /// File name (`accounts.csv`).
    pub file: &'static str,
    pub headers: &'static [&'static str],
    /// The id column, if rows have one.
    pub id: Option<usize>,
    pub emails: &'static [usize],
    pub phones: &'static [usize],
    pub numbers: &'static [usize],
    pub required: &'static [usize],
    pub account_refs: &'static [usize],
    pub contact_refs: &'static [usize],
    pub dates: &'static [usize],
    /// Id and reference columns, which are never checked for placeholders.
    pub keys: &'static [usize],
}

/// Column positions of accounts.csv.
pub mod acc {
    pub const ID: usize = 0;
    pub const NAME: usize = 1;
    pub const PARENT: usize = 2;
    pub const WEBSITE: usize = 3;
    pub const PHONE: usize = 4;
    pub const STREET: usize = 5;
    pub const CITY: usize = 6;
    pub const STATE: usize = 7;
    pub const ZIP: usize = 8;
    pub const COUNTRY: usize = 9;
    pub const INDUSTRY: usize = 10;
    pub const EMPLOYEES: usize = 11;
    pub const REVENUE: usize = 12;
    pub const OWNER: usize = 13;
    pub const TYPE: usize = 14;
    pub const CREATED: usize = 15;
    pub const LAST_ACTIVITY: usize = 16;
    pub const DESCRIPTION: usize = 17;
}

/// Column positions of contacts.csv.
pub mod con {
    pub const ID: usize = 0;
    pub const ACCOUNT: usize = 1;
    pub const FIRST: usize = 2;
    pub const LAST: usize = 3;
    pub const TITLE: usize = 4;
    pub const EMAIL: usize = 5;
    pub const PHONE: usize = 6;
    pub const MOBILE: usize = 7;
    pub const CITY: usize = 8;
    pub const COUNTRY: usize = 9;
    pub const LEAD_SOURCE: usize = 10;
    pub const CREATED: usize = 11;
    pub const MODIFIED: usize = 12;
}

/// Column positions of opportunities.csv.
pub mod opp {
    pub const ID: usize = 0;
    pub const ACCOUNT: usize = 1;
    pub const NAME: usize = 2;
    pub const STAGE: usize = 3;
    pub const AMOUNT: usize = 4;
    pub const CLOSE: usize = 5;
    pub const PROBABILITY: usize = 6;
    pub const OWNER: usize = 7;
    pub const LEAD_SOURCE: usize = 8;
    pub const CREATED: usize = 9;
}

/// Column positions of activities.csv.
pub mod act {
    pub const ID: usize = 0;
    pub const ACCOUNT: usize = 1;
    pub const CONTACT: usize = 2;
    pub const TYPE: usize = 3;
    pub const SUBJECT: usize = 4;
    pub const DATE: usize = 5;
    pub const OWNER: usize = 6;
}

pub const ACCOUNTS: Dataset = Dataset {
    name: "accounts",
    file: "accounts.csv",
    headers: &[
        "Account ID",
        "Account Name",
        "Parent Account ID",
        "Website",
        "Phone",
        "Billing Street",
        "Billing City",
        "Billing State",
        "Billing Zip",
        "Billing Country",
        "Industry",
        "Employees",
        "Annual Revenue",
        "Account Owner",
        "Type",
        "Created Date",
        "Last Activity",
        "Description",
    ],
    id: Some(acc::ID),
    emails: &[],
    phones: &[acc::PHONE],
    numbers: &[acc::EMPLOYEES, acc::REVENUE],
    required: &[acc::NAME],
    account_refs: &[],
    contact_refs: &[],
    dates: &[acc::CREATED, acc::LAST_ACTIVITY],
    keys: &[acc::ID, acc::PARENT],
};

pub const CONTACTS: Dataset = Dataset {
    name: "contacts",
    file: "contacts.csv",
    headers: &[
        "Contact ID",
        "Account ID",
        "First Name",
        "Last Name",
        "Title",
        "Email",
        "Phone",
        "Mobile",
        "Mailing City",
        "Mailing Country",
        "Lead Source",
        "Created",
        "Last Modified",
    ],
    id: Some(con::ID),
    emails: &[con::EMAIL],
    phones: &[con::PHONE, con::MOBILE],
    numbers: &[],
    required: &[con::LAST],
    account_refs: &[con::ACCOUNT],
    contact_refs: &[],
    dates: &[con::CREATED, con::MODIFIED],
    keys: &[con::ID, con::ACCOUNT],
};

pub const OPPORTUNITIES: Dataset = Dataset {
    name: "opportunities",
    file: "opportunities.csv",
    headers: &[
        "Opportunity ID",
        "Account ID",
        "Opportunity Name",
        "Stage",
        "Amount",
        "Close Date",
        "Probability",
        "Owner",
        "Lead Source",
        "Created Date",
    ],
    id: Some(opp::ID),
    emails: &[],
    phones: &[],
    numbers: &[opp::AMOUNT, opp::PROBABILITY],
    required: &[],
    account_refs: &[opp::ACCOUNT],
    contact_refs: &[],
    dates: &[opp::CLOSE, opp::CREATED],
    keys: &[opp::ID, opp::ACCOUNT],
};

pub const ACTIVITIES: Dataset = Dataset {
    name: "activities",
    file: "activities.csv",
    headers: &[
        "Activity ID",
        "Account ID",
        "Contact ID",
        "Type",
        "Subject",
        "Date",
        "Owner",
    ],
    id: Some(act::ID),
    emails: &[],
    phones: &[],
    numbers: &[],
    required: &[],
    account_refs: &[act::ACCOUNT],
    contact_refs: &[act::CONTACT],
    dates: &[act::DATE],
    keys: &[act::ID, act::ACCOUNT, act::CONTACT],
};

pub const USERS: Dataset = Dataset {
    name: "users",
    file: "users.csv",
    headers: &["User ID", "Full Name", "Email", "Role", "Region", "Active"],
    id: Some(0),
    emails: &[2],
    phones: &[],
    numbers: &[],
    required: &[],
    account_refs: &[],
    contact_refs: &[],
    dates: &[],
    keys: &[0],
};

/// crm_usage.csv rows have no id, so nothing in them is reported; none is injected either.
pub const CRM_USAGE: Dataset = Dataset {
    name: "crm_usage",
    file: "crm_usage.csv",
    headers: &[
        "User Email",
        "Week",
        "Logins",
        "Records Created",
        "Records Updated",
        "Opportunities Updated",
    ],
    id: None,
    emails: &[],
    phones: &[],
    numbers: &[],
    required: &[],
    account_refs: &[],
    contact_refs: &[],
    dates: &[],
    keys: &[],
};

/// Positions in [`SCANNED`].
pub mod ds {
    pub const ACCOUNTS: usize = 0;
    pub const CONTACTS: usize = 1;
    pub const OPPORTUNITIES: usize = 2;
    pub const ACTIVITIES: usize = 3;
    pub const USERS: usize = 4;
}

/// The datasets whose rows are scanned, in the order their findings are listed.
pub const SCANNED: [&Dataset; 5] = [&ACCOUNTS, &CONTACTS, &OPPORTUNITIES, &ACTIVITIES, &USERS];

/// The name of the accounts workbook.
pub const ACCOUNTS_XLSX: &str = "accounts.xlsx";

/// `A-000042`, `C-000001`: a record id.
pub fn record_id(prefix: &str, n: u64) -> String {
    format!("{prefix}-{n:06}")
}

/// The number inside an id written by [`record_id`] with this prefix, if it is one.
pub fn parse_id(prefix: &str, value: &str) -> Option<u64> {
    let digits = value.strip_prefix(prefix)?.strip_prefix('-')?;
    // Exactly what `record_id` writes: six digits, or more without a leading zero.
    let canonical = digits.len() == 6 || (digits.len() > 6 && !digits.starts_with('0'));
    if !canonical || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// One cell with a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellIssue {
    pub dataset: String,
    pub id: String,
    pub column: String,
    pub value: String,
}

/// A required cell left blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlankCell {
    pub dataset: String,
    pub id: String,
    pub column: String,
}

/// An account whose parent id does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingParent {
    pub id: String,
    pub value: String,
}

/// A date column written in more than one format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixedFormats {
    pub dataset: String,
    pub column: String,
    pub formats: Vec<String>,
}

/// Rows and encoding of one generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTruth {
    pub rows: u64,
    pub encoding: String,
}

/// One dataset's columns mapped to one target object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMapping {
    pub object: String,
    pub fields: BTreeMap<String, String>,
}

/// target -> dataset -> mapping.
pub type FieldMapping = BTreeMap<String, BTreeMap<String, ObjectMapping>>;

const FIELD_MAPPING_YAML: &str = include_str!("field_mapping.yaml");

/// The embedded answer key for field mapping.
pub fn field_mapping() -> Result<FieldMapping> {
    crate::yaml::from_str(FIELD_MAPPING_YAML).map_err(|e| Error::Yaml {
        path: "src/samples/field_mapping.yaml".into(),
        message: e.to_string(),
    })
}

/// Everything injected into a generation, as written to truth.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    pub seed: u64,
    pub accounts: u64,
    pub as_of: String,
    pub stale_after_days: i64,
    pub files: BTreeMap<String, FileTruth>,
    pub duplicate_clusters: Vec<Vec<String>>,
    pub contact_duplicate_clusters: Vec<Vec<String>>,
    pub invalid_emails: Vec<CellIssue>,
    pub invalid_phones: Vec<CellIssue>,
    pub orphans: Vec<CellIssue>,
    pub self_parents: Vec<String>,
    pub missing_parents: Vec<MissingParent>,
    pub cycles: Vec<Vec<String>>,
    pub stale_accounts: Vec<String>,
    pub dead_accounts: Vec<String>,
    pub mixed_date_formats: Vec<MixedFormats>,
    pub nonstandard_numbers: Vec<CellIssue>,
    pub blank_required: Vec<BlankCell>,
    pub placeholders: Vec<CellIssue>,
    pub field_mapping: FieldMapping,
    /// The adoption exports (`adoption/`) and what was injected into them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adoption: Option<super::adoption::AdoptionTruth>,
}

#[derive(Debug, Default)]
struct Findings {
    invalid_emails: Vec<CellIssue>,
    invalid_phones: Vec<CellIssue>,
    orphans: Vec<CellIssue>,
    nonstandard_numbers: Vec<CellIssue>,
    blank_required: Vec<BlankCell>,
    placeholders: Vec<CellIssue>,
    /// Per date column (same order as `Dataset::dates`): bit i set = DATE_FORMATS[i] seen.
    formats: Vec<u8>,
}

/// A parent link as read back from the file.
const NO_LINK: u32 = u32::MAX;

/// Scans every written row and accumulates the truth.
pub struct Recorder {
    accounts: u64,
    as_of: NaiveDate,
    stale_after_days: i64,
    cutoff: NaiveDate,
    findings: Vec<Findings>,
    stale: Vec<bool>,
    /// Has an open opportunity or a recently won one.
    alive: Vec<bool>,
    parent: Vec<u32>,
    self_parents: Vec<String>,
    missing_parents: Vec<MissingParent>,
    contacts_written: u64,
    /// Contact references not yet resolvable when read: (dataset, issue, number).
    pending_contacts: Vec<(usize, CellIssue, u64)>,
}

impl Recorder {
    /// A recorder for a generation of `accounts` accounts.
    pub fn new(accounts: u64, as_of: NaiveDate, stale_after_days: i64) -> Recorder {
        Recorder {
            accounts,
            as_of,
            stale_after_days,
            cutoff: as_of - chrono::Duration::days(stale_after_days),
            findings: SCANNED
                .iter()
                .map(|d| Findings {
                    formats: vec![0; d.dates.len()],
                    ..Findings::default()
                })
                .collect(),
            stale: vec![false; accounts as usize],
            alive: vec![false; accounts as usize],
            parent: vec![NO_LINK; accounts as usize],
            self_parents: Vec::new(),
            missing_parents: Vec::new(),
            contacts_written: 0,
            pending_contacts: Vec::new(),
        }
    }

    fn account_index(&self, value: &str) -> Option<usize> {
        parse_id("A", value)
            .filter(|&n| n >= 1 && n <= self.accounts)
            .map(|n| n as usize - 1)
    }

    /// Applies the contract's cell rules to one written row of `SCANNED[ds]`.
    pub fn scan(&mut self, ds: usize, row: &[String]) {
        let spec = SCANNED[ds];
        let id = spec.id.map(|i| row[i].as_str()).unwrap_or_default();
        let issue = |col: usize, value: &str| CellIssue {
            dataset: spec.name.to_string(),
            id: id.to_string(),
            column: spec.headers[col].to_string(),
            value: value.to_string(),
        };
        let mut found = std::mem::take(&mut self.findings[ds]);
        for &c in spec.emails {
            let v = &row[c];
            if !v.trim().is_empty() && !is_valid_email(v) {
                found.invalid_emails.push(issue(c, v));
            }
        }
        for &c in spec.phones {
            let v = &row[c];
            if !v.trim().is_empty() && !is_valid_phone(v) {
                found.invalid_phones.push(issue(c, v));
            }
        }
        for &c in spec.numbers {
            let v = &row[c];
            if !v.trim().is_empty() && !is_plain_number(v) {
                found.nonstandard_numbers.push(issue(c, v));
            }
        }
        for &c in spec.required {
            if row[c].trim().is_empty() {
                found.blank_required.push(BlankCell {
                    dataset: spec.name.to_string(),
                    id: id.to_string(),
                    column: spec.headers[c].to_string(),
                });
            }
        }
        for &c in spec.account_refs {
            let v = &row[c];
            if !v.trim().is_empty() && self.account_index(v).is_none() {
                found.orphans.push(issue(c, v));
            }
        }
        for &c in spec.contact_refs {
            let v = &row[c];
            if v.trim().is_empty() {
                continue;
            }
            match parse_id("C", v) {
                Some(n) if n >= 1 && n <= self.contacts_written => {}
                // Perhaps written later: decided when all contacts are known.
                Some(n) => self.pending_contacts.push((ds, issue(c, v), n)),
                None => found.orphans.push(issue(c, v)),
            }
        }
        for (k, &c) in spec.dates.iter().enumerate() {
            if let Some((_, f)) = parse_date(&row[c]) {
                found.formats[k] |= 1 << f;
            }
        }
        for (c, v) in row.iter().enumerate() {
            if !spec.keys.contains(&c) && is_placeholder(v) {
                found.placeholders.push(issue(c, v));
            }
        }
        self.findings[ds] = found;
        match ds {
            ds::ACCOUNTS => self.account(row),
            ds::CONTACTS => self.contacts_written += 1,
            ds::OPPORTUNITIES => self.opportunity(row),
            _ => {}
        }
    }

    /// Staleness and the parent link of a written account row.
    fn account(&mut self, row: &[String]) {
        let Some(me) = self.account_index(&row[acc::ID]) else {
            return;
        };
        self.stale[me] = is_stale(&row[acc::LAST_ACTIVITY], self.as_of, self.stale_after_days);
        let parent = row[acc::PARENT].trim();
        if parent.is_empty() {
            return;
        }
        if parent == row[acc::ID] {
            self.self_parents.push(row[acc::ID].clone());
        } else if let Some(p) = self.account_index(parent) {
            self.parent[me] = p as u32;
        } else {
            self.missing_parents.push(MissingParent {
                id: row[acc::ID].clone(),
                value: parent.to_string(),
            });
        }
    }

    /// Marks the account of an open or recently won opportunity as alive.
    fn opportunity(&mut self, row: &[String]) {
        let Some(a) = self.account_index(&row[opp::ACCOUNT]) else {
            return;
        };
        let stage = row[opp::STAGE].trim();
        let recent_win = stage == "Closed Won"
            && parse_date(&row[opp::CLOSE]).is_some_and(|(d, _)| d >= self.cutoff);
        if recent_win || (stage != "Closed Won" && stage != "Closed Lost") {
            self.alive[a] = true;
        }
    }

    /// Cycles in the parent links (self-parents excluded), each starting at its smallest
    /// row and following parent links, sorted.
    fn cycles(&self) -> Vec<Vec<usize>> {
        let n = self.parent.len();
        // 0 unvisited, 1 on the current path, 2 done.
        let mut state = vec![0u8; n];
        let mut cycles = Vec::new();
        let mut path = Vec::new();
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            path.clear();
            let mut x = start;
            loop {
                state[x] = 1;
                path.push(x);
                let next = self.parent[x];
                if next == NO_LINK {
                    break;
                }
                let next = next as usize;
                match state[next] {
                    0 => x = next,
                    1 => {
                        let at = path.iter().position(|&p| p == next).unwrap_or(0);
                        let mut ring = path[at..].to_vec();
                        let min = ring.iter().enumerate().min_by_key(|(_, r)| **r);
                        let shift = min.map(|(i, _)| i).unwrap_or(0);
                        ring.rotate_left(shift);
                        cycles.push(ring);
                        break;
                    }
                    _ => break,
                }
            }
            for &p in &path {
                state[p] = 2;
            }
        }
        cycles.sort();
        cycles
    }

    /// The finished truth.
    pub fn finish(
        mut self,
        seed: u64,
        files: BTreeMap<String, FileTruth>,
        duplicate_clusters: Vec<Vec<String>>,
        contact_duplicate_clusters: Vec<Vec<String>>,
    ) -> Result<Truth> {
        for (ds, issue, n) in std::mem::take(&mut self.pending_contacts) {
            if n > self.contacts_written {
                self.findings[ds].orphans.push(issue);
            }
        }
        let account = |i: usize| record_id("A", i as u64 + 1);
        let cycles = self
            .cycles()
            .into_iter()
            .map(|ring| ring.into_iter().map(account).collect())
            .collect();
        let stale_accounts = (0..self.stale.len())
            .filter(|&i| self.stale[i])
            .map(account)
            .collect();
        let dead_accounts = (0..self.stale.len())
            .filter(|&i| self.stale[i] && !self.alive[i])
            .map(account)
            .collect();
        let mut mixed = Vec::new();
        for (ds, spec) in SCANNED.iter().enumerate() {
            for (k, &c) in spec.dates.iter().enumerate() {
                let bits = self.findings[ds].formats[k];
                if bits.count_ones() >= 2 {
                    mixed.push(MixedFormats {
                        dataset: spec.name.to_string(),
                        column: spec.headers[c].to_string(),
                        formats: (0..DATE_FORMATS.len())
                            .filter(|f| bits & (1 << f) != 0)
                            .map(|f| DATE_FORMATS[f].to_string())
                            .collect(),
                    });
                }
            }
        }
        let mut truth = Truth {
            seed,
            accounts: self.accounts,
            as_of: self.as_of.format("%Y-%m-%d").to_string(),
            stale_after_days: self.stale_after_days,
            files,
            duplicate_clusters,
            contact_duplicate_clusters,
            invalid_emails: Vec::new(),
            invalid_phones: Vec::new(),
            orphans: Vec::new(),
            self_parents: self.self_parents,
            missing_parents: self.missing_parents,
            cycles,
            stale_accounts,
            dead_accounts,
            mixed_date_formats: mixed,
            nonstandard_numbers: Vec::new(),
            blank_required: Vec::new(),
            placeholders: Vec::new(),
            field_mapping: field_mapping()?,
            adoption: None,
        };
        for f in self.findings {
            truth.invalid_emails.extend(f.invalid_emails);
            truth.invalid_phones.extend(f.invalid_phones);
            truth.orphans.extend(f.orphans);
            truth.nonstandard_numbers.extend(f.nonstandard_numbers);
            truth.blank_required.extend(f.blank_required);
            truth.placeholders.extend(f.placeholders);
        }
        Ok(truth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    fn account(id: &str, parent: &str, last: &str) -> Vec<String> {
        let mut r = vec![String::new(); ACCOUNTS.headers.len()];
        r[acc::ID] = id.into();
        r[acc::NAME] = "X".into();
        r[acc::CREATED] = "2021-03-04".into();
        r[acc::PARENT] = parent.into();
        r[acc::LAST_ACTIVITY] = last.into();
        r
    }

    #[test]
    fn ids_round_trip_and_reject_lookalikes() {
        assert_eq!(record_id("A", 12), "A-000012");
        assert_eq!(record_id("A", 1_234_567), "A-1234567");
        assert_eq!(parse_id("A", "A-000012"), Some(12));
        assert_eq!(parse_id("A", "A-1234567"), Some(1_234_567));
        for bad in ["A-12", "A-0000012", "C-000012", "A-00001x", "a-000012", ""] {
            assert_eq!(parse_id("A", bad), None, "{bad}");
        }
    }

    #[test]
    fn hierarchy_staleness_and_dead_accounts_come_from_the_rows() {
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let mut rec = Recorder::new(7, as_of, 730);
        for r in [
            account("A-000001", "A-000001", "2025-01-01"),
            account("A-000002", "A-000003", ""),
            account("A-000003", "A-000002", "2020-01-01"),
            account("A-000004", "A-000005", "2020-01-01"),
            account("A-000005", "A-000006", ""),
            account("A-000006", "A-000004", "2024-12-01"),
            account("A-000007", "A-999999", "2019-05-05"),
        ] {
            rec.scan(ds::ACCOUNTS, &r);
        }
        let opp = |id: &str, acct: &str, stage: &str, close: &str| {
            row(&[
                id,
                acct,
                "n",
                stage,
                "100",
                close,
                "10",
                "o",
                "Web",
                "2020-01-01",
            ])
        };
        rec.scan(
            ds::OPPORTUNITIES,
            &opp("O-000001", "A-000002", "Prospecting", "01/01/2020"),
        );
        rec.scan(
            ds::OPPORTUNITIES,
            &opp("O-000002", "A-000003", "Closed Won", "06/01/2024"),
        );
        rec.scan(
            ds::OPPORTUNITIES,
            &opp("O-000003", "A-000005", "Closed Won", "06/01/2022"),
        );
        rec.scan(
            ds::OPPORTUNITIES,
            &opp("O-000004", "A-000777", "Closed Lost", "06/01/2022"),
        );
        let t = rec
            .finish(1, BTreeMap::new(), Vec::new(), Vec::new())
            .unwrap();
        assert_eq!(t.self_parents, ["A-000001"]);
        assert_eq!(
            t.missing_parents,
            [MissingParent {
                id: "A-000007".into(),
                value: "A-999999".into()
            }]
        );
        assert_eq!(
            t.cycles,
            [
                vec!["A-000002", "A-000003"],
                vec!["A-000004", "A-000005", "A-000006"]
            ]
        );
        assert_eq!(
            t.stale_accounts,
            ["A-000002", "A-000003", "A-000004", "A-000005", "A-000007"]
        );
        assert_eq!(t.dead_accounts, ["A-000004", "A-000005", "A-000007"]);
        assert_eq!(t.orphans.len(), 1);
        assert_eq!(t.orphans[0].value, "A-000777");
    }

    #[test]
    fn cell_rules_and_date_formats() {
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let mut rec = Recorder::new(2, as_of, 730);
        rec.scan(ds::ACCOUNTS, &account("A-000002", "", ""));
        let mut a = account("A-000001", "", "2025-01-01");
        a[acc::NAME] = " ".into();
        a[acc::PHONE] = "call me".into();
        a[acc::INDUSTRY] = "N/A".into();
        a[acc::REVENUE] = "$1.2M".into();
        a[acc::CREATED] = "4 Mar 2021".into();
        rec.scan(ds::ACCOUNTS, &a);
        rec.scan(
            ds::CONTACTS,
            &row(&[
                "C-000001",
                "A-000001",
                "Jo",
                "Li",
                "-",
                "jo@@x.com",
                "",
                "12",
                "",
                "",
                "",
                "",
                "",
            ]),
        );
        rec.scan(
            ds::ACTIVITIES,
            &row(&[
                "ACT-000001",
                "A-000001",
                "C-000002",
                "Call",
                "s",
                "2025-01-01",
                "o",
            ]),
        );
        let t = rec
            .finish(1, BTreeMap::new(), Vec::new(), Vec::new())
            .unwrap();
        assert_eq!(t.blank_required.len(), 1);
        assert_eq!(t.invalid_phones.len(), 2);
        assert_eq!(t.invalid_emails[0].value, "jo@@x.com");
        assert_eq!(
            t.placeholders
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>(),
            ["N/A", "-"]
        );
        assert_eq!(t.nonstandard_numbers[0].column, "Annual Revenue");
        assert_eq!(t.orphans[0].value, "C-000002");
        assert_eq!(
            t.mixed_date_formats,
            [MixedFormats {
                dataset: "accounts".into(),
                column: "Created Date".into(),
                formats: vec!["%Y-%m-%d".into(), "%d %b %Y".into()]
            }]
        );
    }

    #[test]
    fn field_mapping_names_only_real_columns() {
        let mapping = field_mapping().unwrap();
        assert_eq!(
            mapping.keys().collect::<Vec<_>>(),
            ["hubspot", "salesforce"]
        );
        for (target, datasets) in &mapping {
            for (name, m) in datasets {
                let spec = SCANNED.iter().find(|d| d.name == name).unwrap();
                for column in m.fields.keys() {
                    assert!(
                        spec.headers.contains(&column.as_str()),
                        "{target}/{name}: no column `{column}`"
                    );
                    assert!(!column.ends_with(" ID"), "{column} is a reference");
                }
            }
        }
    }
}
