//! Records prepared once for comparison: every cleaned value interned per role (equal text,
//! equal id) with its length, sorted word ids and spaceless form worked out once, so each of
//! millions of compared pairs reads ids and small arrays instead of splitting words again.

use foldhash::fast::FixedState;
use hashbrown::HashMap;
use rayon::prelude::*;

use super::distance;
use super::levels::{self, Side};
use super::model::{BITS, Compared};
use super::rules::Compare;
use crate::error::{Error, Result};

/// The id of a missing value.
const NONE: u32 = u32::MAX;

/// Records whose distinct values size a table's maps (see [`Table::build`]).
const SAMPLE: usize = 2048;

/// Records whose slots, texts and words one task of [`Prepared::new`] fills.
const FILL_CHUNK: usize = 4096;

/// Tag bits of a word id, so that what the levels ask of a word is read off its id: ids
/// compare as before (equal word, equal id, one table), and a tagged word sorts after the
/// untagged ones. A house number (`levels::house_number`) carries NUMBER, so a value's
/// numbers close its sorted word list.
const NUMBER: u32 = 1 << 31;
/// A word whose sharing `levels::shared_word` counts (in a company-name role's table only).
const SIGNIFICANT: u32 = 1 << 30;

/// One distinct value and what comparing it needs.
struct Value<'a> {
    text: &'a str,
    /// Length in characters.
    chars: u32,
    /// Distinct words.
    distinct: u32,
    /// Its words (split at single spaces, as `split(' ')`) as ids, sorted: `words[start..end]`.
    start: u32,
    end: u32,
    /// Hash of the text without spaces; equal hashes are confirmed on the text.
    compact_hash: u32,
}

/// A record's value of one role as compared: its id, the features of its [`Value`], and
/// where its text and word ids sit in the record-ordered arenas. 32 bytes: a random pair's
/// cost is the cache lines its records' slots span, and half the size is half the lines (and
/// a million records' slots take 220 MB less). What a wider slot stored is derived: a value
/// holds a space when it has several words, is ASCII when it has as many characters as
/// bytes, and without spaces it is its bytes less one per word after the first.
#[derive(Clone, Copy)]
struct Slot {
    id: u32,
    chars: u32,
    distinct: u32,
    compact_hash: u32,
    text_at: u32,
    text_len: u32,
    words_at: u32,
    words_len: u32,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 32);

impl Slot {
    fn multi(&self) -> bool {
        self.words_len > 1
    }

    fn ascii(&self) -> bool {
        self.chars == self.text_len
    }

    fn compact_len(&self) -> u32 {
        self.text_len - self.words_len.saturating_sub(1)
    }
}

/// Cleaned records ready for comparison, record-major: `slots[record * roles + role]`.
/// A record's slots, texts and words lie together (copied out of the interned values in
/// record order), so comparing a pair reads a few neighbouring cache lines per record, not
/// a dozen scattered ones: a random pair is otherwise bound by memory, not by arithmetic.
pub struct Prepared<'a> {
    roles: &'a [Compared],
    /// Per role: its words carry SIGNIFICANT tags.
    tagged: Vec<bool>,
    slots: Vec<Slot>,
    text: String,
    words: Vec<u32>,
    distinct: usize,
}

/// A prepared value of one record, as the comparison levels read it.
#[derive(Clone, Copy)]
pub struct Prep<'p> {
    slot: &'p Slot,
    text: &'p str,
    words: &'p [u32],
    /// The words carry SIGNIFICANT tags.
    tagged: bool,
}

/// FNV-1a over the bytes that are not spaces, folded to 32 bits (a rare false match costs
/// one text comparison, never a wrong level).
fn compact_hash(s: &str) -> u32 {
    let h = s
        .bytes()
        .filter(|&c| c != b' ')
        .fold(0xcbf2_9ce4_8422_2325u64, |h, c| {
            (h ^ c as u64).wrapping_mul(0x0100_0000_01b3)
        });
    (h ^ (h >> 32)) as u32
}

