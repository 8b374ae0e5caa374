//! String distances for comparison levels, exact but cheap: bit-parallel Levenshtein, a
//! one-edit test, and word-set checks without allocating (millions of pairs per run).
//!
//! Each function returns exactly what its `strsim`-based definition does (the tests check
//! them against `strsim` on random strings, non-ASCII included), so levels never move.

/// Levenshtein distance in characters, as `strsim::levenshtein`.
pub fn levenshtein(a: &str, b: &str) -> usize {
    if a == b {
        return 0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_ascii() && long.is_ascii() && short.len() <= 64 {
        myers(short.as_bytes(), long.as_bytes(), usize::MAX)
    } else {
        strsim::levenshtein(a, b)
    }
}

/// Characters in `s` (bytes when ASCII, which most cleaned values are).
pub fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// `strsim::normalized_levenshtein`: 1 - distance / the longer length.
pub fn normalized_levenshtein(a: &str, b: &str) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    1.0 - (levenshtein(a, b) as f64) / (char_len(a).max(char_len(b)) as f64)
}

/// The largest distance `d` at which `1 - d / len >= bound`, computed with the same float
/// expression as [`normalized_levenshtein`] so a band test agrees with it to the bit; None
/// when not even equal strings would pass.
pub fn max_distance(len: usize, bound: f64) -> Option<usize> {
    let passes = |d: usize| 1.0 - (d as f64) / (len as f64) >= bound;
    // Start from the algebraic answer and step to the exact one (rounding may move it by one).
    // Truncation is floor for the non-negative, and the cast takes the negative and NaN to 0
    // (`floor` is a library call here, in a function run for every fuzzy comparison).
    let mut k = (((1.0 - bound) * len as f64) as usize).min(len);
    while k < len && passes(k + 1) {
        k += 1;
    }
    while !passes(k) {
        k = k.checked_sub(1)?;
    }
    Some(k)
}

/// Levenshtein distance if it is at most `k`, else None; exits at once when the lengths
/// alone rule it out.
pub fn levenshtein_within(a: &str, b: &str, la: usize, lb: usize, k: usize) -> Option<usize> {
    if la.abs_diff(lb) > k {
        return None;
    }
    // As many characters as bytes: ASCII on both sides, known without scanning again.
    let d = if la == a.len() && lb == b.len() && la.min(lb) <= 64 {
        let (short, long) = if la <= lb { (a, b) } else { (b, a) };
        myers(short.as_bytes(), long.as_bytes(), k)
    } else {
        levenshtein(a, b)
    };
    (d <= k).then_some(d)
}

/// Myers' bit-parallel edit distance (Hyyrö's formulation); `pattern` holds 1..=64 bytes.
/// A distance over `k` may come back as any number over `k`: the scan stops once even the
/// remaining text could not bring the score back to `k` (unrelated values, most pairs, are
/// told apart a few characters in).
fn myers(pattern: &[u8], text: &[u8], k: usize) -> usize {
    let m = pattern.len();
    if m == 0 {
        return text.len();
    }
    let mut peq = [0u64; 128];
    for (i, &c) in pattern.iter().enumerate() {
        peq[c as usize] |= 1 << i;
    }
    let last = 1u64 << (m - 1);
    let mut pv = if m == 64 { !0 } else { (1u64 << m) - 1 };
    let mut mv = 0u64;
    let mut score = m;
    // Each character moves the score by one at most: past `limit`, score less the
    // characters left exceeds `k`.
    let limit = k.saturating_add(text.len());
    for (j, &c) in text.iter().enumerate() {
        if score + j > limit {
            return score;
        }
        let eq = peq[c as usize];
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let mut ph = mv | !(xh | pv);
        let mut mh = pv & xh;
        if ph & last != 0 {
            score += 1;
        } else if mh & last != 0 {
            score -= 1;
        }
        // Row 0 of the table grows by one per text character: a +1 shifted in.
        ph = (ph << 1) | 1;
        mh <<= 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
    }
    score
}

/// Whether `a` and `b` differ by at most one insertion, deletion, substitution or swap of
/// neighbours: `strsim::damerau_levenshtein(a, b) <= 1`.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        one_edit(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        one_edit(&a, &b)
    }
}

/// [`within_one_edit`] of two values known to be ASCII.
pub fn within_one_edit_ascii(a: &str, b: &str) -> bool {
    one_edit(a.as_bytes(), b.as_bytes())
}

/// [`within_one_edit`] of two ASCII byte strings (words of ASCII values).
pub fn within_one_edit_bytes(a: &[u8], b: &[u8]) -> bool {
    one_edit(a, b)
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let Some(i) = short.iter().zip(long).position(|(x, y)| x != y) else {
        // One is a prefix of the other, at most one longer.
        return true;
    };
    if short.len() == long.len() {
        equal(&short[i + 1..], &long[i + 1..])
            || (i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && equal(&short[i + 2..], &long[i + 2..]))
    } else {
        equal(&short[i..], &long[i + 1..])
    }
}

