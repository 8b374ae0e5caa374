//! Transforms declared per field in a mapping file, each a pure function of one value.
//!
//! In YAML a transform is a bare name (`trim`) or a one-key map (`{case: title}`); a field's
//! `transform:` list runs left to right. Stage applies them row by row; `map check` applies them
//! to find the values a load would reject.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::values::{country, date, domain, email, phone, placeholder};

/// One step of a field's transform chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Strip leading and trailing whitespace.
    Trim,
    /// Runs of whitespace (tabs, newlines) become one space; ends trimmed.
    CollapseSpaces,
    /// Placeholder texts (`N/A`, `-`, `unknown`, `none`, `null`, `test`, `xxx`, `tbd`) become blank.
    BlankPlaceholders,
    /// `{case: lower | upper | title}`
    Case(Case),
    /// `{split_name: first | middle | last | salutation}`: one part of a full name
    /// (`Dr. Ana María de la Cruz`, `Cruz, Ana`).
    SplitName(NamePart),
    /// `{concat: {columns: [Street 2], separator: ", "}}`: appends other columns' values.
    Concat(Concat),
    /// `{default: Open}`: the value to use when the cell is blank.
    Default(String),
    /// Replace the value through this field's `values:` map in the mapping file.
    Map,
    /// `{date: {formats: ["%m/%d/%Y"]}}`: parse and write `YYYY-MM-DD`.
    Date(DateSpec),
    /// `{datetime: {formats: [...]}}`: parse and write `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    Datetime(DateSpec),
    /// `{phone: {country: US, country_from: Billing Country}}`: E.164 (`+14155550134`); national
    /// numbers take the row's country from `country_from` when it names one, else `country`.
    Phone(PhoneSpec),
    /// Lowercase and validate an email address.
    Email,
    /// Country name or code to ISO 3166-1 alpha-2 (`Deutschland` -> `DE`).
    Country,
    /// `{state: {country: US}}`: state or province name to its code (`California` -> `CA`).
    State(StateSpec),
    /// `{number: {decimal: ".", round: 0}}`: `$1.2M`, `1,200`, `250k`, `500+` to a plain number.
    Number(NumberSpec),
    /// Yes/no spellings to `true` / `false`.
    Boolean,
    /// A URL to its bare domain (`https://www.acme.com/` -> `acme.com`).
    Domain,
    /// `{truncate: 80}`: cut to at most N characters, with a warning.
    Truncate(usize),
    /// `{first_item: ";"}`: the first of a list (`1001;1002` -> `1001`, as HubSpot writes
    /// `Associated Company IDs`), with a warning naming the rest.
    FirstItem(String),
}

/// Letter case for [`Transform::Case`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    Lower,
    Upper,
    Title,
}

/// A part of a person's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamePart {
    Salutation,
    First,
    Middle,
    Last,
}

/// Options of [`Transform::Concat`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concat {
    /// Source columns whose values follow this field's own value.
    pub columns: Vec<String>,
    #[serde(default = "space")]
    pub separator: String,
}

fn space() -> String {
    " ".to_string()
}

/// Options of [`Transform::Date`] and [`Transform::Datetime`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateSpec {
    /// chrono formats tried in order (`%m/%d/%Y`); empty = the common formats, US order first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<String>,
}

/// Options of [`Transform::Phone`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneSpec {
    /// Alpha-2 country for numbers written without a country code.
    pub country: String,
    /// A source column naming each row's country (`Billing Country`); used before `country`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_from: Option<String>,
}

/// Options of [`Transform::State`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    pub country: String,
}

/// Options of [`Transform::Number`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberSpec {
    /// Decimal separator: `.` (default) or `,`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal: Option<char>,
    /// Round to this many decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
}

/// What the transforms need besides the value: other columns (for `concat`) and the field's
/// value map (for `map`).
pub struct Context<'a> {
    /// The row's value of another source column, by name.
    pub column: &'a dyn Fn(&str) -> Option<String>,
    /// `values:` entries of the field being transformed.
    pub values: Option<&'a BTreeMap<String, Option<String>>>,
}

