//! Whole-generation checks: determinism, and a truth file that agrees with the files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::rules::{
    is_placeholder, is_valid_email, is_valid_phone, normalise_company, normalise_person,
    phone_digits, two_of_three, website_domain,
};
use super::truth::{SCANNED, acc, con};
use super::*;
use crate::progress::Silent;

fn generate_into(dir: &Path, accounts: u32, seed: u64) -> Truth {
    let options = SamplesOptions {
        out: dir.to_path_buf(),
        accounts,
        seed,
        xlsx: None,
    };
    generate(&options, &Silent).unwrap();
    serde_json::from_slice(&std::fs::read(dir.join(TRUTH_FILE)).unwrap()).unwrap()
}

/// Reads a generated CSV (decoding Windows-1252 where the truth says so) as rows by id.
fn read(dir: &Path, file: &str, encoding: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    let text = if encoding == "windows-1252" {
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "{file} should not be UTF-8"
        );
        let (text, had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert!(!had_errors);
        text.into_owned()
    } else {
        String::from_utf8(bytes).unwrap()
    };
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

struct Files {
    truth: Truth,
    tables: BTreeMap<&'static str, (Vec<String>, Vec<Vec<String>>)>,
}

impl Files {
    fn load(dir: &Path, truth: Truth) -> Files {
        let mut tables = BTreeMap::new();
        for spec in SCANNED {
            let enc = &truth.files[spec.file].encoding;
            tables.insert(spec.name, read(dir, spec.file, enc));
        }
        Files { truth, tables }
    }

    fn rows(&self, dataset: &str) -> &Vec<Vec<String>> {
        &self.tables[dataset].1
    }

    fn by_id(&self, dataset: &str) -> BTreeMap<&str, &Vec<String>> {
        self.rows(dataset)
            .iter()
            .map(|r| (r[0].as_str(), r))
            .collect()
    }

    fn cell<'a>(&'a self, dataset: &str, id: &str, column: &str) -> Option<&'a str> {
        let (headers, rows) = &self.tables[dataset];
        let col = headers.iter().position(|h| h == column)?;
        rows.iter().find(|r| r[0] == id).map(|r| r[col].as_str())
    }
}

#[test]
fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate_into(a.path(), 150, 7);
    generate_into(b.path(), 150, 7);
    generate_into(c.path(), 150, 8);
    let mut names: Vec<String> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    // The adoption exports sit in their own folder, one per snapshot.
    names.retain(|n| n != super::adoption::DIR);
    for (snapshot, _) in super::adoption::SNAPSHOTS {
        for file in super::adoption::FILES {
            names.push(format!("{}/{snapshot}/{file}", super::adoption::DIR));
        }
    }
    for name in &names {
        let x = std::fs::read(a.path().join(name)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.path().join(name)).unwrap(),
            "{name} differs"
        );
        assert_ne!(
            x,
            std::fs::read(c.path().join(name)).unwrap(),
            "{name} ignores the seed"
        );
    }
}

