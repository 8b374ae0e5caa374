//! Random choices that give the same answers on every platform (u32 ranges, never usize).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A uniform index in `0..len` (`len` > 0).
pub fn index(rng: &mut ChaCha8Rng, len: usize) -> usize {
    rng.gen_range(0..len as u32) as usize
}

/// A uniform element of a non-empty slice.
pub fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[index(rng, items.len())]
}

/// True with probability `p`.
pub fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.gen_bool(p.clamp(0.0, 1.0))
}

/// A uniform integer in `lo..=hi`.
pub fn range(rng: &mut ChaCha8Rng, lo: u32, hi: u32) -> u32 {
    if hi <= lo { lo } else { rng.gen_range(lo..=hi) }
}

/// An index drawn by weight.
pub fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (i, &w) in weights.iter().enumerate() {
        if roll < w {
            return i;
        }
        roll -= w;
    }
    weights.len() - 1
}
