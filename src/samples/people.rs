//! People at a company: names that fit its country (accents included), titles, emails built
//! from the name and the company domain, phones; and how a duplicate contact row differs.

use rand_chacha::ChaCha8Rng;

use super::company::{Company, fill, random_digits};
use super::pick::{chance, index, pick, range};
use super::rules::{fold, phone_digits};
use super::words::{Country, Words};

/// Which one of a duplicated person's three match keys (name, email, phone) may differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonVary {
    Nothing,
    Name,
    Email,
    Phone,
}

/// One real person at a company; contact rows are renderings of them.
#[derive(Debug, Clone)]
pub struct Person {
    pub first: String,
    pub last: String,
    pub title: String,
    /// Canonical address, or empty.
    pub email: String,
    /// Direct line, formatted, or empty.
    pub phone: String,
    /// Mobile, formatted, or empty.
    pub mobile: String,
    /// Index into the company country's cities.
    pub city: usize,
    pub lead_source: usize,
    /// Appears more than once: its keys are never blank and no problem is injected into it.
    pub protected: bool,
    /// Which key a duplicate row may differ in.
    pub vary: PersonVary,
}

/// The cells of one contact row that come from the person.
#[derive(Debug, Clone, Default)]
pub struct ContactCells {
    pub first: String,
    pub last: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    pub mobile: String,
}

/// The part of an email address before `@`, by the company's style.
fn local_part(first: &str, last: &str, style: u8) -> String {
    let clean = |s: &str| -> String {
        fold(s)
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect()
    };
    let (f, l) = (clean(first), clean(last));
    let initial = f.chars().next().map(String::from).unwrap_or_default();
    match style {
        0 => format!("{f}.{l}"),
        1 => format!("{initial}{l}"),
        2 => format!("{f}_{l}"),
        3 => format!(
            "{f}{}",
            l.chars().next().map(String::from).unwrap_or_default()
        ),
        _ => f,
    }
}

