//! Comparison levels: how two cleaned values of one role agree (exact, a fuzzy band, an
//! initial, a swap, a typo...), the categories a Fellegi-Sunter model weighs.

use rayon::prelude::*;

use super::distance;
use super::rules::{Compare, Role};

/// A set of words (a company-name role's common ones), hashed fast: it is looked up for
/// every pair whose names share a word.
pub type Words = std::collections::HashSet<String, foldhash::fast::FixedState>;

/// Level 0 of every role: a value is missing on either side (weight 0).
pub const MISSING: u8 = 0;

/// The names of a comparison's levels after `missing`, strongest first; the last is `different`.
pub fn names(compare: Compare) -> &'static [&'static str] {
    match compare {
        Compare::Exact => &["exact", "different"],
        Compare::Code => &["exact", "one_edit", "different"],
        Compare::Fuzzy => &[
            "exact",
            "reordered",
            "close",
            "similar",
            "contained",
            "different",
        ],
        Compare::CompanyName => &[
            "exact",
            "reordered",
            "close",
            "similar",
            "contained",
            "abbreviated",
            "shared_word",
            "different",
        ],
        Compare::Street => &[
            "exact",
            "reordered",
            "close",
            "similar",
            "contained",
            "other_number",
            "different",
        ],
        Compare::PersonName => &[
            "exact",
            "swapped",
            "close",
            "similar",
            "initial",
            "different",
        ],
        Compare::Date => &[
            "exact",
            "day_month_swapped",
            "one_digit",
            "same_year",
            "different",
        ],
        Compare::Domain => &["exact", "other_suffix", "different"],
        Compare::Email => &[
            "exact",
            "one_edit",
            "same_user",
            "other_company",
            "different",
        ],
    }
}

/// The number of the level called `level` (`close`), if the comparison has one.
pub fn index(compare: Compare, level: &str) -> Option<usize> {
    names(compare)
        .iter()
        .position(|n| *n == level)
        .map(|i| i + 1)
}

/// Number of levels including `missing`.
pub fn count(compare: Compare) -> usize {
    names(compare).len() + 1
}

/// The name of level `level` (0 = missing).
pub fn name(compare: Compare, level: u8) -> &'static str {
    if level == MISSING {
        "missing"
    } else {
        names(compare)[level as usize - 1]
    }
}

/// The playbook's prior weight (log-odds points) of a level, from the role's agree, partial
/// and disagree points.
pub fn prior_weight(role: &Role, level: u8) -> f64 {
    let strong = role.agree - 0.25 * (role.agree - role.partial).max(0.0);
    match name(role.compare, level) {
        "missing" => 0.0,
        "exact" => role.agree,
        "reordered" | "swapped" | "close" => strong,
        "similar" | "one_edit" | "day_month_swapped" | "one_digit" => role.partial,
        "contained" | "abbreviated" => role.partial * 0.5,
        // Above zero: a level EM starts out counting against a match is one whose pairs it
        // never takes for matches, so its m would only fall (the data says what it is worth).
        "shared_word" => role.partial * 0.25,
        "initial" => role.partial * 0.5,
        "same_year" => role.disagree * 0.5,
        "same_user" => role.partial * 0.5,
        "other_suffix" => role.agree * 0.5,
        "other_company" | "other_number" => role.disagree * 2.0,
        _ => role.disagree,
    }
}

// Level numbers of each comparison, in the order of `names` (a test keeps them in step):
// `level` runs for every compared pair, so it does not look names up.
pub const EXACT: u8 = 1;
const EXACT_DIFFERENT: u8 = 2;
const CODE_ONE_EDIT: u8 = 2;
const CODE_DIFFERENT: u8 = 3;
const FUZZY_REORDERED: u8 = 2;
const FUZZY_CLOSE: u8 = 3;
const FUZZY_SIMILAR: u8 = 4;
const FUZZY_CONTAINED: u8 = 5;
const FUZZY_DIFFERENT: u8 = 6;
const NAME_ABBREVIATED: u8 = 6;
const NAME_SHARED_WORD: u8 = 7;
const NAME_DIFFERENT: u8 = 8;
const STREET_OTHER_NUMBER: u8 = 6;
const STREET_DIFFERENT: u8 = 7;
const PERSON_SWAPPED: u8 = 2;
const PERSON_CLOSE: u8 = 3;
const PERSON_SIMILAR: u8 = 4;
const PERSON_INITIAL: u8 = 5;
const PERSON_DIFFERENT: u8 = 6;
const DATE_SWAPPED: u8 = 2;
const DATE_ONE_DIGIT: u8 = 3;
const DATE_SAME_YEAR: u8 = 4;
const DATE_DIFFERENT: u8 = 5;
const DOMAIN_OTHER_SUFFIX: u8 = 2;
const DOMAIN_DIFFERENT: u8 = 3;
const EMAIL_ONE_EDIT: u8 = 2;
const EMAIL_SAME_USER: u8 = 3;
const EMAIL_OTHER_COMPANY: u8 = 4;
const EMAIL_DIFFERENT: u8 = 5;

