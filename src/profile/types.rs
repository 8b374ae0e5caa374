//! Semantic types: what one value could be (a bit per type), the validators behind the
//! bits, and the choice of one type per column from the counts and the column's name.

use serde::{Deserialize, Serialize};

use crate::values::{country, email::is_email, phone};

use super::numbers::{self, Number, NumberForm};
use super::vocab;
use crate::values::date::{self as dates, DateParse, DateValue};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticType {
    Integer,
    Decimal,
    Currency,
    Percent,
    Boolean,
    Date,
    Datetime,
    Email,
    Phone,
    Url,
    Postcode,
    Country,
    State,
    PersonName,
    CompanyName,
    Identifier,
    /// Few distinct values that repeat: a picklist in the target CRM.
    Category,
    /// Free text.
    Text,
    /// No values at all.
    Empty,
}

impl SemanticType {
    /// The name used in output and JSON.
    pub fn name(self) -> &'static str {
        match self {
            SemanticType::Integer => "integer",
            SemanticType::Decimal => "decimal",
            SemanticType::Currency => "currency",
            SemanticType::Percent => "percent",
            SemanticType::Boolean => "boolean",
            SemanticType::Date => "date",
            SemanticType::Datetime => "datetime",
            SemanticType::Email => "email",
            SemanticType::Phone => "phone",
            SemanticType::Url => "url",
            SemanticType::Postcode => "postcode",
            SemanticType::Country => "country",
            SemanticType::State => "state",
            SemanticType::PersonName => "person_name",
            SemanticType::CompanyName => "company_name",
            SemanticType::Identifier => "identifier",
            SemanticType::Category => "category",
            SemanticType::Text => "text",
            SemanticType::Empty => "empty",
        }
    }

    /// True for the number-like types, whose non-plain values are `nonstandard_number`.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            SemanticType::Integer
                | SemanticType::Decimal
                | SemanticType::Currency
                | SemanticType::Percent
        )
    }

    /// True for dates and date-times.
    pub fn is_temporal(self) -> bool {
        matches!(self, SemanticType::Date | SemanticType::Datetime)
    }

    /// The bit a value must have to be valid for this type, for types that are validated.
    pub fn valid_bit(self) -> Option<u32> {
        Some(match self {
            SemanticType::Integer => bit::INT,
            SemanticType::Decimal | SemanticType::Currency => bit::PLAIN,
            SemanticType::Percent => bit::PERCENT,
            SemanticType::Boolean => bit::BOOL,
            // A spreadsheet's serial dates count where the column is a date column.
            SemanticType::Date | SemanticType::Datetime => bit::DATE | bit::SERIAL_DATE,
            SemanticType::Email => bit::EMAIL,
            SemanticType::Phone => bit::PHONE,
            SemanticType::Url => bit::URL,
            SemanticType::Postcode => bit::POSTCODE,
            SemanticType::Country => bit::COUNTRY,
            SemanticType::State => bit::STATE,
            _ => return None,
        })
    }
}