#[test]
fn every_id_in_the_truth_exists_and_every_value_is_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate_into(dir.path(), 400, 11);
    let f = Files::load(dir.path(), truth);
    let t = &f.truth;
    for spec in SCANNED {
        assert_eq!(
            f.tables[spec.name].0,
            spec.headers.to_vec(),
            "{} header",
            spec.file
        );
        assert_eq!(
            f.rows(spec.name).len() as u64,
            t.files[spec.file].rows,
            "{}",
            spec.file
        );
    }
    let accounts = f.by_id("accounts");
    let contacts = f.by_id("contacts");
    for cluster in t.duplicate_clusters.iter().chain(&t.cycles) {
        for id in cluster {
            assert!(accounts.contains_key(id.as_str()), "{id}");
        }
    }
    for cluster in &t.contact_duplicate_clusters {
        for id in cluster {
            assert!(contacts.contains_key(id.as_str()), "{id}");
        }
    }
    for id in t
        .self_parents
        .iter()
        .chain(&t.stale_accounts)
        .chain(&t.dead_accounts)
    {
        assert!(accounts.contains_key(id.as_str()), "{id}");
    }
    for m in &t.missing_parents {
        assert_eq!(
            f.cell("accounts", &m.id, "Parent Account ID"),
            Some(m.value.as_str())
        );
        assert!(!accounts.contains_key(m.value.as_str()));
    }
    for issue in t
        .invalid_emails
        .iter()
        .chain(&t.invalid_phones)
        .chain(&t.orphans)
        .chain(&t.nonstandard_numbers)
        .chain(&t.placeholders)
    {
        assert_eq!(
            f.cell(&issue.dataset, &issue.id, &issue.column),
            Some(issue.value.as_str()),
            "{issue:?}"
        );
    }
    for o in &t.orphans {
        assert!(
            !accounts.contains_key(o.value.as_str()) && !contacts.contains_key(o.value.as_str())
        );
    }
    for b in &t.blank_required {
        assert_eq!(
            f.cell(&b.dataset, &b.id, &b.column).map(str::trim),
            Some("")
        );
    }
    // Every kind of problem is present at this size.
    assert!(!t.duplicate_clusters.is_empty() && !t.contact_duplicate_clusters.is_empty());
    assert!(!t.invalid_emails.is_empty() && !t.invalid_phones.is_empty());
    assert!(!t.orphans.is_empty() && !t.self_parents.is_empty());
    assert!(!t.missing_parents.is_empty() && t.cycles.len() >= 2);
    assert!(!t.dead_accounts.is_empty() && !t.mixed_date_formats.is_empty());
    assert!(!t.nonstandard_numbers.is_empty() && !t.blank_required.is_empty());
    assert!(!t.placeholders.is_empty());
    assert!(t.dead_accounts.len() < t.stale_accounts.len());
}

#[test]
fn rescanning_the_files_finds_exactly_the_truth() {
    // Re-applies the rules to the files as read back (after the Windows-1252 round trip):
    // the lists must match one for one.
    let dir = tempfile::tempdir().unwrap();
    let truth = generate_into(dir.path(), 300, 5);
    let f = Files::load(dir.path(), truth);
    let mut emails = Vec::new();
    let mut phones = Vec::new();
    let mut placeholders = Vec::new();
    for spec in SCANNED {
        for r in f.rows(spec.name) {
            for &c in spec.emails {
                if !r[c].is_empty() && !is_valid_email(&r[c]) {
                    emails.push((r[0].clone(), r[c].clone()));
                }
            }
            for &c in spec.phones {
                if !r[c].is_empty() && !is_valid_phone(&r[c]) {
                    phones.push((r[0].clone(), r[c].clone()));
                }
            }
            for (c, v) in r.iter().enumerate() {
                if !spec.keys.contains(&c) && is_placeholder(v) {
                    placeholders.push((r[0].clone(), v.clone()));
                }
            }
        }
    }
    let pairs = |list: &[super::truth::CellIssue]| -> Vec<(String, String)> {
        list.iter()
            .map(|i| (i.id.clone(), i.value.clone()))
            .collect()
    };
    assert_eq!(emails, pairs(&f.truth.invalid_emails));
    assert_eq!(phones, pairs(&f.truth.invalid_phones));
    assert_eq!(placeholders, pairs(&f.truth.placeholders));
}

/// Finds every pair of rows that agree on two of their three keys.
fn matching_pairs(keys: &[(String, [String; 3])]) -> BTreeSet<(String, String)> {
    let mut by_key: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    for (i, (_, k)) in keys.iter().enumerate() {
        for (slot, v) in k.iter().enumerate() {
            if !v.is_empty() {
                by_key.entry((slot, v.as_str())).or_default().push(i);
            }
        }
    }
    let mut pairs = BTreeSet::new();
    for rows in by_key.values() {
        for (x, &i) in rows.iter().enumerate() {
            for &j in &rows[x + 1..] {
                if two_of_three(&keys[i].1, &keys[j].1) {
                    pairs.insert((keys[i].0.clone(), keys[j].0.clone()));
                }
            }
        }
    }
    pairs
}