/// The edit-distance bands of a fuzzy role for two values of these character lengths:
/// (largest distance still `high`, largest still `mid`), from the same similarity
/// `1 - distance / longer length` the bands are defined on.
fn bands(role: &Role, la: usize, lb: usize) -> (Option<usize>, Option<usize>) {
    let len = la.max(lb);
    (
        distance::max_distance(len, role.high),
        distance::max_distance(len, role.mid),
    )
}

/// The edit distance of `a` and `b` when it is within either band, else None.
fn banded_distance(
    a: &str,
    b: &str,
    la: usize,
    lb: usize,
    (high, mid): (Option<usize>, Option<usize>),
) -> Option<usize> {
    let k = high.max(mid)?;
    distance::levenshtein_within(a, b, la, lb, k)
}

/// A cleaned value as the levels read it: plain text, or text prepared once for many
/// comparisons (interned, its words sorted); both answer every question alike.
pub trait Side<'a>: Copy {
    fn text(self) -> &'a str;
    /// The same text.
    fn same(self, other: Self) -> bool;
    /// Length in characters.
    fn chars(self) -> usize;
    /// [`distance::same_words`].
    fn same_words(self, other: Self) -> bool;
    /// Whether [`distance::token_overlap`] is at least `bound`.
    fn overlap_at_least(self, other: Self, bound: f64) -> bool;
    /// [`distance::within_one_edit`].
    fn within_one_edit(self, other: Self) -> bool;
    /// Every distinct word of this value is a word of `other`.
    fn words_within(self, other: Self) -> bool;
    /// Some word of this value is a word of `other`.
    fn shares_a_word(self, other: Self) -> bool {
        let b = other.text();
        self.text().split(' ').any(|w| b.split(' ').any(|x| x == w))
    }
    /// The same number of words, word for word equal or (four letters and more) one typo
    /// apart: `mayfari foods` / `mayfair foods`, `beacno pipelines` / `beacon pipelines`.
    fn words_one_typo_apart(self, other: Self) -> bool {
        words_one_typo_apart(self.text(), other.text())
    }
    /// [`other_number`] of the two texts.
    fn other_number(self, other: Self) -> bool {
        other_number(self.text(), other.text())
    }
    /// [`shared_word`] of the two texts.
    fn shared_word(self, other: Self, common: &Words) -> bool {
        shared_word(self.text(), other.text(), common)
    }
}

impl<'a> Side<'a> for &'a str {
    fn text(self) -> &'a str {
        self
    }

    fn same(self, other: Self) -> bool {
        self == other
    }

    fn chars(self) -> usize {
        distance::char_len(self)
    }

    fn same_words(self, other: Self) -> bool {
        distance::same_words(self, other)
    }

    fn overlap_at_least(self, other: Self, bound: f64) -> bool {
        distance::token_overlap(self, other) >= bound
    }

    fn within_one_edit(self, other: Self) -> bool {
        distance::within_one_edit(self, other)
    }

    fn words_within(self, other: Self) -> bool {
        self.split(' ').all(|w| other.split(' ').any(|o| o == w))
    }
}