/// The interned values of a few roles (a role and its swap partner share one table, so equal
/// text across them is one id); ids and word starts are local until the tables are joined.
struct Table<'a> {
    /// Per member role, per record: the local value id (NONE: missing).
    columns: Vec<Vec<u32>>,
    values: Vec<Value<'a>>,
    words: Vec<u32>,
    /// Its words carry SIGNIFICANT tags.
    tagged: bool,
}

impl<'a> Table<'a> {
    /// The table of roles `members`; `common` (a company-name role's common words) tags
    /// significant words. None when there are too many distinct words for the tag bits.
    fn build(
        clean: &'a [Vec<Option<String>>],
        members: &[usize],
        common: Option<&levels::Words>,
    ) -> Option<Table<'a>> {
        let n = clean.len();
        // Sized from the first records: for every record's value distinct when most of
        // theirs are (names and streets; growing a table rehashes everything inserted so
        // far), small when few are (a country, a city, a name's words), as a table sized
        // for all records has every page of its buckets written (and zeroed first).
        let (texts, words_seen) = {
            let mut texts: hashbrown::HashSet<&str, FixedState> = Default::default();
            let mut words: hashbrown::HashSet<&str, FixedState> = Default::default();
            for row in &clean[..n.min(SAMPLE)] {
                for text in members.iter().filter_map(|&i| row[i].as_deref()) {
                    texts.insert(text);
                    words.extend(text.split(' '));
                }
            }
            (texts.len(), words.len())
        };
        let capacity = |distinct: usize| {
            if 2 * distinct > n.min(SAMPLE) {
                n
            } else {
                4 * distinct
            }
        };
        let mut by_text: HashMap<&'a str, u32, FixedState> =
            HashMap::with_capacity_and_hasher(capacity(texts), FixedState::default());
        let mut word_ids: HashMap<&'a str, u32, FixedState> =
            HashMap::with_capacity_and_hasher(capacity(words_seen), FixedState::default());
        let mut values: Vec<Value<'a>> = Vec::new();
        let mut words: Vec<u32> = Vec::new();
        let mut columns = vec![Vec::with_capacity(n); members.len()];
        // Record by record: values come in record order, so records near each other have
        // their values near each other.
        for row in clean {
            for (column, &i) in columns.iter_mut().zip(members) {
                let Some(text) = row[i].as_deref() else {
                    column.push(NONE);
                    continue;
                };
                let next = values.len() as u32;
                let id = *by_text.entry(text).or_insert(next);
                if id == next {
                    let start = words.len();
                    for w in text.split(' ') {
                        let n = word_ids.len() as u32;
                        let id = *word_ids.entry(w).or_insert_with(|| {
                            let mut id = n;
                            if levels::house_number(w) {
                                id |= NUMBER;
                            }
                            if common.is_some_and(|c| levels::significant(w, c)) {
                                id |= SIGNIFICANT;
                            }
                            id
                        });
                        words.push(id);
                    }
                    words[start..].sort_unstable();
                    let distinct = 1 + words[start..].windows(2).filter(|p| p[0] != p[1]).count();
                    values.push(Value {
                        text,
                        chars: distance::char_len(text) as u32,
                        distinct: distinct as u32,
                        start: start as u32,
                        end: words.len() as u32,
                        compact_hash: compact_hash(text),
                    });
                }
                column.push(id);
            }
        }
        (word_ids.len() < SIGNIFICANT as usize).then_some(Table {
            columns,
            values,
            words,
            tagged: common.is_some(),
        })
    }
}