/// One bit per thing a value can be.
pub mod bit {
    /// Plain integer.
    pub const INT: u32 = 1 << 0;
    /// Plain number (integer or decimal).
    pub const PLAIN: u32 = 1 << 1;
    /// Readable as a number, plain or formatted.
    pub const NUMBER: u32 = 1 << 2;
    /// Carries a currency symbol or code.
    pub const MONEY: u32 = 1 << 3;
    /// A percentage: a plain number, optionally followed by `%`.
    pub const PERCENT: u32 = 1 << 4;
    /// Has a `%` sign.
    pub const PERCENT_SIGN: u32 = 1 << 5;
    /// true/false/yes/no/y/n/t/f/on/off/1/0.
    pub const BOOL: u32 = 1 << 6;
    /// A boolean word (not 1/0).
    pub const BOOL_WORD: u32 = 1 << 7;
    /// A date or date-time that exists.
    pub const DATE: u32 = 1 << 8;
    /// A date-time (has a time part).
    pub const DATETIME: u32 = 1 << 9;
    /// Has the form of a date (valid or not).
    pub const DATE_FORM: u32 = 1 << 10;
    /// Contains `@`.
    pub const AT: u32 = 1 << 11;
    /// A valid email address.
    pub const EMAIL: u32 = 1 << 12;
    /// A valid phone number.
    pub const PHONE: u32 = 1 << 13;
    /// Written with phone punctuation or a leading `+`.
    pub const PHONE_STYLE: u32 = 1 << 14;
    /// A URL or bare domain.
    pub const URL: u32 = 1 << 15;
    /// A postcode in a known pattern.
    pub const POSTCODE: u32 = 1 << 16;
    /// A postcode with letters in a national pattern (UK, Canada, Netherlands).
    pub const POSTCODE_ALPHA: u32 = 1 << 17;
    /// A country name or code.
    pub const COUNTRY: u32 = 1 << 18;
    /// A state, province or region name or code.
    pub const STATE: u32 = 1 << 19;
    /// Looks like a person's name.
    pub const PERSON: u32 = 1 << 20;
    /// Looks like a code or key: no spaces, contains a digit.
    pub const IDENT: u32 = 1 << 21;
    /// Contains a letter.
    pub const LETTER: u32 = 1 << 22;
    /// A URL with a scheme or `www.`.
    pub const URL_STYLE: u32 = 1 << 23;
    /// An Excel serial date (`45292`, 1954 to 2118): a date only where the name says so.
    pub const SERIAL_DATE: u32 = 1 << 24;
    /// Number of bits in use.
    pub const COUNT: usize = 25;
}

/// Everything learnt from one value.
#[derive(Clone, Copy, Debug, Default)]
pub struct Analysis {
    pub bits: u32,
    pub number: Option<f64>,
    pub date: Option<DateValue>,
}

/// Analyses one non-blank value (not trimmed: validators see what the file holds).
pub fn analyze(value: &str) -> Analysis {
    let mut a = Analysis::default();
    let bytes = value.as_bytes();
    let (mut digits, mut letters, mut spaces, mut ats) = (0usize, 0usize, 0usize, 0usize);
    for &c in bytes {
        match c {
            b'0'..=b'9' => digits += 1,
            b'a'..=b'z' | b'A'..=b'Z' => letters += 1,
            b' ' | b'\t' => spaces += 1,
            b'@' => ats += 1,
            0x80.. => letters += 1,
            _ => {}
        }
    }
    if letters > 0 {
        a.bits |= bit::LETTER;
    }
    if ats > 0 {
        a.bits |= bit::AT;
        if is_email(value) {
            a.bits |= bit::EMAIL;
        }
        return a;
    }
    if digits > 0 {
        if let Some(n) = numbers::parse(value) {
            a.number = Some(n.value);
            a.bits |= number_bits(&n, value);
        }
        if digits >= 2 {
            match dates::parse(value) {
                DateParse::Date(d) => {
                    a.bits |= bit::DATE | bit::DATE_FORM;
                    if d.has_time {
                        a.bits |= bit::DATETIME;
                    }
                    a.date = Some(d);
                }
                DateParse::Impossible => a.bits |= bit::DATE_FORM,
                DateParse::NotDate => {
                    if a.number.is_some()
                        && let Some(d) = dates::serial_value(value)
                    {
                        a.bits |= bit::SERIAL_DATE;
                        a.date = Some(d);
                    }
                }
            }
        }
        if digits >= 7 && phone::is_valid(value) {
            a.bits |= bit::PHONE;
            if bytes
                .iter()
                .any(|c| matches!(c, b'+' | b'-' | b'(' | b'.' | b' '))
            {
                a.bits |= bit::PHONE_STYLE;
            }
        }
        if spaces == 0 && is_identifier(value) {
            a.bits |= bit::IDENT;
        }
        if let Some(alpha) = postcode(value) {
            a.bits |= bit::POSTCODE;
            if alpha {
                a.bits |= bit::POSTCODE_ALPHA;
            }
        }
    }
    if letters > 0 {
        if value.len() <= 5 && digits == 0 && is_bool_word(value) {
            a.bits |= bit::BOOL | bit::BOOL_WORD;
        }
        if spaces == 0
            && value.contains('.')
            && let Some(styled) = crate::values::url::url(value)
        {
            a.bits |= bit::URL;
            if styled {
                a.bits |= bit::URL_STYLE;
            }
        }
        if digits == 0 {
            if country::is_country(value) {
                a.bits |= bit::COUNTRY;
            }
            if country::is_region(value) {
                a.bits |= bit::STATE;
            }
            if is_person_name(value) {
                a.bits |= bit::PERSON;
            }
        }
    }
    a
}