/// The level at which `a` and `b` (cleaned, non-empty) agree. `cross` holds each side's value
/// of the role this one may be swapped with (first and last name), for the `swapped` level.
pub fn level<'a, S: Side<'a>>(role: &Role, a: S, b: S, cross: (Option<S>, Option<S>)) -> u8 {
    if a.same(b) {
        return EXACT;
    }
    let within =
        |d: Option<usize>, band: Option<usize>| matches!((d, band), (Some(d), Some(k)) if d <= k);
    match role.compare {
        Compare::Exact => EXACT_DIFFERENT,
        Compare::Code => {
            if a.text().len() >= 3 && a.within_one_edit(b) {
                CODE_ONE_EDIT
            } else {
                CODE_DIFFERENT
            }
        }
        Compare::Street => {
            if a.other_number(b) {
                return STREET_OTHER_NUMBER;
            }
            match fuzzy(role, a, b) {
                FUZZY_DIFFERENT => STREET_DIFFERENT,
                l => l,
            }
        }
        Compare::Fuzzy => fuzzy(role, a, b),
        Compare::CompanyName => match fuzzy(role, a, b) {
            // Both need a word in common: most pairs (random ones) have none, told cheaply.
            FUZZY_DIFFERENT if !a.shares_a_word(b) => NAME_DIFFERENT,
            FUZZY_DIFFERENT if abbreviated(a.text(), b.text()) => NAME_ABBREVIATED,
            FUZZY_DIFFERENT if a.shared_word(b, &role.common_words) => NAME_SHARED_WORD,
            FUZZY_DIFFERENT => NAME_DIFFERENT,
            l => l,
        },
        Compare::PersonName => {
            if cross.1.is_some_and(|c| c.same(a)) || cross.0.is_some_and(|c| c.same(b)) {
                return PERSON_SWAPPED;
            }
            // The similarity is the better of Jaro-Winkler and normalised edit distance.
            let jw = distance::jaro_winkler(a.text(), b.text());
            if jw >= role.high {
                return PERSON_CLOSE;
            }
            let (la, lb) = (a.chars(), b.chars());
            let band = bands(role, la, lb);
            let d = banded_distance(a.text(), b.text(), la, lb, band);
            if within(d, band.0) || a.same_words(b) {
                PERSON_CLOSE
            } else if jw >= role.mid || within(d, band.1) {
                PERSON_SIMILAR
            } else if initial_of(a.text(), b.text()) || initial_of(b.text(), a.text()) {
                PERSON_INITIAL
            } else {
                PERSON_DIFFERENT
            }
        }
        Compare::Domain => {
            // The part before the first dot (a byte scan: these are a dozen bytes).
            let name = |d: &'a str| &d[..d.bytes().position(|c| c == b'.').unwrap_or(d.len())];
            let (x, y) = (name(a.text()), name(b.text()));
            if x.len() >= 4 && x == y {
                DOMAIN_OTHER_SUFFIX
            } else {
                DOMAIN_DIFFERENT
            }
        }
        Compare::Email => {
            let (a, b) = (a.text(), b.text());
            let split = |e: &'a str| e.rsplit_once('@').unwrap_or((e, ""));
            let ((ua, da), (ub, db)) = (split(a), split(b));
            let free = |d: &str| d.is_empty() || role.free_mail.iter().any(|f| f == d);
            // `john@acme.com` / `john@globex.com` are two Johns at two companies; the same
            // user at a free-mail domain (`amanda.king@web.de` / `@gmail.com`) may be one.
            if a.len() >= 3 && distance::within_one_edit(a, b) {
                EMAIL_ONE_EDIT
            } else if da != db && !free(da) && !free(db) {
                EMAIL_OTHER_COMPANY
            } else if ua == ub && !da.is_empty() && !db.is_empty() {
                EMAIL_SAME_USER
            } else {
                EMAIL_DIFFERENT
            }
        }
        Compare::Date => {
            let (a, b) = (a.text(), b.text());
            if a.len() == 8
                && b.len() == 8
                && a[..4] == b[..4]
                && a[4..6] == b[6..8]
                && a[6..8] == b[4..6]
            {
                DATE_SWAPPED
            } else if distance::within_one_edit(a, b) {
                DATE_ONE_DIGIT
            } else if a.len() >= 4 && b.len() >= 4 && a[..4] == b[..4] {
                DATE_SAME_YEAR
            } else {
                DATE_DIFFERENT
            }
        }
    }
}

/// The fuzzy levels of `a` and `b` (cleaned, different): reordered words, the edit-distance
/// bands, word overlap, one word containing the other, or different.
fn fuzzy<'a, S: Side<'a>>(role: &Role, a: S, b: S) -> u8 {
    let within =
        |d: Option<usize>, band: Option<usize>| matches!((d, band), (Some(d), Some(k)) if d <= k);
    if a.same_words(b) {
        return FUZZY_REORDERED;
    }
    // Edit distance, not Jaro-Winkler: organisations often share a first word
    // (`sunflower foods` / `sunflower systems`), which Jaro-Winkler rewards.
    let (la, lb) = (a.chars(), b.chars());
    let band = bands(role, la, lb);
    let d = banded_distance(a.text(), b.text(), la, lb, band);
    if within(d, band.0) {
        FUZZY_CLOSE
    } else if within(d, band.1) || a.overlap_at_least(b, role.mid) || a.words_one_typo_apart(b) {
        FUZZY_SIMILAR
    } else if contained(a, b) || contained(b, a) {
        FUZZY_CONTAINED
    } else {
        FUZZY_DIFFERENT
    }
}