/// Slice equality in a plain loop: the tails compared here are a few bytes, shorter than a
/// call to `memcmp` costs.
fn equal<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// `strsim::jaro_winkler`, without allocating for ASCII values of up to 64 characters
/// (matched positions kept as bits); the same arithmetic, so the same result to the bit.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if !(a.is_ascii() && b.is_ascii() && a.len() <= 64 && b.len() <= 64) {
        return strsim::jaro_winkler(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let sim = jaro_ascii(a, b);
    if sim > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// Jaro similarity of two ASCII byte strings of at most 64 bytes, as `strsim::jaro`.
fn jaro_ascii(a: &[u8], b: &[u8]) -> f64 {
    let (al, bl) = (a.len(), b.len());
    if al == 0 && bl == 0 {
        return 1.0;
    } else if al == 0 || bl == 0 {
        return 0.0;
    }
    let range = (al.max(bl) / 2).saturating_sub(1);
    let (mut a_flags, mut b_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in a.iter().enumerate() {
        let (lo, hi) = (i.saturating_sub(range), bl.min(i + range + 1));
        if let Some(j) = (lo..hi).find(|&j| b[j] == c && b_flags & (1 << j) == 0) {
            a_flags |= 1 << i;
            b_flags |= 1 << j;
            matches += 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Matched characters in order on both sides, compared pairwise.
    let mut transpositions = 0usize;
    while a_flags != 0 {
        let (i, j) = (a_flags.trailing_zeros(), b_flags.trailing_zeros());
        if a[i as usize] != b[j as usize] {
            transpositions += 1;
        }
        a_flags &= a_flags - 1;
        b_flags &= b_flags - 1;
    }
    transpositions /= 2;
    ((matches as f64 / al as f64)
        + (matches as f64 / bl as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// Up to this many words are handled on the stack; longer values take the allocating path.
const WORDS: usize = 16;

/// A word's hash (FNV-1a): words are sorted and matched by it, and equal hashes are
/// confirmed on the text, so a collision only sends the pair down the exact slow path.
fn word_hash(w: &str) -> u64 {
    w.bytes().fold(0xcbf2_9ce4_8422_2325, |h, c| {
        (h ^ c as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The words of `s` split at single spaces (empty words kept, as `split(' ')` gives them)
/// with their hashes, sorted by hash; None when there are more than [`WORDS`].
fn sorted_words(s: &str) -> Option<([(u64, &str); WORDS], usize)> {
    let mut words = [(0, ""); WORDS];
    let mut n = 0;
    for w in s.split(' ') {
        if n == WORDS {
            return None;
        }
        words[n] = (word_hash(w), w);
        n += 1;
    }
    words[..n].sort_unstable_by_key(|w| w.0);
    Some((words, n))
}

/// Whether two hash-sorted word lists hold the same words; None on a hash collision.
fn same_sorted(a: &[(u64, &str)], b: &[(u64, &str)]) -> Option<bool> {
    if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.0 != y.0) {
        return Some(false);
    }
    a.iter().zip(b).all(|(x, y)| x.1 == y.1).then_some(true)
}

/// Equal after removing spaces (`hoseason street` / `hoseasonstreet`), without allocating.
pub fn same_compact(a: &str, b: &str) -> bool {
    let spaces = |s: &str| s.bytes().filter(|&c| c == b' ').count();
    a.len() - spaces(a) == b.len() - spaces(b)
        && a.bytes()
            .filter(|&c| c != b' ')
            .eq(b.bytes().filter(|&c| c != b' '))
}

/// The same words in another order (`green mitchell` / `mitchell green`), or the same
/// letters with words run together differently.
pub fn same_words(a: &str, b: &str) -> bool {
    let multi = a.contains(' ') || b.contains(' ');
    // Equal word lists have equal lengths (the same words and the same number of spaces).
    if multi && a.len() == b.len() {
        let fast = match (sorted_words(a), sorted_words(b)) {
            (Some((wa, na)), Some((wb, nb))) => same_sorted(&wa[..na], &wb[..nb]),
            _ => None,
        };
        let words = fast.unwrap_or_else(|| {
            let mut ta: Vec<&str> = a.split(' ').collect();
            let mut tb: Vec<&str> = b.split(' ').collect();
            ta.sort_unstable();
            tb.sort_unstable();
            ta == tb
        });
        if words {
            return true;
        }
    }
    same_compact(a, b)
}

/// Share of distinct words the two values have in common (Jaccard).
pub fn token_overlap(a: &str, b: &str) -> f64 {
    let (inter, union) = fast_overlap(a, b).unwrap_or_else(|| {
        let ta: std::collections::BTreeSet<&str> = a.split(' ').collect();
        let tb: std::collections::BTreeSet<&str> = b.split(' ').collect();
        let inter = ta.intersection(&tb).count();
        (inter, ta.len() + tb.len() - inter)
    });
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// (shared, all) distinct words, matched by hash on the stack; None when a value has many
/// words or two different words share a hash.
fn fast_overlap(a: &str, b: &str) -> Option<(usize, usize)> {
    let (mut ta, na) = sorted_words(a)?;
    let (mut tb, nb) = sorted_words(b)?;
    let na = dedup(&mut ta[..na])?;
    let nb = dedup(&mut tb[..nb])?;
    let (mut i, mut j, mut inter) = (0, 0, 0);
    while i < na && j < nb {
        match ta[i].0.cmp(&tb[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if ta[i].1 != tb[j].1 {
                    return None;
                }
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    Some((inter, na + nb - inter))
}

/// Removes repeats from a hash-sorted slice in place; the distinct count, or None when two
/// different words share a hash.
fn dedup(words: &mut [(u64, &str)]) -> Option<usize> {
    let mut n = 0;
    for i in 0..words.len() {
        if n > 0 && words[i].0 == words[n - 1].0 {
            if words[i].1 != words[n - 1].1 {
                return None;
            }
        } else {
            words[n] = words[i];
            n += 1;
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Short strings over a small alphabet (so near-misses are common), spaces, and a few
    /// non-ASCII letters.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                8 => proptest::sample::select(vec!['a', 'b', 'c', 'd', ' ']),
                1 => proptest::sample::select(vec!['é', 'ß', 'ø', '中', 'z']),
            ],
            0..24,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn long_text() -> impl Strategy<Value = String> {
        "[a-e ]{51,90}"
    }

    fn reference_same_words(a: &str, b: &str) -> bool {
        let mut ta: Vec<&str> = a.split(' ').collect();
        let mut tb: Vec<&str> = b.split(' ').collect();
        if ta.len() < 2 && tb.len() < 2 {
            return a.replace(' ', "") == b.replace(' ', "");
        }
        ta.sort_unstable();
        tb.sort_unstable();
        ta == tb || a.replace(' ', "") == b.replace(' ', "")
    }

    fn reference_overlap(a: &str, b: &str) -> f64 {
        let ta: std::collections::BTreeSet<&str> = a.split(' ').collect();
        let tb: std::collections::BTreeSet<&str> = b.split(' ').collect();
        let inter = ta.intersection(&tb).count();
        let union = ta.union(&tb).count();
        if union == 0 {
            0.0
        } else {
            inter as f64 / union as f64
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn agrees_with_strsim(a in text(), b in text()) {
            prop_assert_eq!(levenshtein(&a, &b), strsim::levenshtein(&a, &b));
            prop_assert_eq!(
                normalized_levenshtein(&a, &b).to_bits(),
                strsim::normalized_levenshtein(&a, &b).to_bits()
            );
            prop_assert_eq!(within_one_edit(&a, &b), strsim::damerau_levenshtein(&a, &b) <= 1);
            prop_assert_eq!(same_words(&a, &b), reference_same_words(&a, &b));
            prop_assert_eq!(token_overlap(&a, &b).to_bits(), reference_overlap(&a, &b).to_bits());
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn jaro_winkler_agrees_on_ascii_names(a in "[a-f ]{0,70}", b in "[a-f ]{0,70}") {
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn agrees_on_long_and_one_edit_strings(a in long_text(), b in long_text(), cut in 0usize..50) {
            prop_assert_eq!(levenshtein(&a, &b), strsim::levenshtein(&a, &b));
            // One edit apart: delete, swap or substitute at `cut`.
            let mut c: Vec<char> = a.chars().collect();
            match cut % 3 {
                0 => { c.remove(cut); }
                1 => c.swap(cut, cut + 1),
                _ => c[cut] = 'x',
            }
            let c: String = c.into_iter().collect();
            prop_assert_eq!(within_one_edit(&a, &c), strsim::damerau_levenshtein(&a, &c) <= 1);
            prop_assert_eq!(levenshtein(&a, &c), strsim::levenshtein(&a, &c));
        }

        #[test]
        fn band_bound_matches_the_float_test(len in 1usize..80, d in 0usize..80, bound in 0.5f64..1.0) {
            let passes = 1.0 - (d as f64) / (len as f64) >= bound;
            prop_assert_eq!(max_distance(len, bound).is_some_and(|k| d <= k), passes);
        }
    }

    #[test]
    fn known_distances() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein(&"a".repeat(64), &"b".repeat(70)), 70);
        assert!(within_one_edit("4155550134", "4155550143"));
        assert!(!within_one_edit("4155550134", "4155551043"));
        assert!(same_words("mitchell green", "green mitchell"));
        assert!(same_words("hoseason street", "hoseasonstreet"));
        assert_eq!(levenshtein_within("abcdef", "abc", 6, 3, 2), None);
        assert_eq!(levenshtein_within("abcdef", "abcxef", 6, 6, 2), Some(1));
        assert_eq!(token_overlap("a b c", "c d a"), 0.5);
    }
}