impl<'a> Prepared<'a> {
    /// Interns every value of `clean` (records of `roles.len()` cleaned values), the roles'
    /// tables built in parallel. Offsets are 32-bit: the records' compared text (all roles)
    /// must stay under 4 GiB, else an error says so.
    pub fn new(roles: &'a [Compared], clean: &'a [Vec<Option<String>>]) -> Result<Prepared<'a>> {
        let k = roles.len();
        let mut group: Vec<usize> = (0..k).collect();
        for (i, r) in roles.iter().enumerate() {
            if let Some(s) = r.swap {
                let (low, high) = (group[i].min(group[s]), group[i].max(group[s]));
                group
                    .iter_mut()
                    .filter(|g| **g == high)
                    .for_each(|g| *g = low);
            }
        }
        let mut leaders = group.clone();
        leaders.sort_unstable();
        leaders.dedup();
        let too_large = || {
            Error::Usage(format!(
                "dedupe compares at most 4 GiB of text at once ({} records here); split the dataset or compare fewer roles",
                clean.len()
            ))
        };
        // Company-name roles with one set of common words get their significant words tagged.
        let common = |members: &[usize]| {
            let first = &roles[members[0]].role;
            members
                .iter()
                .all(|&i| {
                    let r = &roles[i].role;
                    r.compare == Compare::CompanyName
                        && std::sync::Arc::ptr_eq(&r.common_words, &first.common_words)
                })
                .then_some(&*first.common_words)
        };
        let tables: Vec<(Vec<usize>, Table<'a>)> = leaders
            .par_iter()
            .map(|&g| {
                let members: Vec<usize> = (0..k).filter(|&i| group[i] == g).collect();
                let table = Table::build(clean, &members, common(&members))?;
                Some((members, table))
            })
            .collect::<Option<_>>()
            .ok_or_else(too_large)?;
        // Where each role's values are: (table, column in it), and each table's first id.
        let mut at = vec![(0, 0); k];
        let mut tagged = vec![false; k];
        let mut bases = Vec::with_capacity(tables.len());
        let mut distinct = 0;
        for (t, (members, table)) in tables.iter().enumerate() {
            for (c, &i) in members.iter().enumerate() {
                at[i] = (t, c);
                tagged[i] = table.tagged;
            }
            bases.push(distinct as u32);
            distinct += table.values.len();
        }
        let missing = Slot {
            id: NONE,
            chars: 0,
            distinct: 0,
            compact_hash: 0,
            text_at: 0,
            text_len: 0,
            words_at: 0,
            words_len: 0,
        };
        let n = clean.len();
        // Filled in parallel, a chunk of records at a time: each chunk's share of the arenas
        // is summed first, so every chunk knows where its texts and words start and writes
        // them in place, in record order as one pass would.
        let value = |record: usize, (t, c): (usize, usize)| {
            let table = &tables[t].1;
            let local = table.columns[c][record];
            (local != NONE).then(|| (local, &table.values[local as usize]))
        };
        let chunks = n.div_ceil(FILL_CHUNK);
        let records = |c: usize| c * FILL_CHUNK..n.min((c + 1) * FILL_CHUNK);
        let sizes: Vec<(usize, usize)> = (0..chunks)
            .into_par_iter()
            .map(|c| {
                records(c)
                    .flat_map(|record| at.iter().filter_map(move |&a| value(record, a)))
                    .fold((0, 0), |(t, w), (_, v)| {
                        (t + v.text.len(), w + (v.end - v.start) as usize)
                    })
            })
            .collect();
        let (text_len, words_len) = sizes
            .iter()
            .fold((0, 0), |(t, w), &(ct, cw)| (t + ct, w + cw));
        // The last value's end must be addressable too.
        u32::try_from(text_len.max(words_len)).map_err(|_| too_large())?;
        // Set in parallel too: a million records' slots are 200 MB of fresh pages.
        let mut slots = Vec::with_capacity(n * k);
        (0..n * k)
            .into_par_iter()
            .map(|_| missing)
            .collect_into_vec(&mut slots);
        let mut text = vec![0u8; text_len];
        let mut words = vec![0u32; words_len];
        let (mut text_rest, mut words_rest) = (&mut text[..], &mut words[..]);
        let (mut text_at, mut words_at) = (0, 0);
        let mut parts = Vec::with_capacity(chunks);
        for &(t, w) in &sizes {
            let (text_part, t_rest) = std::mem::take(&mut text_rest).split_at_mut(t);
            let (words_part, w_rest) = std::mem::take(&mut words_rest).split_at_mut(w);
            (text_rest, words_rest) = (t_rest, w_rest);
            parts.push((text_part, words_part, text_at as u32, words_at as u32));
            (text_at, words_at) = (text_at + t, words_at + w);
        }
        slots
            .par_chunks_mut(FILL_CHUNK * k.max(1))
            .zip(parts)
            .enumerate()
            .for_each(|(c, (slots, (text, words, text_base, words_base)))| {
                let (mut t, mut w) = (0, 0);
                for (record, slots) in records(c).zip(slots.chunks_mut(k)) {
                    for (slot, &a) in slots.iter_mut().zip(&at) {
                        let Some((local, v)) = value(record, a) else {
                            continue;
                        };
                        let table = &tables[a.0].1;
                        let (tl, wl) = (v.text.len(), (v.end - v.start) as usize);
                        text[t..t + tl].copy_from_slice(v.text.as_bytes());
                        words[w..w + wl]
                            .copy_from_slice(&table.words[v.start as usize..v.end as usize]);
                        *slot = Slot {
                            id: bases[a.0] + local,
                            chars: v.chars,
                            distinct: v.distinct,
                            compact_hash: v.compact_hash,
                            text_at: text_base + t as u32,
                            text_len: tl as u32,
                            words_at: words_base + w as u32,
                            words_len: wl as u32,
                        };
                        (t, w) = (t + tl, w + wl);
                    }
                }
            });
        // Whole values copied end to end: the bytes are UTF-8 as they were.
        let text = String::from_utf8(text).map_err(|e| Error::Other(e.to_string()))?;
        Ok(Prepared {
            roles,
            tagged,
            slots,
            text,
            words,
            distinct,
        })
    }