/// [`Side::words_one_typo_apart`] of two texts.
pub fn words_one_typo_apart(a: &str, b: &str) -> bool {
    a.split(' ').count() == b.split(' ').count()
        && a.split(' ')
            .zip(b.split(' '))
            .all(|(x, y)| x == y || (x.len().min(y.len()) >= 4 && distance::within_one_edit(x, y)))
}

/// Both addresses carry house numbers (words that start with a digit: `1124`, `12a`) and no
/// number of one is a number of the other: `1124 w ainslie st` / `5120 n broadway ave`, or
/// `1124 w ainslie` / `1134 w ainslie`, two sites however alike their street words read.
/// A typo in a number lands here too; how often that happens among matches is learned.
pub fn other_number(a: &str, b: &str) -> bool {
    let mut numbered = false;
    for x in house_numbers(a) {
        numbered = true;
        if house_numbers(b).any(|y| y == x) {
            return false;
        }
    }
    numbered && house_numbers(b).next().is_some()
}

/// The words of a cleaned address that start with a digit.
fn house_numbers(s: &str) -> impl Iterator<Item = &str> {
    s.split(' ').filter(|w| house_number(w))
}

/// A word that starts with a digit (`1124`, `12a`): a house number in an address.
pub fn house_number(w: &str) -> bool {
    w.bytes().next().is_some_and(|c| c.is_ascii_digit())
}

/// A word whose sharing [`shared_word`] counts: three letters or more, not a `common` one.
pub fn significant(w: &str, common: &Words) -> bool {
    letters(w.as_bytes()) >= 3 && !common.contains(w)
}

/// Every word of `short` (at least three letters in all) is a word of `long`, which has more:
/// a name with a word added (`coyote cafe` / `coyote cafe las vegas`, `katsu` / `restaurant
/// katsu`), a street with its direction (`1972 hillhurst ave` / `1972 n hillhurst ave`). Its
/// weight is learned like every level's, so where such pairs are mostly different entities
/// (`cafe` / `cafe roma`) the data says so.
fn contained<'a, S: Side<'a>>(short: S, long: S) -> bool {
    short.chars() >= 3 && short.chars() < long.chars() && short.words_within(long)
}

/// One name is the other with words abbreviated: every word of the one with fewer words
/// (fewer letters if as many) matches, in order, a word of the other, equal or abbreviated (its first letter and then
/// its letters in order: `b` / `boys`, `comm` / `community`, `ctr` / `center`), words of the
/// longer left over (`clubs`, a middle initial `l`). At least one word is abbreviated and one
/// word of three letters or more equal, so `a b` / `acme bank` or a lone letter is not enough.
pub fn abbreviated(a: &str, b: &str) -> bool {
    // Bytes, not chars: words split at an ASCII space stay whole characters, and a byte
    // subsequence test is the char one for ASCII (names mostly are), far cheaper per pair.
    let spaces = |s: &str| s.bytes().filter(|&c| c == b' ').count();
    let (sa, sb) = (spaces(a), spaces(b));
    let (short, long, gaps) = if (sa, a.len()) <= (sb, b.len()) {
        (a, b, sa)
    } else {
        (b, a, sb)
    };
    if gaps == 0 {
        return false;
    }
    let abbreviates = |s: &[u8], w: &[u8]| {
        s.len() < w.len() && s[0] == w[0] && {
            let mut rest = w.iter();
            s.iter().all(|c| rest.any(|x| x == c))
        }
    };
    let (mut shortened, mut equal) = (false, false);
    let mut rest = words(long);
    for s in words(short) {
        if s.is_empty() {
            return false;
        }
        let Some(w) = rest.find(|w| *w == s || abbreviates(s, w)) else {
            return false;
        };
        if w == s {
            equal |= letters(s) >= 3;
        } else {
            shortened = true;
        }
    }
    shortened && equal
}

/// The words of a cleaned value (split at single spaces), as bytes.
fn words(s: &str) -> impl Iterator<Item = &[u8]> {
    s.as_bytes().split(|&c| c == b' ')
}