/// A value after its transforms, with anything worth telling.
#[derive(Debug, PartialEq)]
pub struct Applied {
    pub value: String,
    pub warnings: Vec<String>,
}

/// A transform that cannot produce a value a target would accept.
#[derive(Debug, PartialEq)]
pub struct Failure {
    /// The transform's name, e.g. `date`.
    pub transform: &'static str,
    pub message: String,
}

impl Transform {
    /// The name used in YAML.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::Trim => "trim",
            Transform::CollapseSpaces => "collapse_spaces",
            Transform::BlankPlaceholders => "blank_placeholders",
            Transform::Case(_) => "case",
            Transform::SplitName(_) => "split_name",
            Transform::Concat(_) => "concat",
            Transform::Default(_) => "default",
            Transform::Map => "map",
            Transform::Date(_) => "date",
            Transform::Datetime(_) => "datetime",
            Transform::Phone(_) => "phone",
            Transform::Email => "email",
            Transform::Country => "country",
            Transform::State(_) => "state",
            Transform::Number(_) => "number",
            Transform::Boolean => "boolean",
            Transform::Domain => "domain",
            Transform::Truncate(_) => "truncate",
            Transform::FirstItem(_) => "first_item",
        }
    }

    /// Applies this one transform. Blank values stay blank except for `default` and `concat`.
    pub fn apply(
        &self,
        value: &str,
        ctx: &Context,
        warnings: &mut Vec<String>,
    ) -> Result<String, Failure> {
        let fail = |message: String| Failure {
            transform: self.name(),
            message,
        };
        if crate::text::is_blank(value)
            && !matches!(self, Transform::Default(_) | Transform::Concat(_))
        {
            return Ok(value.to_string());
        }
        Ok(match self {
            Transform::Trim => crate::text::trim(value).to_string(),
            Transform::CollapseSpaces => collapse_spaces(value),
            Transform::BlankPlaceholders => {
                if placeholder::is_placeholder(value) {
                    String::new()
                } else {
                    value.to_string()
                }
            }
            Transform::Case(case) => set_case(value, *case),
            Transform::SplitName(part) => split_name(value, *part),
            Transform::Concat(c) => {
                let others: Vec<String> = c
                    .columns
                    .iter()
                    .filter_map(|col| (ctx.column)(col))
                    .collect();
                concat(value, &others, &c.separator)
            }
            Transform::Default(d) => {
                if crate::text::is_blank(value) {
                    d.clone()
                } else {
                    value.to_string()
                }
            }
            Transform::Map => map_value(value, ctx.values).map_err(fail)?,
            // A spreadsheet's serial date where a date is expected.
            Transform::Date(spec) => date::read_date(value, &spec.formats)
                .or_else(|| date::excel_serial(value).map(|d| d.date()))
                .map(date::iso_date)
                .ok_or_else(|| fail(not_a_date(value, &spec.formats)))?,
            Transform::Datetime(spec) => date::read_datetime(value, &spec.formats)
                .or_else(|| date::excel_serial(value))
                .map(date::iso_datetime)
                .ok_or_else(|| fail(not_a_date(value, &spec.formats)))?,
            Transform::Phone(spec) => {
                let row_country = spec
                    .country_from
                    .as_deref()
                    .and_then(|c| (ctx.column)(c))
                    .and_then(|c| country::code(&c))
                    .filter(|c| phone::calling_code(c).is_some());
                let country = row_country.unwrap_or(&spec.country);
                match phone::e164(value, country, warnings) {
                    Ok(e164) => e164,
                    // A phone number (what the profile counts as valid) that the country's
                    // numbering rules cannot place loads as written, never fails the row.
                    Err(why) if phone::is_valid(value) => {
                        warnings.push(format!("{why}; kept as written"));
                        value.trim().to_string()
                    }
                    Err(why) => return Err(fail(why)),
                }
            }
            Transform::Email => email::normalize(value)
                .ok_or_else(|| fail(format!("`{value}` is not a valid email address")))?,
            Transform::Country => country::code(value)
                .map(String::from)
                .ok_or_else(|| fail(format!("`{value}` is not a country name or ISO code")))?,
            Transform::State(spec) => country::state_code(&spec.country, value)
                .map(String::from)
                .ok_or_else(|| {
                    fail(format!(
                        "`{value}` is not a state or province of {}",
                        spec.country
                    ))
                })?,
            Transform::Number(spec) => {
                let (mut d, notes) =
                    crate::values::number::number(value, spec.decimal.unwrap_or('.'))
                        .ok_or_else(|| fail(format!("`{value}` is not a number")))?;
                if notes.lower_bound {
                    warnings.push(format!("`{value}` read as its lower bound {}", d.to_text()));
                }
                if let Some(places) = spec.round {
                    d = d.round(places);
                }
                d.to_text()
            }
            Transform::Boolean => match crate::values::boolean::boolean(value) {
                Some(b) => b.to_string(),
                None => return Err(fail(format!("`{value}` is not yes/no, true/false or 1/0"))),
            },
            Transform::Domain => {
                domain::host(value).ok_or_else(|| fail(format!("`{value}` has no domain name")))?
            }
            Transform::FirstItem(sep) => {
                let mut items = value
                    .split(sep.as_str())
                    .map(str::trim)
                    .filter(|i| !i.is_empty());
                let first = items.next().unwrap_or_default().to_string();
                let rest: Vec<&str> = items.collect();
                if !rest.is_empty() {
                    warnings.push(format!(
                        "kept the first of {} items; left out `{}`",
                        rest.len() + 1,
                        rest.join(sep)
                    ));
                }
                first
            }
            Transform::Truncate(n) => {
                if value.chars().count() > *n {
                    warnings.push(format!("truncated to {n} characters"));
                    value.chars().take(*n).collect()
                } else {
                    value.to_string()
                }
            }
        })
    }
}