fn number_bits(n: &Number, value: &str) -> u32 {
    let mut bits = bit::NUMBER;
    match n.form {
        // Plain means exactly as an import reads it: no surrounding spaces.
        NumberForm::Plain { integral } if numbers::is_plain(value) => {
            bits |= bit::PLAIN | bit::PERCENT;
            if integral {
                bits |= bit::INT;
                if value == "0" || value == "1" {
                    bits |= bit::BOOL;
                }
            }
        }
        NumberForm::Plain { .. } => {}
        NumberForm::Formatted { currency, percent } => {
            if currency {
                bits |= bit::MONEY;
            }
            if percent {
                bits |= bit::PERCENT_SIGN;
                // "12%" / "12.5 %" is a well-formed percentage.
                let body = value.trim_end().trim_end_matches('%').trim_end();
                if numbers::is_plain(body) && !value.starts_with(' ') {
                    bits |= bit::PERCENT;
                }
            }
        }
    }
    bits
}

fn is_bool_word(s: &str) -> bool {
    const WORDS: [&str; 10] = [
        "true", "false", "yes", "no", "y", "n", "t", "f", "on", "off",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// A code or key: 1-64 characters, no spaces, at least one digit, only letters, digits and
/// `- _ . / : #`.
fn is_identifier(s: &str) -> bool {
    s.len() <= 64
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b':' | b'#')
        })
}

/// `Some(has_letters)` for a postcode in a known pattern: US ZIP and ZIP+4, UK, Canada,
/// Netherlands, and the generic 3-10 characters of digits (and letters) used elsewhere.
fn postcode(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    if b.len() < 3 || b.len() > 10 {
        return None;
    }
    let shape: String = b
        .iter()
        .map(|c| match c {
            b'0'..=b'9' => '9',
            b'a'..=b'z' | b'A'..=b'Z' => 'A',
            b' ' => ' ',
            b'-' => '-',
            _ => '?',
        })
        .collect();
    if shape.contains('?') || shape.starts_with([' ', '-']) || shape.ends_with([' ', '-']) {
        return None;
    }
    const ALPHA: [&str; 13] = [
        // Canada (also written with a hyphen)
        "A9A 9A9", "A9A9A9", "A9A-9A9", // Netherlands
        "9999 AA", "9999AA", // United Kingdom
        "A9 9AA", "A99 9AA", "AA9 9AA", "AA99 9AA", "A9A 9AA", "AA9A 9AA", "A99AA", "AA99AA",
    ];
    if ALPHA.contains(&shape.as_str()) {
        return Some(true);
    }
    let digits = shape.matches('9').count();
    let letters = shape.matches('A').count();
    (letters == 0 && (3..=9).contains(&digits) && shape.matches(['-', ' ']).count() <= 1)
        .then_some(false)
}

/// A person's name: 1-4 words of letters (with ' - .), each capitalised except particles
/// such as `van` or `de`.
pub fn is_person_name(s: &str) -> bool {
    const PARTICLES: [&str; 10] = [
        "van", "von", "der", "de", "la", "le", "di", "da", "del", "du",
    ];
    if s.is_empty() || s.len() > 60 || s.split(' ').count() > 4 {
        return false;
    }
    s.split(' ').all(|w| {
        let Some(first) = w.chars().next() else {
            return false;
        };
        w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '.' | '\u{2019}'))
            && (first.is_uppercase() || PARTICLES.contains(&w))
    })
}

/// Column-level counts the type decision needs.
#[derive(Clone, Debug, Default)]
pub struct TypeEvidence {
    /// Non-blank values that are not placeholders.
    pub considered: u64,
    /// Of those, how many have each bit.
    pub bits: [u64; bit::COUNT],
    /// Distinct non-blank values (exact or estimated).
    pub distinct: u64,
    /// Longest value, in characters.
    pub max_len: u64,
    /// Mean length, in characters.
    pub mean_len: f64,
}