/// Characters in a word of UTF-8 bytes (the bytes that start one).
fn letters(w: &[u8]) -> usize {
    w.iter().filter(|&&c| (c as i8) >= -0x40).count()
}

/// The names have a word of three letters or more in common that is not one of the dataset's
/// `common` words: the parts of one organisation's sites' names (`gingerbread house daycare`
/// / `chicago state university gingerbread house`). What it is worth is learned: a hotel's
/// restaurants, or an agency's sites, share no such word, or share the agency's name and not
/// the street.
pub fn shared_word(a: &str, b: &str, common: &Words) -> bool {
    words(a).any(|w| {
        letters(w) >= 3
            && words(b).any(|x| x == w)
            && !common.contains(std::str::from_utf8(w).unwrap_or_default())
    })
}

/// The words of a company-name role that too many of a dataset's values carry for sharing
/// one to single out an organisation: more than one value in two hundred (at least two), so
/// `center`, `chicago` or `cafe` are common and `yancey` is not.
pub fn common_words<'v>(values: impl ParallelIterator<Item = &'v str>) -> Words {
    type Counts<'v> = std::collections::HashMap<&'v str, usize, foldhash::fast::FixedState>;
    // Counted in parallel: a word's count is a sum, the same in any order.
    let (df, n) = values
        .fold(
            || (Counts::default(), 0usize),
            |(mut df, n), v| {
                let mut seen: Vec<&str> = v.split(' ').collect();
                seen.sort_unstable();
                seen.dedup();
                for w in seen {
                    *df.entry(w).or_default() += 1;
                }
                (df, n + 1)
            },
        )
        .reduce(
            || (Counts::default(), 0),
            |(a, na), (b, nb)| {
                let (mut into, from) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (w, c) in from {
                    *into.entry(w).or_default() += c;
                }
                (into, na + nb)
            },
        );
    let most = (n / 200).max(2);
    df.into_iter()
        .filter(|&(_, c)| c > most)
        .map(|(w, _)| w.to_string())
        .collect()
}

/// Whether a level says the values disagree (so it can never argue for a match).
pub fn disagrees(compare: Compare, level: u8) -> bool {
    matches!(
        name(compare, level),
        "different" | "other_company" | "other_number"
    )
}

/// `short` is an initial (one letter, or a few letters ending a word) of `long`'s first word.
fn initial_of(short: &str, long: &str) -> bool {
    short.len() == 1 && long.len() > 1 && long.starts_with(short)
}

