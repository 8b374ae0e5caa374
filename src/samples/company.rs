//! Companies: unique names, domains and phone numbers, addresses that fit their country, and
//! the cosmetic or deliberate variation duplicate account rows of one company carry.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::pick::{chance, index, pick, range, weighted};
use super::rules::fold;
use super::scramble::{Scramble, split2};
use super::words::{Country, Words};
use crate::error::{Error, Result};

/// The last digits of a company phone number, unique per company.
pub const UNIQUE_DIGITS: usize = 7;
/// How many distinct unique parts there are: `2000000..=9999999`, never a leading 0 or 1.
const PHONE_SPACE: u64 = 8_000_000;
const PHONE_BASE: u64 = 2_000_000;

/// How a company name is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// Northwind Traders
    Plain,
    /// Hoffmann Logistics
    Family,
    /// Summit Coastal Logistics
    Compound,
    /// Hartley & Sinclair Consulting
    Partners,
}

const PATTERNS: [(Pattern, u32); 4] = [
    (Pattern::Plain, 45),
    (Pattern::Family, 20),
    (Pattern::Compound, 25),
    (Pattern::Partners, 10),
];

/// Hands out company names that are unique after normalisation, each pattern walking its
/// own name space in a seeded, scattered order.
#[derive(Debug)]
pub struct NameSpace {
    used: [u64; 4],
    order: [Scramble; 4],
    /// Numbers of company phones handed out, and their order.
    phones_used: u64,
    phone_order: Scramble,
}

impl NameSpace {
    /// A fresh name space for `words`, ordered by `seed`.
    pub fn new(words: &Words, seed: u64) -> NameSpace {
        let sizes = pattern_sizes(words);
        let order = std::array::from_fn(|i| {
            Scramble::new(sizes[i], super::scramble::mix(seed ^ (i as u64 + 1)))
        });
        NameSpace {
            used: [0; 4],
            order,
            phones_used: 0,
            phone_order: Scramble::new(PHONE_SPACE, super::scramble::mix(seed ^ 0xF0)),
        }
    }

    /// How many distinct companies the word lists can name.
    pub fn capacity(words: &Words) -> u64 {
        pattern_sizes(words).iter().sum::<u64>().min(PHONE_SPACE)
    }
}

fn pattern_sizes(words: &Words) -> [u64; 4] {
    let c = &words.company;
    let (f, m, b, s) = (
        c.first.len() as u64,
        c.middle.len() as u64,
        c.business.len() as u64,
        c.surnames.len() as u64,
    );
    [f * b, s * b, f * m * b, s * (s - 1).max(1) * b]
}

/// Which one of a duplicate cluster's three match keys its members may differ in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vary {
    /// Only cosmetic differences that normalise away.
    Nothing,
    /// A typo in the name.
    Name,
    /// A different or missing website.
    Website,
    /// A different or missing phone.
    Phone,
}

/// One real-world company; account rows are renderings of it.
#[derive(Debug, Clone)]
pub struct Company {
    /// Name without legal form, e.g. `Northwind Traders`.
    pub core: String,
    /// What opportunity names call it, e.g. `Northwind`.
    pub short: String,
    /// e.g. `northwindtraders.com`.
    pub domain: String,
    /// Index into `words.countries`.
    pub country: usize,
    /// Index into the country's cities.
    pub city: usize,
    street_number: u32,
    street_name: usize,
    street_type: usize,
    suite: Option<u32>,
    pub postcode: String,
    /// National significant number of the switchboard.
    pub phone_nsn: String,
    /// Phone format usually used in this company's records.
    phone_format: usize,
    /// Legal form group in the country's list, if the name carries one.
    suffix: Option<usize>,
    pub industry: usize,
    pub employees: u32,
    pub revenue: u64,
    /// How the company builds email addresses (see `people`).
    pub email_style: u8,
    /// Which key may vary between duplicate rows of this company.
    pub vary: Vary,
}

/// The identifying cells of one account row.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub name: String,
    pub website: String,
    pub phone: String,
    pub street: String,
}

/// Picks a country by weight.
pub fn pick_country(words: &Words, rng: &mut ChaCha8Rng) -> usize {
    let weights: Vec<u32> = words.countries.iter().map(|c| c.weight).collect();
    weighted(rng, &weights)
}

/// Fills `#` with digits of `digits` in order and `@` with random capital letters.
pub fn fill(template: &str, digits: &str) -> String {
    let mut d = digits.chars();
    template
        .chars()
        .map(|c| if c == '#' { d.next().unwrap_or('0') } else { c })
        .collect()
}