/// `count` distinct people at `company`; `protect[i]` marks those that appear more than once.
/// Drawn from `rng` only, so the same stream gives the same people again.
pub fn people(
    words: &Words,
    company: &Company,
    protect: &[bool],
    rng: &mut ChaCha8Rng,
) -> Vec<Person> {
    let home = company.country(words);
    let mut out: Vec<Person> = Vec::with_capacity(protect.len());
    for &protected in protect {
        // Staff are mostly from the company's country, some from anywhere.
        let from: &Country = if chance(rng, 0.85) {
            home
        } else {
            pick(rng, &words.countries)
        };
        let (mut first, mut last) = (
            pick(rng, &from.first_names).clone(),
            pick(rng, &from.last_names).clone(),
        );
        for _ in 0..20 {
            let key = super::rules::normalise_person(&first, &last);
            if !out
                .iter()
                .any(|p| super::rules::normalise_person(&p.first, &p.last) == key)
            {
                break;
            }
            first = pick(rng, &from.first_names).clone();
            last = pick(rng, &from.last_names).clone();
        }
        let mut local = local_part(&first, &last, company.email_style);
        let mut n = 1;
        while out.iter().any(|p| {
            p.email
                .split('@')
                .next()
                .is_some_and(|l| l.eq_ignore_ascii_case(&local))
        }) {
            n += 1;
            local = format!("{}{n}", local_part(&first, &last, 0));
        }
        let mut email = format!("{local}@{}", company.domain);
        if company.email_style == 0 && chance(rng, 0.1) {
            // Some systems kept the capitals people typed.
            email = format!(
                "{}@{}",
                local
                    .split('.')
                    .map(capitalise)
                    .collect::<Vec<_>>()
                    .join("."),
                company.domain
            );
        }
        if !protected && chance(rng, 0.05) {
            email.clear();
        }
        let phone = if !protected && chance(rng, 0.1) {
            String::new()
        } else {
            direct_line(home, company, rng)
        };
        let mobile = if chance(rng, 0.45) {
            mobile(home, rng)
        } else {
            String::new()
        };
        out.push(Person {
            first,
            last,
            title: pick(rng, &words.titles).clone(),
            email,
            phone,
            mobile,
            city: if chance(rng, 0.85) {
                company.city
            } else {
                index(rng, home.cities.len())
            },
            lead_source: index(rng, words.lead_sources.len()),
            protected,
            vary: match range(rng, 0, 9) {
                0..=3 => PersonVary::Nothing,
                4..=5 => PersonVary::Name,
                6..=7 => PersonVary::Email,
                _ => PersonVary::Phone,
            },
        });
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A direct line in the company's area, or the switchboard with an extension.
fn direct_line(country: &Country, company: &Company, rng: &mut ChaCha8Rng) -> String {
    let format = pick(rng, &country.phone_formats);
    if chance(rng, 0.25) {
        let len = range(rng, 2, 4) as usize;
        let ext = random_digits(rng, len);
        let sep = if chance(rng, 0.5) { " x" } else { " ext. " };
        return format!("{}{sep}{ext}", fill(format, &company.phone_nsn));
    }
    let area_len = country.cities[company.city].area.len();
    let area = &company.phone_nsn[..area_len];
    let rest = random_digits(rng, country.national_digits - area_len);
    fill(format, &format!("{area}{rest}"))
}

/// A mobile number in one of the country's formats.
fn mobile(country: &Country, rng: &mut ChaCha8Rng) -> String {
    let format = pick(rng, &country.mobile_formats);
    let prefix = pick(rng, &country.mobile_prefixes);
    let need = format.matches('#').count() - prefix.len();
    fill(format, &format!("{prefix}{}", random_digits(rng, need)))
}

impl Person {
    /// The person as a contact row with nothing changed.
    pub fn cells(&self) -> ContactCells {
        ContactCells {
            first: self.first.clone(),
            last: self.last.clone(),
            title: self.title.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            mobile: self.mobile.clone(),
        }
    }

    /// The person as another, duplicate contact row: cosmetic differences always, a real
    /// difference only in the key [`Person::vary`] names.
    pub fn duplicate_cells(
        &self,
        words: &Words,
        company: &Company,
        rng: &mut ChaCha8Rng,
    ) -> ContactCells {
        let mut c = self.cells();
        let country = company.country(words);
        match range(rng, 0, 5) {
            0 => c.last = c.last.to_uppercase(),
            1 => {
                c.first = fold(&c.first);
                c.last = fold(&c.last);
            }
            2 => c.last.push(' '),
            _ => {}
        }
        if chance(rng, 0.3) {
            c.title = pick(rng, &words.titles).clone();
        }
        if chance(rng, 0.3) {
            c.email = c.email.to_uppercase();
        }
        // The same number in another layout with the same digits.
        if !c.phone.is_empty() && !c.phone.contains('x') && !c.phone.contains("ext") {
            let digits = phone_digits(&c.phone);
            let same: Vec<String> = country
                .phone_formats
                .iter()
                .filter(|f| f.matches('#').count() == country.national_digits)
                .map(|f| fill(f, &nsn_of(&c.phone, country)))
                .filter(|p| phone_digits(p) == digits)
                .collect();
            if !same.is_empty() {
                c.phone = pick(rng, &same).clone();
            }
        }
        if !chance(rng, 0.75) {
            return c;
        }
        match self.vary {
            PersonVary::Nothing => {}
            PersonVary::Name => {
                if chance(rng, 0.5) {
                    c.first = format!("{}.", c.first.chars().next().unwrap_or('X'));
                } else {
                    c.last = super::company::typo(&c.last, rng);
                }
            }
            PersonVary::Email => {
                if chance(rng, 0.5) {
                    c.email.clear();
                } else {
                    let domain = pick(
                        rng,
                        &[
                            "gmail.com",
                            "outlook.com",
                            "yahoo.com",
                            "web.de",
                            "orange.fr",
                        ],
                    );
                    c.email = format!(
                        "{}{}@{domain}",
                        local_part(&self.first, &self.last, 0),
                        range(rng, 10, 99)
                    );
                }
            }
            PersonVary::Phone => {
                c.phone = if chance(rng, 0.5) || self.mobile.is_empty() {
                    String::new()
                } else {
                    self.mobile.clone()
                };
            }
        }
        c
    }
}

/// The national significant number inside a formatted phone of `country`.
fn nsn_of(phone: &str, country: &Country) -> String {
    let digits = phone_digits(phone);
    digits[digits.len().saturating_sub(country.national_digits)..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::company::{NameSpace, new_company};
    use crate::samples::rules::{is_valid_email, is_valid_phone, normalise_person, two_of_three};
    use rand::SeedableRng;

    fn keys(c: &ContactCells) -> [String; 3] {
        [
            normalise_person(&c.first, &c.last),
            c.email.to_lowercase(),
            phone_digits(&c.phone),
        ]
    }

    #[test]
    fn people_have_valid_distinct_addresses_and_phones() {
        let words = Words::embedded().unwrap();
        let mut names = NameSpace::new(&words, 3);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..300 {
            let co = new_company(&words, &mut names, &mut rng).unwrap();
            let ps = people(&words, &co, &[false; 8], &mut rng);
            let mut emails: Vec<String> = ps
                .iter()
                .filter(|p| !p.email.is_empty())
                .map(|p| p.email.to_lowercase())
                .collect();
            for e in &emails {
                assert!(is_valid_email(e), "{e}");
                assert!(e.ends_with(&co.domain), "{e} not at {}", co.domain);
            }
            let n = emails.len();
            emails.sort();
            emails.dedup();
            assert_eq!(emails.len(), n, "duplicate address at one company");
            for p in &ps {
                for phone in [&p.phone, &p.mobile] {
                    assert!(phone.is_empty() || is_valid_phone(phone), "{phone}");
                }
            }
        }
    }

    #[test]
    fn duplicate_contacts_agree_on_two_of_three_keys() {
        let words = Words::embedded().unwrap();
        let mut names = NameSpace::new(&words, 5);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..300 {
            let co = new_company(&words, &mut names, &mut rng).unwrap();
            for p in people(&words, &co, &[true; 3], &mut rng) {
                let rows: Vec<[String; 3]> = std::iter::once(keys(&p.cells()))
                    .chain((0..3).map(|_| keys(&p.duplicate_cells(&words, &co, &mut rng))))
                    .collect();
                for a in &rows {
                    for b in &rows {
                        assert!(two_of_three(a, b), "{a:?} vs {b:?} ({:?})", p.vary);
                    }
                }
            }
        }
    }
}
