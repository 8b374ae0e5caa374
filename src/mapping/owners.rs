//! Record owners: source owners (names or emails, as legacy exports write them) matched to
//! the target org's users through a mapping's `owners:` map, suggested from a users export.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::file::{Lookup, MappingFile};
use crate::error::Result;
use crate::staging::{Db, SourceColumn};
use crate::workspace::Target;

/// What a source owner value becomes.
#[derive(Clone, Debug, PartialEq)]
pub enum Owner {
    /// The target user (Salesforce username or id, HubSpot owner id or email).
    User(String),
    /// No user matches; the mapping's `default_owner` takes the record.
    Default(String),
    /// No user matches and the mapping names no default.
    Unmatched,
}

/// Resolves one source owner through the mapping's `owners:` map. A value that is already a
/// target user id (an 18/15-character Salesforce id, a numeric HubSpot id) or an email passes
/// through when the map does not name it; a person's name never does.
pub fn resolve(mapping: &MappingFile, value: &str) -> Owner {
    let v = value.trim();
    // As written first (suggest writes the values it saw): no per-row normalising then.
    let by_name = mapping.owners.get_key_value(v).or_else(|| {
        let norm = Lookup::normalize(v);
        mapping
            .owners
            .iter()
            .find(|(k, _)| Lookup::normalize(k) == norm)
    });
    if let Some((_, target)) = by_name {
        return match target {
            Some(t) => Owner::User(t.clone()),
            None => fallback(mapping),
        };
    }
    if looks_like_user_id(v) || crate::values::email::is_email(&v.to_lowercase()) {
        return Owner::User(v.to_string());
    }
    fallback(mapping)
}

/// [`resolve`] for every row of a dataset: the `owners:` map indexed once by normalised name
/// and each distinct value resolved once (an owner column holds few people across many rows).
pub struct Resolver<'a> {
    mapping: &'a MappingFile,
    /// Normalised source owner -> the first entry of `owners:` (in map order) with that form.
    normalized: HashMap<String, &'a Option<String>>,
    seen: std::cell::RefCell<HashMap<String, Owner>>,
}

impl<'a> Resolver<'a> {
    pub fn new(mapping: &'a MappingFile) -> Resolver<'a> {
        let mut normalized = HashMap::new();
        for (k, target) in &mapping.owners {
            normalized.entry(Lookup::normalize(k)).or_insert(target);
        }
        Resolver {
            mapping,
            normalized,
            seen: Default::default(),
        }
    }

    /// What [`resolve`] says for this value.
    pub fn resolve(&self, value: &str) -> Owner {
        if let Some(hit) = self.seen.borrow().get(value) {
            return hit.clone();
        }
        let mapping = self.mapping;
        let v = value.trim();
        let target = mapping
            .owners
            .get(v)
            .or_else(|| self.normalized.get(&Lookup::normalize(v)).copied());
        let owner = match target {
            Some(Some(t)) => Owner::User(t.clone()),
            Some(None) => fallback(mapping),
            None if looks_like_user_id(v) || crate::values::email::is_email(&v.to_lowercase()) => {
                Owner::User(v.to_string())
            }
            None => fallback(mapping),
        };
        self.seen
            .borrow_mut()
            .insert(value.to_string(), owner.clone());
        owner
    }
}

fn fallback(mapping: &MappingFile) -> Owner {
    match &mapping.default_owner {
        Some(d) => Owner::Default(d.clone()),
        None => Owner::Unmatched,
    }
}

/// A Salesforce user id (`005` prefix, 15 or 18 characters) or a HubSpot owner id (digits).
fn looks_like_user_id(v: &str) -> bool {
    let hs = !v.is_empty() && v.len() <= 12 && v.chars().all(|c| c.is_ascii_digit());
    is_salesforce_user_id(v) || hs
}

/// A Salesforce user id: `005` prefix, 15 or 18 letters and digits.
fn is_salesforce_user_id(v: &str) -> bool {
    (v.len() == 15 || v.len() == 18)
        && v.starts_with("005")
        && v.chars().all(|c| c.is_ascii_alphanumeric())
}

/// One user of a users export, by what owners may be written as.
struct User {
    names: Vec<String>,
    email: Option<String>,
    /// What the target knows the user by.
    target: String,
}

/// Suggests `owners:` for the distinct `values` of an owner column from the users exports
/// among `datasets` (any dataset with an email column and a name or username column).
/// Returns the map (`None` where nothing matches).
pub fn suggest(
    db: &Db,
    datasets: &[String],
    target: Target,
    values: &BTreeSet<String>,
) -> Result<BTreeMap<String, Option<String>>> {
    let mut users: Vec<User> = Vec::new();
    for d in datasets {
        let columns = db.source_columns(d)?;
        if let Some(roles) = user_columns(d, &columns) {
            users.extend(read_users(db, d, &columns, &roles, target)?);
        }
    }
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, u) in users.iter().enumerate() {
        for n in &u.names {
            by_key.entry(Lookup::normalize(n)).or_insert(i);
        }
        if let Some(e) = &u.email {
            by_key.entry(e.to_lowercase()).or_insert(i);
        }
    }
    Ok(values
        .iter()
        .map(|v| {
            let key = Lookup::normalize(v);
            // `Whitfield, Dana` is Dana Whitfield.
            let flipped = v.split_once(',').map(|(last, first)| {
                Lookup::normalize(&format!("{} {}", first.trim(), last.trim()))
            });
            let hit = by_key
                .get(&key)
                .or_else(|| flipped.as_ref().and_then(|f| by_key.get(f)));
            (v.clone(), hit.map(|&i| users[i].target.clone()))
        })
        .collect())
}