/// A postcode from a pattern: `#` a random digit, `@` a random capital letter.
fn postcode(pattern: &str, rng: &mut ChaCha8Rng) -> String {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    pattern
        .chars()
        .map(|c| match c {
            '#' => char::from(b'0' + rng.gen_range(0..10u8)),
            '@' => char::from(LETTERS[index(rng, LETTERS.len())]),
            other => other,
        })
        .collect()
}

/// `n` random decimal digits.
pub fn random_digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// A name word as it appears in a domain: folded and lowercase.
fn domain_word(w: &str) -> String {
    fold(w).to_lowercase()
}

/// Creates the next company: a fresh unique name, domain and phone.
pub fn new_company(words: &Words, names: &mut NameSpace, rng: &mut ChaCha8Rng) -> Result<Company> {
    let c = &words.company;
    let sizes = pattern_sizes(words);
    // An exhausted pattern gets weight 0, so the others take over.
    let weights: Vec<u32> = PATTERNS
        .iter()
        .enumerate()
        .map(|(i, (_, w))| if names.used[i] < sizes[i] { *w } else { 0 })
        .collect();
    if weights.iter().all(|&w| w == 0) || names.phones_used >= PHONE_SPACE {
        return Err(Error::Usage(format!(
            "the word lists can name only {} distinct companies; ask for fewer accounts",
            NameSpace::capacity(words)
        )));
    }
    let slot = weighted(rng, &weights);
    let v = names.order[slot].get(names.used[slot]);
    names.used[slot] += 1;
    let nb = c.business.len() as u64;
    let (rest, b) = split2(v, nb);
    let business = &c.business[b as usize];
    let (core, short, label) = match PATTERNS[slot].0 {
        Pattern::Plain => {
            let f = &c.first[rest as usize];
            (
                format!("{f} {business}"),
                f.clone(),
                format!("{}{}", domain_word(f), domain_word(business)),
            )
        }
        Pattern::Family => {
            let s = &c.surnames[rest as usize];
            (
                format!("{s} {business}"),
                s.clone(),
                format!("{}{}", domain_word(s), domain_word(business)),
            )
        }
        Pattern::Compound => {
            let (f, m) = split2(rest, c.middle.len() as u64);
            let (f, m) = (&c.first[f as usize], &c.middle[m as usize]);
            (
                format!("{f} {m} {business}"),
                format!("{f} {m}"),
                format!(
                    "{}-{}-{}",
                    domain_word(f),
                    domain_word(m),
                    domain_word(business)
                ),
            )
        }
        Pattern::Partners => {
            let (a, b2) = split2(rest, (c.surnames.len() as u64 - 1).max(1));
            let b2 = if b2 >= a { b2 + 1 } else { b2 };
            let (a, b2) = (&c.surnames[a as usize], &c.surnames[b2 as usize]);
            (
                format!("{a} & {b2} {business}"),
                format!("{a} & {b2}"),
                format!(
                    "{}-{}-{}",
                    domain_word(a),
                    domain_word(b2),
                    domain_word(business)
                ),
            )
        }
    };
    let country_idx = pick_country(words, rng);
    let country = &words.countries[country_idx];
    let city_idx = index(rng, country.cities.len());
    let city = &country.cities[city_idx];
    let unique = PHONE_BASE + names.phone_order.get(names.phones_used);
    names.phones_used += 1;
    let lead = country.national_digits - city.area.len() - UNIQUE_DIGITS;
    let phone_nsn = format!("{}{}{unique}", city.area, random_digits(rng, lead));
    let employees = employees(rng);
    let revenue = revenue(rng, employees);
    Ok(Company {
        domain: format!("{label}.{}", country.tld),
        core,
        short,
        country: country_idx,
        city: city_idx,
        street_number: street_number(country, rng),
        street_name: index(rng, country.street_names.len()),
        street_type: index(rng, country.street_types.len()),
        suite: (country.code == "US" && chance(rng, 0.12)).then(|| range(rng, 1, 40) * 50),
        postcode: postcode(&city.postcode, rng),
        phone_nsn,
        phone_format: index(rng, country.phone_formats.len()),
        suffix: chance(rng, 0.8).then(|| index(rng, country.legal_suffixes.len())),
        industry: index(rng, words.industries.len()),
        employees,
        revenue,
        email_style: range(rng, 0, 5) as u8,
        vary: match range(rng, 0, 10) {
            0..=3 => Vary::Nothing,
            4..=5 => Vary::Name,
            6..=7 => Vary::Website,
            _ => Vary::Phone,
        },
    })
}

fn street_number(country: &Country, rng: &mut ChaCha8Rng) -> u32 {
    match country.code.as_str() {
        "US" | "CA" => range(rng, 1, 9999),
        "UK" => range(rng, 1, 300),
        _ => range(rng, 1, 180),
    }
}