impl TypeEvidence {
    /// Share of considered values with `b` set (any bit of `b`, for bits no value has
    /// together, such as a date and a serial date).
    pub fn share(&self, b: u32) -> f64 {
        if self.considered == 0 {
            return 0.0;
        }
        self.count(b) as f64 / self.considered as f64
    }

    /// Values with any bit of `b` set, for bits no value has together.
    pub fn count(&self, b: u32) -> u64 {
        (0..bit::COUNT)
            .filter(|i| b & (1 << i) != 0)
            .map(|i| self.bits[i])
            .sum()
    }
}

/// The share of values a type needs to be chosen from the values alone.
const BY_VALUES: f64 = 0.8;
/// The share a type suggested by the column name needs.
const BY_NAME: f64 = 0.5;

/// Chooses a column's type from its name and the evidence; returns it with the share of
/// values that fit it.
pub fn decide(column: &str, ev: &TypeEvidence) -> (SemanticType, f64) {
    use SemanticType::*;
    if ev.considered == 0 {
        return (Empty, 0.0);
    }
    let share = |t: SemanticType| fit_share(t, ev);
    if let Some(hint) = vocab::type_hint(column) {
        let ok = match hint {
            // Numbers written with symbols still say what the column is for.
            Integer | Decimal | Currency | Percent => ev.share(bit::NUMBER) >= BY_NAME,
            // A hinted date column may mix in date-times, and vice versa; a spreadsheet saved
            // as CSV writes its dates as serial numbers.
            Date | Datetime => {
                ev.share(bit::DATE_FORM) >= BY_NAME
                    || ev.share(bit::DATE_FORM | bit::SERIAL_DATE) >= BY_VALUES
            }
            // Phone columns are phones even when many are malformed ("call me").
            Phone => ev.share(bit::PHONE) >= 0.3,
            Email => ev.share(bit::AT) >= BY_NAME || ev.share(bit::EMAIL) >= 0.3,
            PersonName | CompanyName | Text => {
                ev.share(bit::AT) < BY_VALUES && ev.share(bit::NUMBER) < BY_VALUES
            }
            Identifier => ev.share(bit::DATE) < BY_VALUES,
            other => share(other) >= BY_NAME,
        };
        if ok {
            // Serial dates with a fraction of a day keep their time.
            let serial_times = ev.share(bit::SERIAL_DATE) >= BY_VALUES
                && ev.share(bit::PLAIN) > ev.share(bit::INT);
            let kind = match hint {
                Date | Datetime if ev.share(bit::DATETIME) >= BY_NAME || serial_times => Datetime,
                Date | Datetime => Date,
                other => other,
            };
            return (kind, share(kind));
        }
    }
    let by_values = [
        (Email, ev.share(bit::AT)),
        (
            Url,
            gate(ev.share(bit::URL), ev.share(bit::URL_STYLE) >= 0.3),
        ),
        (Datetime, ev.share(bit::DATETIME)),
        (Date, ev.share(bit::DATE_FORM)),
        (
            Boolean,
            gate(ev.share(bit::BOOL), ev.share(bit::BOOL_WORD) > 0.0),
        ),
        (Percent, ev.share(bit::PERCENT_SIGN)),
        (
            Currency,
            gate(ev.share(bit::NUMBER), ev.share(bit::MONEY) >= 0.3),
        ),
        (
            Phone,
            gate(ev.share(bit::PHONE), ev.share(bit::PHONE_STYLE) >= 0.5),
        ),
        (Postcode, ev.share(bit::POSTCODE_ALPHA)),
        // Integers, also when some are written `1,200` or `500+` (but not when decimals show).
        (
            Integer,
            if ev.share(bit::PLAIN) > ev.share(bit::INT) {
                0.0
            } else {
                ev.share(bit::NUMBER)
            },
        ),
        (Decimal, ev.share(bit::NUMBER)),
        (Country, ev.share(bit::COUNTRY)),
        (State, ev.share(bit::STATE)),
    ];
    for (kind, s) in by_values {
        if s >= BY_VALUES {
            // A date column whose values are mostly date-times is a date-time column.
            let kind = if kind == Date && ev.share(bit::DATETIME) >= BY_NAME {
                Datetime
            } else {
                kind
            };
            return (kind, share(kind));
        }
    }
    let unique_ratio = ev.distinct as f64 / ev.considered as f64;
    if ev.share(bit::IDENT) >= 0.9 && unique_ratio >= 0.9 {
        return (Identifier, share(Identifier));
    }
    if is_category(ev) {
        return (Category, 1.0);
    }
    (Text, 1.0)
}