/// Runs a transform chain over one value.
pub fn apply_all(transforms: &[Transform], value: &str, ctx: &Context) -> Result<Applied, Failure> {
    let mut warnings = Vec::new();
    let mut current = value.to_string();
    for t in transforms {
        // Stage runs every chain on every cell, and most cells are trimmed and single-spaced
        // already: those steps then keep the value rather than copy it (blank values stay as
        // they are in `apply` too).
        match t {
            Transform::Trim => {
                let trimmed = crate::text::trim(&current);
                if !trimmed.is_empty() && trimmed.len() != current.len() {
                    current = trimmed.to_string();
                }
            }
            Transform::CollapseSpaces if is_collapsed(&current) => {}
            _ => current = t.apply(&current, ctx, &mut warnings)?,
        }
    }
    Ok(Applied {
        value: current,
        warnings,
    })
}

/// Why a value is no date, naming the formats the field declared.
fn not_a_date(value: &str, formats: &[String]) -> String {
    if formats.is_empty() {
        format!("`{value}` is not a date in any layout crmkit reads")
    } else {
        format!(
            "`{value}` matches none of the date formats {}",
            formats.join(", ")
        )
    }
}

/// Whitespace runs to one space, ends trimmed.
pub fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether [`collapse_spaces`] leaves `s` as it is: no whitespace at the ends, and single
/// plain spaces between words.
fn is_collapsed(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        if c.is_whitespace() {
            if c != ' ' || after_space {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    !after_space || s.is_empty()
}

/// Lower, upper or title case; title case capitalises after spaces, hyphens and apostrophes.
pub fn set_case(s: &str, case: Case) -> String {
    match case {
        Case::Lower => s.to_lowercase(),
        Case::Upper => s.to_uppercase(),
        Case::Title => {
            let mut out = String::with_capacity(s.len());
            let mut start = true;
            for ch in s.chars() {
                if start {
                    out.extend(ch.to_uppercase());
                } else {
                    out.extend(ch.to_lowercase());
                }
                start = ch.is_whitespace() || ch == '-' || ch == '\'' || ch == '(';
            }
            out
        }
    }
}

const SALUTATIONS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam",
];
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"];
const PARTICLES: &[&str] = &[
    "van", "von", "de", "da", "del", "della", "di", "du", "la", "le", "der", "den", "dos", "st",
    "bin", "al",
];

fn bare(word: &str) -> String {
    word.trim()
        .trim_matches(|c: char| c == '.' || c == ',')
        .to_lowercase()
}

/// One part of a full name: `Last, First Middle` and `Salutation First Middle Last` both work;
/// particles (`van`, `de la`) stay with the last name; suffixes (`Jr.`) are dropped.
pub fn split_name(full: &str, part: NamePart) -> String {
    let full = collapse_spaces(full);
    let (mut given, mut last): (Vec<String>, Vec<String>) = match full.split_once(',') {
        Some((last, given))
            if !given.trim().is_empty() && !SUFFIXES.contains(&bare(given).as_str()) =>
        {
            (
                given.split_whitespace().map(String::from).collect(),
                last.split_whitespace().map(String::from).collect(),
            )
        }
        _ => {
            let mut words: Vec<String> = full
                .split_whitespace()
                .map(|w| w.trim_end_matches(',').to_string())
                .collect();
            while words.len() > 1
                && words
                    .last()
                    .is_some_and(|w| SUFFIXES.contains(&bare(w).as_str()))
            {
                words.pop();
            }
            // The last name starts at the first particle after the first given name, else is the last word.
            let split = (1..words.len().saturating_sub(1))
                .find(|&i| PARTICLES.contains(&bare(&words[i]).as_str()) && i > first_given(&words))
                .unwrap_or(words.len().saturating_sub(1));
            let last = words.split_off(split);
            (words, last)
        }
    };
    let salutation = match given.first() {
        Some(w) if SALUTATIONS.contains(&bare(w).as_str()) => Some(given.remove(0)),
        _ => None,
    };
    if given.is_empty() && last.len() > 1 && salutation.is_none() {
        given.push(last.remove(0));
    }
    match part {
        NamePart::Salutation => salutation.unwrap_or_default(),
        NamePart::First => given.first().cloned().unwrap_or_default(),
        NamePart::Middle => given.get(1..).map(|m| m.join(" ")).unwrap_or_default(),
        NamePart::Last => last.join(" "),
    }
}

/// Index of the first given name (after a salutation).
fn first_given(words: &[String]) -> usize {
    usize::from(
        words
            .first()
            .is_some_and(|w| SALUTATIONS.contains(&bare(w).as_str())),
    )
}

/// The value followed by the non-blank other values, joined by `sep`.
pub fn concat(value: &str, others: &[String], sep: &str) -> String {
    std::iter::once(value)
        .chain(others.iter().map(String::as_str))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

/// Looks the value up in the field's value map: exact key first, then ignoring case and
/// surrounding spaces. A key mapped to nothing (`~`) is an open decision, so it fails.
pub fn map_value(
    value: &str,
    values: Option<&BTreeMap<String, Option<String>>>,
) -> Result<String, String> {
    let Some(values) = values else {
        return Ok(value.to_string());
    };
    let hit = values.get(value).or_else(|| {
        // Run for every value the map does not list as written: ASCII keys compare in place.
        let value = crate::text::trim(value);
        let lower = (!value.is_ascii()).then(|| value.to_lowercase());
        values
            .iter()
            .find(|(k, _)| {
                let k = crate::text::trim(k);
                match &lower {
                    None if k.is_ascii() => k.eq_ignore_ascii_case(value),
                    None => k.to_lowercase() == value.to_lowercase(),
                    Some(lower) => k.to_lowercase() == *lower,
                }
            })
            .map(|(_, v)| v)
    });
    match hit {
        Some(Some(target)) => Ok(target.clone()),
        Some(None) => Err(format!("`{value}` has no target value yet in `values:`")),
        None => Ok(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn trim_and_collapse_in_a_chain_give_what_each_step_gives() {
        let ctx = Context {
            column: &none,
            values: None,
        };
        let chain = [Transform::Trim, Transform::CollapseSpaces];
        for v in [
            "",
            "   ",
            "a",
            " a",
            "a ",
            "a  b",
            "a b",
            "a\tb",
            "a\u{a0}b",
            "\u{3000}x",
            "Zoë Smith",
            " x  y ",
            "\n",
            "a b c",
        ] {
            let mut stepwise = v.to_string();
            for t in &chain {
                stepwise = t.apply(&stepwise, &ctx, &mut Vec::new()).unwrap();
            }
            assert_eq!(apply_all(&chain, v, &ctx).unwrap().value, stepwise, "{v:?}");
            assert_eq!(is_collapsed(v), collapse_spaces(v) == v, "{v:?}");
        }
    }

    fn run(t: &Transform, v: &str) -> Result<String, Failure> {
        let ctx = Context {
            column: &none,
            values: None,
        };
        t.apply(v, &ctx, &mut Vec::new())
    }

    #[test]
    fn parses_from_yaml_in_both_shapes() {
        let yaml = "[trim, {case: title}, {date: {formats: [\"%m/%d/%Y\"]}}, {phone: {country: US}}, {number: {}}, map, {truncate: 80}, {concat: {columns: [B]}}]";
        let list: Vec<Transform> = serde_yaml::with::singleton_map_recursive::deserialize(
            serde_yaml::Deserializer::from_str(yaml),
        )
        .unwrap();
        assert_eq!(list.len(), 8);
        assert_eq!(list[1], Transform::Case(Case::Title));
        assert_eq!(
            list[7],
            Transform::Concat(Concat {
                columns: vec!["B".into()],
                separator: " ".into()
            })
        );
        let bad = "[{case: sideways}]";
        let err = serde_yaml::with::singleton_map_recursive::deserialize::<Vec<Transform>, _>(
            serde_yaml::Deserializer::from_str(bad),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("sideways"), "{err}");
    }

    #[test]
    fn table() {
        let date_us = Transform::Date(DateSpec {
            formats: vec!["%m/%d/%Y".into()],
        });
        let cases: Vec<(Transform, &str, Result<&str, &str>)> = vec![
            (Transform::Trim, "  a b  ", Ok("a b")),
            (Transform::BlankPlaceholders, " N/A ", Ok("")),
            (Transform::BlankPlaceholders, "unknown", Ok("")),
            (Transform::BlankPlaceholders, "Acme", Ok("Acme")),
            (Transform::CollapseSpaces, " a \t b\n c ", Ok("a b c")),
            (
                Transform::Case(Case::Title),
                "o'BRIEN-smith jr",
                Ok("O'Brien-Smith Jr"),
            ),
            (Transform::Case(Case::Upper), "abc", Ok("ABC")),
            (Transform::Case(Case::Lower), "ÀBC", Ok("àbc")),
            (Transform::Default("Open".into()), "", Ok("Open")),
            (Transform::Default("Open".into()), "Won", Ok("Won")),
            (date_us.clone(), "03/04/2021", Ok("2021-03-04")),
            (date_us.clone(), "2021-03-04", Ok("2021-03-04")),
            // A layout only one way to read (month names, ISO) is read whatever the list says;
            // the list decides the order of day and month, so a day-first-only value fails.
            (date_us.clone(), "4 Mar 2021", Ok("2021-03-04")),
            (date_us, "13/04/2021", Err("date")),
            (
                Transform::Date(DateSpec::default()),
                "4 Mar 2021",
                Ok("2021-03-04"),
            ),
            (
                Transform::Datetime(DateSpec::default()),
                "2021-03-04",
                Ok("2021-03-04T00:00:00Z"),
            ),
            (
                Transform::Phone(PhoneSpec {
                    country: "US".into(),
                    country_from: None,
                }),
                "(415) 555-0134",
                Ok("+14155550134"),
            ),
            (
                Transform::Phone(PhoneSpec {
                    country: "US".into(),
                    country_from: None,
                }),
                "1-415-555-0134",
                Ok("+14155550134"),
            ),
            (
                Transform::Phone(PhoneSpec {
                    country: "GB".into(),
                    country_from: None,
                }),
                "020 7946 0958",
                Ok("+442079460958"),
            ),
            (
                Transform::Phone(PhoneSpec {
                    country: "DE".into(),
                    country_from: None,
                }),
                "+49 30 1234567",
                Ok("+49301234567"),
            ),
            (
                Transform::Phone(PhoneSpec {
                    country: "US".into(),
                    country_from: None,
                }),
                // Seven digits are a phone number, but no E.164 one: kept as written.
                "555-0134",
                Ok("555-0134"),
            ),
            (
                Transform::Phone(PhoneSpec {
                    country: "US".into(),
                    country_from: None,
                }),
                "call me",
                Err("phone"),
            ),
            (Transform::Email, " Bob@Acme.COM ", Ok("bob@acme.com")),
            (Transform::Email, "bob at acme.com", Err("email")),
            (Transform::Country, "United States of America", Ok("US")),
            (Transform::Country, "Narnia", Err("country")),
            (
                Transform::State(StateSpec {
                    country: "US".into(),
                }),
                "California",
                Ok("CA"),
            ),
            (
                Transform::State(StateSpec {
                    country: "US".into(),
                }),
                "Atlantis",
                Err("state"),
            ),
            (
                Transform::Number(NumberSpec::default()),
                "$1.2M",
                Ok("1200000"),
            ),
            (
                Transform::Number(NumberSpec::default()),
                "1,200",
                Ok("1200"),
            ),
            (
                Transform::Number(NumberSpec {
                    decimal: Some(','),
                    round: None,
                }),
                "1.234,50 €",
                Ok("1234.5"),
            ),
            (
                Transform::Number(NumberSpec {
                    decimal: None,
                    round: Some(0),
                }),
                "2.5",
                Ok("3"),
            ),
            (
                Transform::Number(NumberSpec::default()),
                "lots",
                Err("number"),
            ),
            (Transform::Boolean, "Yes", Ok("true")),
            (Transform::Boolean, "maybe", Err("boolean")),
            (
                Transform::Domain,
                "https://www.acme.com/about",
                Ok("acme.com"),
            ),
            (Transform::Domain, "n/a", Err("domain")),
            (Transform::Truncate(3), "abcdef", Ok("abc")),
            (
                Transform::FirstItem(";".into()),
                "1001; 1002;1003",
                Ok("1001"),
            ),
            (Transform::FirstItem(";".into()), ";1002", Ok("1002")),
            (Transform::FirstItem(";".into()), "1001", Ok("1001")),
            (Transform::Truncate(3), "ab", Ok("ab")),
            (Transform::Email, "", Ok("")),
            (Transform::Number(NumberSpec::default()), "  ", Ok("  ")),
        ];
        for (t, input, want) in cases {
            match (run(&t, input), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, w, "{t:?} {input:?}"),
                (Err(f), Err(name)) => assert_eq!(f.transform, name, "{t:?} {input:?}"),
                (got, w) => panic!("{t:?} {input:?}: got {got:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn split_names() {
        let cases = [
            ("John Smith", ["", "John", "", "Smith"]),
            (
                "Dr. Ana María de la Cruz",
                ["Dr.", "Ana", "María", "de la Cruz"],
            ),
            ("Smith, John Paul", ["", "John", "Paul", "Smith"]),
            ("Ludwig van Beethoven", ["", "Ludwig", "", "van Beethoven"]),
            ("Martin Luther King Jr.", ["", "Martin", "Luther", "King"]),
            ("King, Jr.", ["", "", "", "King"]),
            ("Cher", ["", "", "", "Cher"]),
            ("Mr. Bean", ["Mr.", "", "", "Bean"]),
        ];
        let parts = [
            NamePart::Salutation,
            NamePart::First,
            NamePart::Middle,
            NamePart::Last,
        ];
        for (input, want) in cases {
            let got: Vec<String> = parts.iter().map(|p| split_name(input, *p)).collect();
            assert_eq!(got, want, "{input}");
        }
    }

    #[test]
    fn concat_and_map_use_the_context() {
        let row = |c: &str| (c == "Street 2").then(|| "Suite 5".to_string());
        let mut values = BTreeMap::new();
        values.insert("Tech".to_string(), Some("Technology".to_string()));
        values.insert("Widgets".to_string(), None);
        let ctx = Context {
            column: &row,
            values: Some(&values),
        };
        let concat = vec![Transform::Concat(Concat {
            columns: vec!["Street 2".into(), "Nope".into()],
            separator: ", ".into(),
        })];
        assert_eq!(
            apply_all(&concat, "1 Main St", &ctx).unwrap().value,
            "1 Main St, Suite 5"
        );
        assert_eq!(apply_all(&concat, "", &ctx).unwrap().value, "Suite 5");
        let map = vec![Transform::Trim, Transform::Map];
        assert_eq!(apply_all(&map, " tech ", &ctx).unwrap().value, "Technology");
        assert_eq!(apply_all(&map, "Other", &ctx).unwrap().value, "Other");
        assert_eq!(
            apply_all(&map, "Widgets", &ctx).unwrap_err().transform,
            "map"
        );
    }

    #[test]
    fn phone_country_comes_from_the_row_when_it_can() {
        let t = vec![Transform::Phone(PhoneSpec {
            country: "US".into(),
            country_from: Some("Country".into()),
        })];
        let uk = |c: &str| (c == "Country").then(|| "United Kingdom".to_string());
        let ctx = Context {
            column: &uk,
            values: None,
        };
        assert_eq!(
            apply_all(&t, "020 7946 0958", &ctx).unwrap().value,
            "+442079460958"
        );
        let nowhere = |c: &str| (c == "Country").then(|| "Narnia".to_string());
        let ctx = Context {
            column: &nowhere,
            values: None,
        };
        assert_eq!(
            apply_all(&t, "(415) 555-0134", &ctx).unwrap().value,
            "+14155550134"
        );
    }

    #[test]
    fn warnings_are_collected() {
        let ctx = Context {
            column: &none,
            values: None,
        };
        let chain = vec![Transform::Number(NumberSpec::default())];
        let out = apply_all(&chain, "500+", &ctx).unwrap();
        assert_eq!(out.value, "500");
        assert_eq!(out.warnings.len(), 1);
        let out = apply_all(&[Transform::Truncate(2)], "abc", &ctx).unwrap();
        assert_eq!(out.warnings, ["truncated to 2 characters"]);
        let out = apply_all(
            &[Transform::Phone(PhoneSpec {
                country: "US".into(),
                country_from: None,
            })],
            "415-555-0134 x9",
            &ctx,
        )
        .unwrap();
        assert_eq!(out.value, "+14155550134");
        assert_eq!(out.warnings.len(), 1);
        // A German number under a US default is a phone, not a US one: kept, with a warning.
        let out = apply_all(
            &[Transform::Phone(PhoneSpec {
                country: "US".into(),
                country_from: None,
            })],
            " 030 1234567 ",
            &ctx,
        )
        .unwrap();
        assert_eq!(out.value, "030 1234567");
        assert!(
            out.warnings[0].contains("kept as written"),
            "{:?}",
            out.warnings
        );
    }
}