/// Head counts: mostly small firms, a long tail of large ones.
fn employees(rng: &mut ChaCha8Rng) -> u32 {
    match range(rng, 0, 100) {
        0..=29 => range(rng, 1, 10),
        30..=59 => range(rng, 11, 50),
        60..=79 => range(rng, 51, 200),
        80..=91 => range(rng, 201, 1000),
        92..=97 => range(rng, 1001, 5000),
        _ => range(rng, 5001, 60000),
    }
}

/// Revenue of 60k-400k per head, rounded to two significant digits.
fn revenue(rng: &mut ChaCha8Rng, employees: u32) -> u64 {
    let raw = employees as u64 * range(rng, 60, 400) as u64 * 1000;
    let mut unit = 1u64;
    while raw / unit >= 100 {
        unit *= 10;
    }
    (raw / unit) * unit
}

impl Company {
    /// The company's country.
    pub fn country<'w>(&self, words: &'w Words) -> &'w Country {
        &words.countries[self.country]
    }

    /// The billing street, with the type written out or abbreviated.
    pub fn street(&self, words: &Words, abbreviated: bool) -> String {
        let country = self.country(words);
        let types = &country.street_types[self.street_type];
        let mut s = country
            .street_format
            .replace("{number}", &self.street_number.to_string())
            .replace("{name}", &country.street_names[self.street_name])
            .replace("{type}", &types[usize::from(abbreviated)]);
        if let Some(suite) = self.suite {
            s.push_str(if abbreviated { ", Ste " } else { ", Suite " });
            s.push_str(&suite.to_string());
        }
        s
    }

    /// The switchboard number in format `format`.
    pub fn phone(&self, words: &Words, format: usize) -> String {
        fill(&self.country(words).phone_formats[format], &self.phone_nsn)
    }

    /// The name with the legal form spelled as variant `variant` of its group.
    fn name_with_suffix(&self, words: &Words, core: &str, variant: Option<usize>) -> String {
        match (self.suffix, variant) {
            (Some(group), Some(v)) => {
                let spellings = &self.country(words).legal_suffixes[group];
                format!("{core} {}", spellings[v % spellings.len()])
            }
            _ => core.to_string(),
        }
    }

    /// The identifying cells of a row of a company that has no duplicates.
    pub fn identity(&self, words: &Words, rng: &mut ChaCha8Rng) -> Identity {
        Identity {
            name: self.name_with_suffix(words, &self.core, Some(0)),
            website: if chance(rng, 0.05) {
                String::new()
            } else {
                website(&self.domain, rng)
            },
            phone: if chance(rng, 0.04) {
                String::new()
            } else {
                self.phone(words, self.phone_format)
            },
            street: self.street(words, chance(rng, 0.2)),
        }
    }

    /// The identifying cells of one row in a duplicate cluster: cosmetic variation always,
    /// and a real difference only in the key [`Company::vary`] names, so that any two rows
    /// of the cluster agree on the other two keys.
    pub fn duplicate_identity(&self, words: &Words, rng: &mut ChaCha8Rng) -> Identity {
        let mut core = self.core.clone();
        if self.vary == Vary::Name && chance(rng, 0.7) {
            core = typo(&core, rng);
        }
        if core.contains(" & ") && chance(rng, 0.5) {
            core = core.replace(" & ", " and ");
        }
        let variant = if chance(rng, 0.25) {
            None
        } else {
            Some(range(rng, 0, 3) as usize)
        };
        let mut name = self.name_with_suffix(words, &core, variant);
        match range(rng, 0, 10) {
            0 | 1 => name = name.to_uppercase(),
            2 => name = name.to_lowercase(),
            3 => name = name.replacen(' ', "  ", 1),
            4 => name.push(' '),
            _ => {}
        }
        let website = if self.vary == Vary::Website && chance(rng, 0.7) {
            // No other company has a `.net` domain or a hyphenated two-part label.
            let country = self.country(words);
            let (label, _) = self.domain.split_once('.').unwrap_or((&self.domain, ""));
            match range(rng, 0, 2) {
                0 => String::new(),
                1 => website(&format!("{label}.net"), rng),
                _ => website(
                    &format!("{label}-{}.{}", country.code.to_lowercase(), country.tld),
                    rng,
                ),
            }
        } else {
            website(&self.domain, rng)
        };
        let base = self.phone(words, self.phone_format);
        let base_digits = super::rules::phone_digits(&base);
        let formats = &self.country(words).phone_formats;
        let phone = if self.vary == Vary::Phone && chance(rng, 0.7) {
            // Either no phone, or the same number written with different digits
            // (country code, trunk zero) that a strict digit comparison tells apart.
            let other: Vec<usize> = (0..formats.len())
                .filter(|&f| super::rules::phone_digits(&self.phone(words, f)) != base_digits)
                .collect();
            if other.is_empty() || chance(rng, 0.4) {
                String::new()
            } else {
                self.phone(words, *pick(rng, &other))
            }
        } else {
            let same: Vec<usize> = (0..formats.len())
                .filter(|&f| super::rules::phone_digits(&self.phone(words, f)) == base_digits)
                .collect();
            self.phone(words, *pick(rng, &same))
        };
        Identity {
            name,
            website,
            phone,
            street: self.street(words, chance(rng, 0.5)),
        }
    }
}