/// Everything the users exports among `datasets` know their users by: normalised names,
/// usernames and ids, and lowercased emails. Value evidence matches owner columns with it.
pub fn user_keys(db: &Db, datasets: &[String]) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for d in datasets {
        let columns = db.source_columns(d)?;
        if let Some(roles) = user_columns(d, &columns) {
            for u in read_users(db, d, &columns, &roles, Target::Hubspot)? {
                out.extend(u.names.iter().map(|n| Lookup::normalize(n)));
                out.extend(u.email);
            }
        }
    }
    Ok(out)
}

/// Column positions of a users export: email, and at least one of username / full name /
/// first+last name.
struct UserColumns {
    email: usize,
    username: Option<usize>,
    id: Option<usize>,
    full: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
}

/// The user columns of a users export. A contacts or leads list has names and emails too, so
/// something must say users: the dataset's name (`users`, `owners`, `User`), a username or
/// user id column, or what only users have (a role, a profile, an active flag, a last login);
/// a dataset named for contacts, leads or customers is never one.
fn user_columns(dataset: &str, columns: &[SourceColumn]) -> Option<UserColumns> {
    const USERS: [&str; 10] = [
        "user",
        "users",
        "owner",
        "owners",
        "employee",
        "employees",
        "staff",
        "team",
        "rep",
        "reps",
    ];
    const PEOPLE: [&str; 10] = [
        "contact",
        "contacts",
        "lead",
        "leads",
        "customer",
        "customers",
        "person",
        "people",
        "prospect",
        "prospects",
    ];
    const USER_ONLY: [&str; 10] = [
        "role",
        "userrole",
        "userroleid",
        "profile",
        "profileid",
        "profilename",
        "active",
        "isactive",
        "lastlogin",
        "lastlogindate",
    ];
    let words: Vec<String> = dataset
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    if words.iter().any(|w| PEOPLE.contains(&w.as_str())) {
        return None;
    }

    let key = |c: &SourceColumn| {
        c.header
            .to_lowercase()
            .chars()
            .filter(|ch| ch.is_alphanumeric())
            .collect::<String>()
    };
    let find = |names: &[&str]| {
        columns
            .iter()
            .position(|c| names.contains(&key(c).as_str()))
    };
    let roles = UserColumns {
        email: find(&["email", "emailaddress", "useremail", "mail"])?,
        username: find(&["username", "login", "userlogin"]),
        id: find(&["id", "userid", "ownerid"]),
        full: find(&["name", "fullname", "username_full", "displayname", "user"]),
        first: find(&["firstname", "givenname"]),
        last: find(&["lastname", "surname", "familyname"]),
    };
    let named = words.iter().any(|w| USERS.contains(&w.as_str()));
    let user_id = columns
        .iter()
        .any(|c| matches!(key(c).as_str(), "userid" | "ownerid"));
    let user_only = columns.iter().any(|c| USER_ONLY.contains(&key(c).as_str()));
    let says_users = named || user_id || user_only || roles.username.is_some();
    (says_users && (roles.username.is_some() || roles.full.is_some() || roles.last.is_some()))
        .then_some(roles)
}