/// Share of distinct words the two values have in common (Jaccard).
pub fn token_overlap(a: &str, b: &str) -> f64 {
    distance::token_overlap(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::rules::Rules;

    fn lv(role: &str, a: &str, b: &str) -> &'static str {
        let rules = Rules::builtin();
        let r = &rules.roles[role];
        name(r.compare, level(r, a, b, (None, None)))
    }

    #[test]
    fn levels_of_each_comparison() {
        assert_eq!(
            lv("name", "northwind traders", "northwind traders"),
            "exact"
        );
        assert_eq!(
            lv("name", "traders northwind", "northwind traders"),
            "reordered"
        );
        assert_eq!(
            lv("name", "northwind traders", "northwind tradres"),
            "similar"
        );
        assert_eq!(
            lv("name", "northwind traders", "southridge video"),
            "different"
        );
        assert_eq!(
            lv("name", "coyote cafe", "coyote cafe las vegas"),
            "contained"
        );
        assert_eq!(lv("name", "katsu", "restaurant katsu"), "contained");
        assert_eq!(
            lv("street", "1972 hillhurst ave", "1972 hillhurst ave ste 200"),
            "contained"
        );
        // Two house numbers with none in common are two sites, however alike the street.
        for (a, b, want) in [
            ("1124 w ainslie st", "1134 w ainslie", "other_number"),
            ("1124 w ainslie st", "5120 n broadway ave", "other_number"),
            ("12 main st", "12a main st", "other_number"),
            ("1100 s may st", "1100 s may st ste 4", "contained"),
            ("1100 s may st ste 4", "1100 s may st ste 5", "similar"),
            ("main st", "1100 main st", "contained"),
            ("hauptstr", "bahnhofstr", "different"),
        ] {
            assert_eq!(lv("street", a, b), want, "`{a}` / `{b}`");
        }
        assert_eq!(
            lv("name", "1124 w ainslie st", "1134 w ainslie st"),
            "similar"
        );
        assert_eq!(lv("name", "cafe", "cafe roma"), "contained");
        assert_eq!(lv("name", "ab", "ab cd"), "different");
        assert_eq!(lv("name", "mayfari foods", "mayfair foods"), "similar");
        assert_eq!(
            lv("email", "marie@andersson.de", "maries@paragon.de"),
            "other_company"
        );
        assert_eq!(
            lv("email", "nwhite@girard.co.uk", "niamh.white@outlook.com"),
            "different"
        );
        assert_eq!(
            lv("email", "amanda.king@web.de", "amanda.king@gmail.com"),
            "same_user"
        );
        assert_eq!(
            lv("email", "john@lorenz.com", "john@boulder.com"),
            "other_company"
        );
        assert_eq!(
            lv("email", "richard.rivera@", "richard.rivera@acme.com"),
            "different"
        );
        assert_eq!(
            lv("domain", "vanguardsecurity.de", "vanguardsecurity.net"),
            "other_suffix"
        );
        assert_eq!(
            lv("domain", "vanguardsecurity-de.de", "vanguardsecurity.net"),
            "different"
        );
        assert_eq!(lv("name", "phoenix rial", "phoenix rail"), "similar");
        assert_eq!(
            lv("email", "jsmith@acme.com", "jsmyth@acme.com"),
            "one_edit"
        );
        assert_eq!(lv("first_name", "j", "john"), "initial");
        assert_eq!(lv("first_name", "jonathan", "jonathon"), "close");
        assert_eq!(lv("first_name", "jon", "john"), "similar");
        assert_eq!(
            lv("birth_date", "19560409", "19560904"),
            "day_month_swapped"
        );
        assert_eq!(lv("birth_date", "19560409", "19560419"), "one_digit");
        assert_eq!(lv("birth_date", "19560409", "19561230"), "same_year");
        assert_eq!(lv("birth_date", "19560409", "19870101"), "different");
        assert_eq!(lv("phone", "4155550134", "4155550143"), "one_edit");
        assert_eq!(lv("domain", "a.com", "b.com"), "different");
    }

    #[test]
    fn level_numbers_follow_the_names() {
        let at = |c: Compare, l: u8| name(c, l);
        assert_eq!(at(Compare::Exact, EXACT), "exact");
        assert_eq!(at(Compare::Exact, EXACT_DIFFERENT), "different");
        assert_eq!(at(Compare::Code, EXACT), "exact");
        assert_eq!(at(Compare::Code, CODE_ONE_EDIT), "one_edit");
        assert_eq!(at(Compare::Code, CODE_DIFFERENT), "different");
        assert_eq!(at(Compare::Fuzzy, FUZZY_REORDERED), "reordered");
        assert_eq!(at(Compare::Fuzzy, FUZZY_CLOSE), "close");
        assert_eq!(at(Compare::Fuzzy, FUZZY_SIMILAR), "similar");
        assert_eq!(at(Compare::Fuzzy, FUZZY_CONTAINED), "contained");
        assert_eq!(at(Compare::Fuzzy, FUZZY_DIFFERENT), "different");
        assert_eq!(at(Compare::CompanyName, FUZZY_CONTAINED), "contained");
        assert_eq!(at(Compare::CompanyName, NAME_ABBREVIATED), "abbreviated");
        assert_eq!(at(Compare::CompanyName, NAME_SHARED_WORD), "shared_word");
        assert_eq!(at(Compare::CompanyName, NAME_DIFFERENT), "different");
        assert_eq!(at(Compare::Street, FUZZY_CONTAINED), "contained");
        assert_eq!(at(Compare::Street, STREET_OTHER_NUMBER), "other_number");
        assert_eq!(at(Compare::Street, STREET_DIFFERENT), "different");
        assert_eq!(at(Compare::PersonName, PERSON_SWAPPED), "swapped");
        assert_eq!(at(Compare::PersonName, PERSON_CLOSE), "close");
        assert_eq!(at(Compare::PersonName, PERSON_SIMILAR), "similar");
        assert_eq!(at(Compare::PersonName, PERSON_INITIAL), "initial");
        assert_eq!(at(Compare::PersonName, PERSON_DIFFERENT), "different");
        assert_eq!(at(Compare::Date, DATE_SWAPPED), "day_month_swapped");
        assert_eq!(at(Compare::Date, DATE_ONE_DIGIT), "one_digit");
        assert_eq!(at(Compare::Date, DATE_SAME_YEAR), "same_year");
        assert_eq!(at(Compare::Date, DATE_DIFFERENT), "different");
        assert_eq!(at(Compare::Domain, DOMAIN_OTHER_SUFFIX), "other_suffix");
        assert_eq!(at(Compare::Domain, DOMAIN_DIFFERENT), "different");
        assert_eq!(at(Compare::Email, EMAIL_ONE_EDIT), "one_edit");
        assert_eq!(at(Compare::Email, EMAIL_SAME_USER), "same_user");
        assert_eq!(at(Compare::Email, EMAIL_OTHER_COMPANY), "other_company");
        assert_eq!(at(Compare::Email, EMAIL_DIFFERENT), "different");
        for c in [
            Compare::Exact,
            Compare::Code,
            Compare::Fuzzy,
            Compare::CompanyName,
            Compare::Street,
            Compare::PersonName,
            Compare::Date,
            Compare::Email,
            Compare::Domain,
        ] {
            assert_eq!(name(c, count(c) as u8 - 1), "different");
        }
    }

    /// The fast level agrees with the levels' definitions by strsim on random values.
    #[test]
    fn levels_agree_with_their_strsim_definitions() {
        use rand::{Rng, SeedableRng};
        let rules = Rules::builtin();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
        let words = [
            "north", "wind", "nrth", "traders", "tradres", "inc", "café", "ab", "a", "", "12",
            "1134",
        ];
        let value = |rng: &mut rand_chacha::ChaCha8Rng| -> String {
            let n = rng.gen_range(1..4);
            (0..n)
                .map(|_| words[rng.gen_range(0..words.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let date = |rng: &mut rand_chacha::ChaCha8Rng| -> String {
            let n = rng.gen_range(6..=8);
            (0..n)
                .map(|_| ['1', '9', '0', '4'][rng.gen_range(0..4)])
                .collect()
        };
        for _ in 0..20_000 {
            let (x, y) = (value(&mut rng), value(&mut rng));
            let (dx, dy) = (date(&mut rng), date(&mut rng));
            for role in ["name", "street", "first_name", "phone", "birth_date"] {
                let r = &rules.roles[role];
                let (a, b) = if role == "birth_date" {
                    (&dx, &dy)
                } else {
                    (&x, &y)
                };
                assert_eq!(
                    name(r.compare, level(r, a.as_str(), b.as_str(), (None, None))),
                    reference_level(r, a, b),
                    "{role}: `{a}` / `{b}`"
                );
            }
        }
    }

    /// The levels as first written with strsim: what `level` must keep returning.
    fn reference_level(role: &Role, a: &str, b: &str) -> &'static str {
        if a == b {
            return "exact";
        }
        let same_words = |a: &str, b: &str| {
            let mut ta: Vec<&str> = a.split(' ').collect();
            let mut tb: Vec<&str> = b.split(' ').collect();
            ta.sort_unstable();
            tb.sort_unstable();
            (ta.len() >= 2 || tb.len() >= 2) && ta == tb || a.replace(' ', "") == b.replace(' ', "")
        };
        let overlap = |a: &str, b: &str| {
            let ta: std::collections::BTreeSet<&str> = a.split(' ').collect();
            let tb: std::collections::BTreeSet<&str> = b.split(' ').collect();
            ta.intersection(&tb).count() as f64 / ta.union(&tb).count() as f64
        };
        let contains = |short: &str, long: &str| {
            let words: std::collections::BTreeSet<&str> = long.split(' ').collect();
            short.chars().count() >= 3
                && short.chars().count() < long.chars().count()
                && short.split(' ').all(|w| words.contains(w))
        };
        match role.compare {
            Compare::Email | Compare::Domain => {
                unreachable!("no email or domain role is compared against strsim here")
            }
            Compare::Exact => "different",
            Compare::Code => {
                if a.len() >= 3 && strsim::damerau_levenshtein(a, b) <= 1 {
                    "one_edit"
                } else {
                    "different"
                }
            }
            Compare::Date => {
                if a.len() == 8
                    && b.len() == 8
                    && a[..4] == b[..4]
                    && a[4..6] == b[6..8]
                    && a[6..8] == b[4..6]
                {
                    "day_month_swapped"
                } else if strsim::damerau_levenshtein(a, b) <= 1 {
                    "one_digit"
                } else if a.len() >= 4 && b.len() >= 4 && a[..4] == b[..4] {
                    "same_year"
                } else {
                    "different"
                }
            }
            Compare::Street | Compare::Fuzzy | Compare::CompanyName => {
                let number = |s: &str| -> Vec<String> {
                    s.split(' ')
                        .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
                        .map(str::to_string)
                        .collect()
                };
                let (na, nb) = (number(a), number(b));
                if role.compare == Compare::Street
                    && !na.is_empty()
                    && !nb.is_empty()
                    && na.iter().all(|n| !nb.contains(n))
                {
                    return "other_number";
                }
                let sim = strsim::normalized_levenshtein(a, b);
                if same_words(a, b) {
                    "reordered"
                } else if sim >= role.high {
                    "close"
                } else if sim >= role.mid
                    || overlap(a, b) >= role.mid
                    || (a.split(' ').count() == b.split(' ').count()
                        && a.split(' ').zip(b.split(' ')).all(|(x, y)| {
                            x == y
                                || (x.len().min(y.len()) >= 4
                                    && strsim::damerau_levenshtein(x, y) <= 1)
                        }))
                {
                    "similar"
                } else if contains(a, b) || contains(b, a) {
                    "contained"
                } else if role.compare == Compare::CompanyName && abbreviated(a, b) {
                    "abbreviated"
                } else if role.compare == Compare::CompanyName
                    && shared_word(a, b, &role.common_words)
                {
                    "shared_word"
                } else {
                    "different"
                }
            }
            Compare::PersonName => {
                let sim = strsim::jaro_winkler(a, b).max(strsim::normalized_levenshtein(a, b));
                if sim >= role.high || same_words(a, b) {
                    "close"
                } else if sim >= role.mid {
                    "similar"
                } else if initial_of(a, b) || initial_of(b, a) {
                    "initial"
                } else {
                    "different"
                }
            }
        }
    }

    /// Names of one organisation's site written by different sources: initials and shortened
    /// words, or a distinctive word in common; not a lone letter, and not a common word.
    #[test]
    fn abbreviated_and_shared_word_names() {
        for (a, b, want) in [
            (
                "b & g john yancey",
                "boys & girls clubs john l yancey",
                true,
            ),
            ("albany park comm ctr", "albany park community center", true),
            (
                "home of life community dev corp",
                "home of life community development corporation",
                true,
            ),
            ("a b", "acme bank", false),
            ("b g", "boys girls", false),
            ("acme", "acme corporation", false),
            ("bistro", "mikado", false),
            ("north side", "south side", false),
        ] {
            assert_eq!(abbreviated(a, b), want, "`{a}` / `{b}`");
            assert_eq!(abbreviated(b, a), want, "`{b}` / `{a}`");
        }
        let common: Words = ["center", "chicago"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        for (a, b, want) in [
            (
                "gingerbread house daycare",
                "chicago state university gingerbread house",
                true,
            ),
            ("kiddy kare i", "el valor kiddy kare learning center", true),
            ("chicago center", "center for learning chicago", false),
            ("palace court", "cafe roma", false),
            ("ab cd", "ab ef", false),
        ] {
            assert_eq!(shared_word(a, b, &common), want, "`{a}` / `{b}`");
        }
        let values = [
            "a center", "b center", "c center", "d center", "e", "f x", "g x",
        ];
        let common = common_words(values.par_iter().copied());
        assert!(
            common.contains("center") && !common.contains("x"),
            "{common:?}"
        );
        // As levels: after every fuzzy level, before `different`.
        let mut rules = Rules::builtin();
        let role = rules.roles.get_mut("name").unwrap();
        role.common_words = std::sync::Arc::new(common);
        let lv = |a: &str, b: &str| name(role.compare, level(role, a, b, (None, None)));
        assert_eq!(
            lv("b & g john yancey", "boys & girls clubs john l yancey"),
            "abbreviated"
        );
        assert_eq!(
            lv("yancey center", "boys & girls clubs of chicago yancey"),
            "shared_word"
        );
        assert_eq!(lv("a center", "b center"), "different");
        assert_eq!(lv("coyote cafe", "coyote cafe las vegas"), "contained");
    }

    #[test]
    fn swapped_first_and_last_names() {
        let rules = Rules::builtin();
        let r = &rules.roles["first_name"];
        // a: first=green last=mitchell; b: first=mitchell last=green.
        let l = level(r, "green", "mitchell", (Some("mitchell"), Some("green")));
        assert_eq!(name(r.compare, l), "swapped");
    }
}