/// A website in one of the shapes legacy records hold it in.
fn website(domain: &str, rng: &mut ChaCha8Rng) -> String {
    match range(rng, 0, 20) {
        0..=7 => format!("www.{domain}"),
        8..=11 => domain.to_string(),
        12..=14 => format!("https://www.{domain}"),
        15..=16 => format!("http://{domain}"),
        17..=18 => format!("https://{domain}/"),
        _ => format!("http://www.{domain}/"),
    }
}

/// One typo in a word of four or more letters: two letters swapped, one dropped or doubled.
pub fn typo(text: &str, rng: &mut ChaCha8Rng) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let long: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 4)
        .collect();
    if long.is_empty() {
        return format!("{text}s");
    }
    let w = *pick(rng, &long);
    let chars: Vec<char> = words[w].chars().collect();
    for _ in 0..8 {
        let i = range(rng, 1, chars.len() as u32 - 2) as usize;
        let mut c = chars.clone();
        match range(rng, 0, 2) {
            0 => c.swap(i, i + 1),
            1 => {
                c.remove(i);
            }
            _ => c.insert(i, chars[i]),
        }
        if c != chars {
            let mut out: Vec<String> = words.iter().map(|s| s.to_string()).collect();
            out[w] = c.into_iter().collect();
            return out.join(" ");
        }
    }
    format!("{text}s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::rules::{normalise_company, phone_digits, two_of_three, website_domain};
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    #[test]
    fn concatenated_domains_never_collide() {
        // Two-token names have unhyphenated domains: prove no two of them coincide.
        let words = Words::embedded().unwrap();
        let c = &words.company;
        let mut seen = BTreeSet::new();
        for head in c.first.iter().chain(&c.surnames) {
            for b in &c.business {
                let label = format!("{}{}", domain_word(head), domain_word(b));
                assert!(seen.insert(label.clone()), "domain label {label} twice");
            }
        }
    }

    #[test]
    fn companies_are_unique_in_name_domain_and_phone() {
        let words = Words::embedded().unwrap();
        let mut names = NameSpace::new(&words, 42);
        let mut r = rng();
        let (mut n, mut d, mut p) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for _ in 0..20_000 {
            let co = new_company(&words, &mut names, &mut r).unwrap();
            assert!(n.insert(normalise_company(&co.core)), "{}", co.core);
            assert!(d.insert(co.domain.clone()), "{}", co.domain);
            assert!(p.insert(co.phone_nsn[co.phone_nsn.len() - UNIQUE_DIGITS..].to_string()));
            assert_eq!(co.phone_nsn.len(), co.country(&words).national_digits);
        }
    }

    #[test]
    fn duplicate_rows_agree_on_two_of_three_keys() {
        let words = Words::embedded().unwrap();
        let mut names = NameSpace::new(&words, 1);
        let mut r = rng();
        for _ in 0..500 {
            let co = new_company(&words, &mut names, &mut r).unwrap();
            let rows: Vec<[String; 3]> = (0..4)
                .map(|_| {
                    let id = co.duplicate_identity(&words, &mut r);
                    [
                        normalise_company(&id.name),
                        website_domain(&id.website),
                        phone_digits(&id.phone),
                    ]
                })
                .collect();
            for a in &rows {
                for b in &rows {
                    assert!(two_of_three(a, b), "{:?} vs {:?} ({:?})", a, b, co.vary);
                }
            }
        }
    }

    #[test]
    fn typos_change_the_text() {
        let mut r = rng();
        for text in ["Northwind Traders", "Baker & Hughes Logistics", "Ab"] {
            for _ in 0..50 {
                assert_ne!(typo(text, &mut r), text);
            }
        }
    }

    #[test]
    fn phones_and_postcodes_fill_their_patterns() {
        assert_eq!(fill("(###) ###-####", "4155550134"), "(415) 555-0134");
        assert_eq!(
            fill("+44 (0)## #### ####", "2079460958"),
            "+44 (0)20 7946 0958"
        );
        let pc = postcode("M5V #@#", &mut rng());
        assert!(pc.starts_with("M5V ") && pc.len() == 7, "{pc}");
    }
}