fn read_users(
    db: &Db,
    dataset: &str,
    columns: &[SourceColumn],
    roles: &UserColumns,
    target: Target,
) -> Result<Vec<User>> {
    let names: Vec<String> = columns.iter().map(|c| c.column.clone()).collect();
    let mut out = Vec::new();
    db.scan(dataset, &names, None, |row| {
        let get = |i: Option<usize>| {
            i.and_then(|i| row[i].clone())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let email = get(Some(roles.email)).map(|e| e.to_lowercase());
        let mut names = Vec::new();
        if let Some(f) = get(roles.full) {
            names.push(f);
        }
        if let (Some(f), Some(l)) = (get(roles.first), get(roles.last)) {
            names.push(format!("{f} {l}"));
        }
        let username = get(roles.username);
        // Owners may be written by username or by the legacy user id too.
        names.extend(username.iter().chain(get(roles.id).iter()).cloned());
        // Salesforce loads owners by username; HubSpot imports take the owner's email. A
        // users export from another CRM has that CRM's ids (Pipedrive's `9001`): only a
        // Salesforce user id stands in for a username, else the email (usernames are emails).
        let target_value = match target {
            Target::Salesforce => username
                .clone()
                .or_else(|| get(roles.id).filter(|id| is_salesforce_user_id(id)))
                .or(email.clone()),
            _ => email.clone().or_else(|| get(roles.id)),
        };
        if let Some(t) = target_value {
            out.push(User {
                names,
                email,
                target: t,
            });
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resolver_says_what_resolve_says() {
        let mut m: MappingFile = crate::yaml::from_str(
            "target: salesforce\nobject: account\ndataset: accounts\nfields: []\n",
        )
        .unwrap();
        m.owners
            .insert("Ana Ortiz".into(), Some("ana@acme.example".into()));
        m.owners
            .insert("ana  ortiz".into(), Some("second@acme.example".into()));
        m.owners.insert("Ben Stone".into(), None);
        let r = Resolver::new(&m);
        for v in [
            "Ana Ortiz",
            " ANA ORTIZ ",
            "ana ortiz",
            "Ben Stone",
            "ben stone",
            "Cleo Ray",
            "0051x000003ABCDEFG",
            "42",
            "dan@acme.example",
            "",
        ] {
            assert_eq!(r.resolve(v), resolve(&m, v), "{v}");
            assert_eq!(r.resolve(v), resolve(&m, v), "{v} again");
        }
        m.default_owner = Some("admin@acme.example".into());
        let r = Resolver::new(&m);
        for v in ["Ben Stone", "Cleo Ray"] {
            assert_eq!(r.resolve(v), resolve(&m, v), "{v}");
        }
    }

    /// Users exports as CRMs write them are users; contacts and leads lists, which have names
    /// and emails too, never are (their people would become the records' owners).
    #[test]
    fn only_a_users_export_gives_users() {
        let columns = |headers: &str| -> Vec<SourceColumn> {
            headers
                .split(',')
                .map(|h| SourceColumn {
                    header: h.to_string(),
                    column: h.to_lowercase().replace(' ', "_"),
                })
                .collect()
        };
        let users = [
            ("users", "Full Name,Email,Username,Profile"),
            (
                "User",
                "ID,USERNAME,LASTNAME,FIRSTNAME,NAME,EMAIL,ISACTIVE,PROFILEID",
            ),
            ("owners", "Owner ID,First Name,Last Name,Email"),
            ("team_2024", "Name,Email"),
            ("export_17", "User ID,Full Name,Email,Role,Region,Active"),
            ("export_9", "ID,Name,Email,Role,Active"),
        ];
        for (dataset, headers) in users {
            assert!(
                user_columns(dataset, &columns(headers)).is_some(),
                "{dataset}"
            );
        }
        let people = [
            (
                "contacts",
                "Contact ID,Account ID,First Name,Last Name,Title,Email,Phone",
            ),
            (
                "hubspot_crm_exports_all_contacts_2024_05_02",
                "Record ID,First Name,Last Name,Email,Contact owner",
            ),
            (
                "report1709648599000",
                "Salutation,First Name,Last Name,Title,Account Name,Email,Contact Owner",
            ),
            ("leads", "Lead ID,First Name,Last Name,Email,Status,Active"),
            ("signups", "Name,Email,Company"),
        ];
        for (dataset, headers) in people {
            assert!(
                user_columns(dataset, &columns(headers)).is_none(),
                "{dataset}"
            );
        }
    }

    fn mapping(owners: &[(&str, Option<&str>)], default: Option<&str>) -> MappingFile {
        let mut m: MappingFile =
            serde_yaml::from_str("target: salesforce\nobject: account\ndataset: a\nfields: []\n")
                .unwrap();
        m.owners = owners
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(String::from)))
            .collect();
        m.default_owner = default.map(String::from);
        m
    }

    #[test]
    fn names_resolve_through_the_map_ids_pass_names_never_do() {
        let m = mapping(
            &[
                ("Dana Whitfield", Some("dana@x.io.crm")),
                ("Marco Rossi", None),
            ],
            None,
        );
        assert_eq!(
            resolve(&m, " dana  whitfield "),
            Owner::User("dana@x.io.crm".into())
        );
        assert_eq!(resolve(&m, "Marco Rossi"), Owner::Unmatched);
        assert_eq!(resolve(&m, "Somebody Else"), Owner::Unmatched);
        assert_eq!(
            resolve(&m, "0055g00000XyZ01AAA"),
            Owner::User("0055g00000XyZ01AAA".into())
        );
        assert_eq!(resolve(&m, "12345"), Owner::User("12345".into()));
        let d = mapping(&[], Some("admin@x.io"));
        assert_eq!(
            resolve(&d, "Marco Rossi"),
            Owner::Default("admin@x.io".into())
        );
    }
}