fn cluster_pairs(clusters: &[Vec<String>]) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for c in clusters {
        for (x, a) in c.iter().enumerate() {
            for b in &c[x + 1..] {
                pairs.insert((a.clone(), b.clone()));
            }
        }
    }
    pairs
}

#[test]
fn duplicate_clusters_are_exactly_the_rows_that_share_two_of_three_keys() {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate_into(dir.path(), 1500, 3);
    let f = Files::load(dir.path(), truth);
    let account_keys: Vec<(String, [String; 3])> = f
        .rows("accounts")
        .iter()
        .map(|r| {
            let website = if is_placeholder(&r[acc::WEBSITE]) {
                String::new()
            } else {
                website_domain(&r[acc::WEBSITE])
            };
            let phone = if is_valid_phone(&r[acc::PHONE]) {
                phone_digits(&r[acc::PHONE])
            } else {
                String::new()
            };
            (
                r[acc::ID].clone(),
                [normalise_company(&r[acc::NAME]), website, phone],
            )
        })
        .collect();
    assert_eq!(
        matching_pairs(&account_keys),
        cluster_pairs(&f.truth.duplicate_clusters)
    );
    let contact_keys: Vec<(String, [String; 3])> = f
        .rows("contacts")
        .iter()
        .map(|r| {
            let name = if r[con::LAST].trim().is_empty() {
                String::new()
            } else {
                normalise_person(&r[con::FIRST], &r[con::LAST])
            };
            let email = if is_valid_email(&r[con::EMAIL]) {
                r[con::EMAIL].to_lowercase()
            } else {
                String::new()
            };
            let phone = if is_valid_phone(&r[con::PHONE]) {
                phone_digits(&r[con::PHONE])
            } else {
                String::new()
            };
            (r[con::ID].clone(), [name, email, phone])
        })
        .collect();
    assert_eq!(
        matching_pairs(&contact_keys),
        cluster_pairs(&f.truth.contact_duplicate_clusters)
    );
    // Clusters vary: not every member spells the name the same way.
    let accounts = f.by_id("accounts");
    let varied = f.truth.duplicate_clusters.iter().any(|c| {
        let names: BTreeSet<&str> = c
            .iter()
            .map(|id| accounts[id.as_str()][acc::NAME].as_str())
            .collect();
        names.len() > 1
    });
    assert!(varied);
}

#[test]
fn refuses_a_workspace_and_bad_sizes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crmkit.yaml"), "version: 1\n").unwrap();
    let options = SamplesOptions {
        out: dir.path().to_path_buf(),
        accounts: 10,
        seed: 1,
        xlsx: None,
    };
    let err = generate(&options, &Silent).unwrap_err().to_string();
    assert!(err.contains("crmkit workspace"), "{err}");
    assert!(!dir.path().join("accounts.csv").exists());
    let options = SamplesOptions {
        out: dir.path().join("x"),
        accounts: 0,
        ..options
    };
    assert!(generate(&options, &Silent).is_err());
}

#[test]
fn no_xlsx_removes_a_stale_workbook() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path(), 20, 1);
    assert!(dir.path().join("accounts.xlsx").exists());
    let options = SamplesOptions {
        out: dir.path().to_path_buf(),
        accounts: 20,
        seed: 1,
        xlsx: Some(false),
    };
    generate(&options, &Silent).unwrap();
    assert!(!dir.path().join("accounts.xlsx").exists());
    let truth: Truth =
        serde_json::from_slice(&std::fs::read(dir.path().join(TRUTH_FILE)).unwrap()).unwrap();
    assert!(!truth.files.contains_key("accounts.xlsx"));
}