    /// Reads a little of each of `records`' slots, texts and words, so that comparing them
    /// next finds them in cache. Records compared at random are each a cache miss: read one
    /// by one, every comparison waits for memory in turn; read here in a tight loop of
    /// independent loads, the processor fetches a batch of them at once. Changes no result.
    pub fn warm(&self, records: &[u32]) {
        let k = self.roles.len();
        if k == 0 {
            return;
        }
        let mut seen = 0u32;
        // Two slots share a cache line: every other one reaches each line of a record's slots.
        for &r in records {
            let at = r as usize * k;
            for s in self.slots[at..at + k].iter().step_by(2) {
                seen ^= s.id;
            }
            seen ^= self.slots[at + k - 1].id;
        }
        // The slots are in cache now: where each value's text and words start is known.
        for &r in records {
            let at = r as usize * k;
            for s in &self.slots[at..at + k] {
                if s.id != NONE {
                    seen ^= self.text.as_bytes()[s.text_at as usize] as u32
                        ^ self.words[s.words_at as usize];
                }
            }
        }
        std::hint::black_box(seen);
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.slots.len().checked_div(self.roles.len()).unwrap_or(0)
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct values over all roles (ids run below it).
    pub fn distinct(&self) -> usize {
        self.distinct
    }

    /// The id of `record`'s value of role `i` (within a role and its swap partner: equal
    /// ids, equal text); None when missing.
    pub fn id(&self, record: usize, i: usize) -> Option<u32> {
        let id = self.slots[record * self.roles.len() + i].id;
        (id != NONE).then_some(id)
    }

    fn get(&self, record: usize, i: usize) -> Option<Prep<'_>> {
        let slot = &self.slots[record * self.roles.len() + i];
        (slot.id != NONE).then(|| Prep {
            slot,
            text: &self.text[slot.text_at as usize..(slot.text_at + slot.text_len) as usize],
            words: &self.words[slot.words_at as usize..(slot.words_at + slot.words_len) as usize],
            tagged: self.tagged[i],
        })
    }

    /// The level of role `i` for records `a` and `b`: [`super::model::role_level`] on
    /// prepared values.
    pub fn level(&self, i: usize, a: usize, b: usize) -> u8 {
        let k = self.roles.len();
        let (x, y) = (self.slots[a * k + i].id, self.slots[b * k + i].id);
        if x == NONE || y == NONE {
            return levels::MISSING;
        }
        // Equal ids are equal text, the first thing `levels::level` tests: told from the
        // slots alone, before any text is sliced.
        if x == y {
            return levels::EXACT;
        }
        match (self.get(a, i), self.get(b, i)) {
            (Some(x), Some(y)) => {
                let cross = self.roles[i]
                    .swap
                    .map_or((None, None), |s| (self.get(a, s), self.get(b, s)));
                levels::level(&self.roles[i].role, x, y, cross)
            }
            _ => levels::MISSING,
        }
    }

