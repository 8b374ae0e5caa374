//! HyperLogLog distinct counting (Flajolet et al. 2007, with the small-range correction),
//! used once a column holds more distinct values than are worth keeping exactly.

/// Register-index bits: 2^14 registers, a standard error of about 0.8%.
pub const PRECISION: u32 = 14;
const REGISTERS: usize = 1 << PRECISION;

/// How the method is named in output.
pub const METHOD: &str = "hyperloglog (2^14 registers, standard error ~0.8%)";

/// A HyperLogLog sketch over 64-bit hashes (the caller hashes the values).
#[derive(Clone)]
pub struct HyperLogLog {
    registers: Vec<u8>,
}

impl Default for HyperLogLog {
    fn default() -> Self {
        HyperLogLog {
            registers: vec![0; REGISTERS],
        }
    }
}

impl HyperLogLog {
    /// Adds one hashed value.
    pub fn insert(&mut self, hash: u64) {
        let index = (hash >> (64 - PRECISION)) as usize;
        // The remaining bits, with a sentinel so the rank is at most 64 - PRECISION + 1.
        let rest = (hash << PRECISION) | (1 << (PRECISION - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        if rank > self.registers[index] {
            self.registers[index] = rank;
        }
    }

    /// Adds everything another sketch has seen.
    pub fn merge(&mut self, other: &HyperLogLog) {
        for (a, b) in self.registers.iter_mut().zip(&other.registers) {
            *a = (*a).max(*b);
        }
    }

    /// The estimated number of distinct values.
    pub fn estimate(&self) -> u64 {
        let m = REGISTERS as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self
            .registers
            .iter()
            .map(|&r| 2f64.powi(-i32::from(r)))
            .sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        let estimate = if raw <= 2.5 * m && zeros > 0 {
            // Linear counting is more accurate while many registers are empty.
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        estimate.round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(i: u64) -> u64 {
        foldhash::quality::FixedState::with_seed(7).hash_one(i)
    }

    #[test]
    fn estimates_within_a_few_standard_errors() {
        for n in [0u64, 1, 100, 10_000, 200_000, 1_000_000] {
            let mut h = HyperLogLog::default();
            for i in 0..n {
                h.insert(hash(i));
                // Duplicates change nothing.
                h.insert(hash(i));
            }
            let est = h.estimate() as f64;
            let err = if n == 0 {
                est
            } else {
                (est - n as f64).abs() / n as f64
            };
            assert!(err < 0.03, "n={n} estimate={est}");
        }
    }

    #[test]
    fn merging_is_a_union() {
        let (mut a, mut b) = (HyperLogLog::default(), HyperLogLog::default());
        for i in 0..50_000 {
            a.insert(hash(i));
            b.insert(hash(i + 25_000));
        }
        a.merge(&b);
        let est = a.estimate() as f64;
        assert!((est - 75_000.0).abs() / 75_000.0 < 0.03, "{est}");
    }
}