/// `share` when `condition` holds, else 0.
fn gate(share: f64, condition: bool) -> f64 {
    if condition { share } else { 0.0 }
}

/// Few distinct values that repeat, and short: a picklist.
fn is_category(ev: &TypeEvidence) -> bool {
    ev.max_len <= 60 && ev.distinct >= 1 && ev.distinct <= 100 && ev.considered >= 2 * ev.distinct
}

/// The share of considered values valid for `t`.
pub fn fit_share(t: SemanticType, ev: &TypeEvidence) -> f64 {
    match t {
        SemanticType::Identifier => ev.share(bit::IDENT),
        SemanticType::PersonName => ev.share(bit::PERSON),
        SemanticType::CompanyName => ev.share(bit::LETTER),
        SemanticType::Category | SemanticType::Text => 1.0,
        SemanticType::Empty => 0.0,
        other => other.valid_bit().map_or(1.0, |b| ev.share(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_the_contract() {
        for s in [
            "a@b.co",
            "john.smith@acme.com",
            "françoise.dupont@acme.fr",
            "x+y@mail.acme.io",
        ] {
            assert!(is_email(s), "{s}");
        }
        for s in [
            "john.smith@",
            "jane@@acme.com",
            "bob at acme.com",
            "mary@acme",
            "@acme.com",
            "tom@acme..com",
            "a@b.c",
            "a@b.c0m",
            " a@b.com",
            "a b@c.com",
            "a@.com",
            "a@b.com.",
        ] {
            assert!(!is_email(s), "{s}");
        }
    }

    #[test]
    fn phones_follow_the_contract() {
        for s in [
            "(415) 555-0134",
            "415.555.0134",
            "+1 415 555 0134",
            "4155550134",
            "555-0134 x123",
            "555-0134 ext 12",
            "555-0134 ext. 12",
            "+44 20 7946 0958",
            // German numbers group the area code with a slash; stage's transform reads them.
            "030/1234567",
        ] {
            assert!(phone::is_valid(s), "{s}");
        }
        for s in [
            "12",
            "call me",
            "555-CALL-NOW",
            "n/a",
            "123456",
            "1234567890123456",
        ] {
            assert!(!phone::is_valid(s), "{s}");
        }
    }

    #[test]
    fn postcodes() {
        assert_eq!(postcode("94105"), Some(false));
        assert_eq!(postcode("94105-1234"), Some(false));
        assert_eq!(postcode("SW1A 1AA"), Some(true));
        assert_eq!(postcode("K1A 0B1"), Some(true));
        assert_eq!(postcode("T2L-2K7"), Some(true));
        assert_eq!(postcode("75062-6454"), Some(false));
        assert_eq!(postcode("hello"), None);
        assert_eq!(postcode("12"), None);
    }

    fn bits_of(value: &str) -> u32 {
        analyze(value).bits
    }

    #[test]
    fn value_bits() {
        let has = |v: &str, b: u32| bits_of(v) & b != 0;
        assert!(has("1200", bit::INT | bit::PLAIN | bit::NUMBER));
        assert!(has("$1.2M", bit::NUMBER | bit::MONEY) && !has("$1.2M", bit::PLAIN));
        assert!(has("500+", bit::NUMBER) && !has("500+", bit::INT));
        assert!(has("12%", bit::PERCENT | bit::PERCENT_SIGN));
        assert!(has("2021-03-04", bit::DATE));
        assert!(has("2021-02-30", bit::DATE_FORM) && !has("2021-02-30", bit::DATE));
        assert!(has("bob@acme.com", bit::EMAIL));
        assert!(has("bob@acme", bit::AT) && !has("bob@acme", bit::EMAIL));
        assert!(has("(415) 555-0134", bit::PHONE | bit::PHONE_STYLE));
        assert!(has("A-000001", bit::IDENT));
        assert!(has("Yes", bit::BOOL | bit::BOOL_WORD));
        assert!(has("Germany", bit::COUNTRY));
        assert!(has("CA", bit::STATE | bit::COUNTRY));
        assert!(has("José Müller", bit::PERSON));
        assert!(has("www.acme.com", bit::URL | bit::URL_STYLE));
    }

    fn evidence(column: &str, values: &[&str]) -> (SemanticType, f64) {
        let mut ev = TypeEvidence::default();
        let mut seen = std::collections::HashSet::new();
        let mut total_len = 0;
        for v in values {
            ev.considered += 1;
            seen.insert(*v);
            let len = v.chars().count() as u64;
            ev.max_len = ev.max_len.max(len);
            total_len += len;
            let a = analyze(v);
            for i in 0..bit::COUNT {
                if a.bits & (1 << i) != 0 {
                    ev.bits[i] += 1;
                }
            }
        }
        ev.distinct = seen.len() as u64;
        ev.mean_len = total_len as f64 / values.len() as f64;
        decide(column, &ev)
    }

    /// A spreadsheet saved as CSV writes date cells as serial numbers: a date column where its
    /// name says dates (date-times with fractions of a day), numbers anywhere else.
    #[test]
    fn serial_dates_are_dates_only_where_the_name_says_so() {
        use SemanticType::*;
        let serials = ["45292", "45303", "45314", "45325"];
        assert_eq!(evidence("close_date", &serials).0, Date);
        assert_eq!(evidence("close_date", &serials).1, 1.0);
        assert_eq!(
            evidence("created_date", &["45292.5", "45303.25", "45314.75"]).0,
            Datetime
        );
        assert_eq!(evidence("x", &serials).0, Integer);
        assert_eq!(evidence("amount", &serials).0, Currency);
        // Mixed with written dates, both count as dates; an amount in a date column does not.
        assert_eq!(
            evidence("close_date", &["2024-01-01", "45292", "2024-02-01"]).1,
            1.0
        );
        assert!(evidence("close_date", &["2024-01-01", "1200", "2024-02-01"]).1 < 1.0);
        // Mostly serial numbers with a written date among them (one that cannot exist).
        assert_eq!(
            evidence("close_date", &["45292", "45300", "2024-02-30"]).0,
            Date
        );
    }

    #[test]
    fn column_types() {
        use SemanticType::*;
        let cases: [(&str, &[&str], SemanticType); 16] = [
            ("employees", &["10", "1,200", "500+", "40", "7"], Integer),
            (
                "annual_revenue",
                &["1000000", "$1.2M", "250k", "1,200,000", "90000"],
                Currency,
            ),
            ("x", &["1.5", "2", "3.25", "4", "5.0"], Decimal),
            ("x", &["1", "2", "3", "4", "5"], Integer),
            ("email", &["a@b.com", "bob at acme.com", "c@d.org"], Email),
            (
                "phone",
                &["(415) 555-0134", "12", "call me", "415.555.0134"],
                Phone,
            ),
            (
                "x",
                &["2021-03-04", "03/04/2021", "4 Mar 2021", "2021-02-30"],
                Date,
            ),
            (
                "x",
                &["2021-03-04T10:00:00", "2021-03-05T11:00:00"],
                Datetime,
            ),
            (
                "website",
                &["www.acme.com", "https://b.io/", "acme.org"],
                Url,
            ),
            ("x", &["yes", "no", "yes", "no"], Boolean),
            ("billing_state", &["CA", "NY", "Ontario", "TX"], State),
            (
                "billing_country",
                &["USA", "Germany", "UK", "Atlantis"],
                Country,
            ),
            (
                "account_id",
                &["A-000001", "A-000002", "A-000003"],
                Identifier,
            ),
            (
                "industry",
                &["Tech", "Retail", "Tech", "Retail", "Tech", "Tech"],
                Category,
            ),
            (
                "description",
                &["Long text here", "Other words", "More"],
                Text,
            ),
            ("last_name", &["Smith", "Müller", "O'Brien"], PersonName),
        ];
        for (column, values, want) in cases {
            assert_eq!(evidence(column, values).0, want, "{column}: {values:?}");
        }
        assert_eq!(evidence("x", &[]).0, Empty);
        let (t, share) = evidence(
            "email",
            &["a@b.com", "bob at acme.com", "c@d.org", "e@f.net"],
        );
        assert_eq!(t, Email);
        assert!((share - 0.75).abs() < 1e-9);
    }
}