    /// The packed comparison vector of records `a` and `b` (as [`super::model::pattern`]).
    pub fn pattern(&self, a: usize, b: usize) -> u64 {
        (0..self.roles.len()).fold(0u64, |acc, i| {
            acc | ((self.level(i, a, b) as u64) << (BITS * i as u32))
        })
    }
}

/// Whether the sorted id lists `a` and `b` have an id in common that passes `keep`: one
/// merge, stopped at the first.
fn first_shared(a: &[u32], b: &[u32], keep: impl Fn(u32) -> bool) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal if keep(a[i]) => return true,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    false
}

impl<'p> Side<'p> for Prep<'p> {
    fn text(self) -> &'p str {
        self.text
    }

    fn same(self, other: Self) -> bool {
        self.slot.id == other.slot.id
    }

    fn chars(self) -> usize {
        self.slot.chars as usize
    }

    fn same_words(self, other: Self) -> bool {
        let (a, b) = (self.slot, other.slot);
        // As `distance::same_words`: the same words in any order (equal byte lengths, one
        // of them several words), else the same letters with the spaces taken out.
        if (a.multi() || b.multi())
            && self.text.len() == other.text.len()
            && self.words == other.words
        {
            return true;
        }
        a.compact_len() == b.compact_len()
            && a.compact_hash == b.compact_hash
            && distance::same_compact(self.text, other.text)
    }

    fn shares_a_word(self, other: Self) -> bool {
        first_shared(self.words, other.words, |_| true)
    }

    fn other_number(self, other: Self) -> bool {
        // House numbers close each sorted list (NUMBER is the top bit).
        let numbers = |w: &'p [u32]| &w[w.partition_point(|&id| id < NUMBER)..];
        let (a, b) = (numbers(self.words), numbers(other.words));
        !a.is_empty() && !b.is_empty() && !first_shared(a, b, |_| true)
    }

    fn shared_word(self, other: Self, common: &levels::Words) -> bool {
        if !self.tagged {
            return levels::shared_word(self.text, other.text, common);
        }
        first_shared(self.words, other.words, |id| id & SIGNIFICANT != 0)
    }

    fn words_one_typo_apart(self, other: Self) -> bool {
        // `split(' ')` gave one word id a piece: the counts are known without splitting, and
        // most pairs differ there.
        let n = self.slot.words_len;
        if n != other.slot.words_len {
            return false;
        }
        if !(self.slot.ascii() && other.slot.ascii()) {
            return levels::words_one_typo_apart(self.text, other.text);
        }
        // Word for word, byte lengths differ by one at most.
        if self.text.len().abs_diff(other.text.len()) > n as usize {
            return false;
        }
        let split = |s: &'p str| s.as_bytes().split(|&c| c == b' ');
        split(self.text).zip(split(other.text)).all(|(x, y)| {
            x == y || (x.len().min(y.len()) >= 4 && distance::within_one_edit_bytes(x, y))
        })
    }

    fn overlap_at_least(self, other: Self, bound: f64) -> bool {
        // Jaccard over distinct words. Shared words are at most the fewer distinct ones and
        // all words at least the more, and float division is monotonic: when even that
        // ratio falls short, the exact one does too.
        let (da, db) = (self.slot.distinct as usize, other.slot.distinct as usize);
        if (da.min(db) as f64 / da.max(db) as f64) < bound {
            return false;
        }
        // A merge of the two sorted id lists, repeats skipped.
        let (a, b) = (self.words, other.words);
        let (mut i, mut j, mut inter) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let w = a[i];
                    inter += 1;
                    while i < a.len() && a[i] == w {
                        i += 1;
                    }
                    while j < b.len() && b[j] == w {
                        j += 1;
                    }
                }
            }
        }
        let union = da + db - inter;
        inter as f64 / union as f64 >= bound
    }

    fn words_within(self, other: Self) -> bool {
        // Both word id lists are sorted: one merge.
        let mut j = 0;
        self.words.iter().all(|w| {
            while j < other.words.len() && other.words[j] < *w {
                j += 1;
            }
            j < other.words.len() && other.words[j] == *w
        })
    }

    fn within_one_edit(self, other: Self) -> bool {
        if self.slot.ascii() && other.slot.ascii() {
            distance::within_one_edit_ascii(self.text(), other.text())
        } else {
            distance::within_one_edit(self.text(), other.text())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::model;
    use crate::dedupe::rules::Rules;
    use proptest::prelude::*;

    /// Values over few words and letters (so reorderings, typos and shared words are
    /// common), spaces doubled or trailing at times, a non-ASCII letter, or missing.
    fn value() -> impl Strategy<Value = Option<String>> {
        let word = prop_oneof![
            proptest::sample::select(vec![
                "north",
                "nrth",
                "wind",
                "traders",
                "tradres",
                "inc",
                "café",
                "a",
                "ab",
                "",
                "green",
                "mitchell",
                "smith",
                "jo",
                "john",
                "19560409",
                "19560904",
                "19561230",
                "4155550134",
                "4155550143",
                "ß",
            ])
            .prop_map(str::to_string),
            "[a-d]{1,6}",
        ];
        proptest::option::weighted(
            0.9,
            proptest::collection::vec(word, 1..4).prop_map(|w| w.join(" ")),
        )
    }

    /// Dates as the date normaliser leaves them (digits), near each other or not.
    fn date() -> impl Strategy<Value = Option<String>> {
        proptest::option::weighted(0.9, "19[5-6][0-9]0[49][01][49]|[0-9]{6}")
    }

    fn roles() -> Vec<Compared> {
        let rules = Rules::builtin();
        let names = [
            "name",
            "street",
            "phone",
            "first_name",
            "last_name",
            "birth_date",
            "domain",
            "city",
        ];
        model::compared(
            &names
                .iter()
                .map(|n| (n.to_string(), rules.roles[*n].clone()))
                .collect::<Vec<_>>(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Prepared comparison gives every pair the vector the plain strings give.
        #[test]
        fn prepared_patterns_equal_plain_ones(
            records in proptest::collection::vec(
                (proptest::collection::vec(value(), 7), date()), 2..8
            )
        ) {
            // `birth_date` is the sixth role.
            let records: Vec<Vec<Option<String>>> = records
                .into_iter()
                .map(|(mut r, d)| {
                    r.insert(5, d);
                    r
                })
                .collect();
            let roles = roles();
            let prepared = Prepared::new(&roles, &records).unwrap();
            prop_assert_eq!(prepared.len(), records.len());
            for a in 0..records.len() {
                for b in 0..records.len() {
                    prop_assert_eq!(
                        prepared.pattern(a, b),
                        model::pattern(&roles, &records[a], &records[b]),
                        "{:?} / {:?}", records[a], records[b]
                    );
                }
            }
        }
    }

    #[test]
    fn equal_text_shares_an_id_across_swapped_roles() {
        let roles = roles();
        let s = |v: &str| Some(v.to_string());
        let records = vec![
            vec![
                s("green"),
                None,
                None,
                s("green"),
                s("mitchell"),
                None,
                None,
                None,
            ],
            vec![
                s("mitchell"),
                None,
                None,
                s("mitchell"),
                s("green"),
                None,
                None,
                None,
            ],
        ];
        let p = Prepared::new(&roles, &records).unwrap();
        // First and last name share a table (they may be swapped); name has its own.
        assert_eq!(p.id(0, 3), p.id(1, 4));
        assert_ne!(p.id(0, 0), p.id(0, 3));
        assert_eq!(p.id(0, 1), None);
        assert_eq!(p.distinct(), 2 + 2);
        assert_eq!(
            levels::name(roles[3].role.compare, p.level(3, 0, 1)),
            "swapped"
        );
    }
}
