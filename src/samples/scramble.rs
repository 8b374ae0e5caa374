//! Seeded bijections on `0..size`: they hand out unique names and phone numbers in an order
//! that looks random, without remembering what was handed out.

/// A permutation of `0..size`: `i -> (i * mul + add) mod size`, `mul` coprime to `size`.
#[derive(Debug, Clone, Copy)]
pub struct Scramble {
    size: u64,
    mul: u64,
    add: u64,
}

/// A large prime: multiplying by it mod `size` spreads neighbours far apart.
const SPREAD: u64 = 2_147_483_647;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Scramble {
    /// A permutation of `0..size` (size >= 1) chosen by `salt`.
    pub fn new(size: u64, salt: u64) -> Scramble {
        assert!(size > 0, "a scramble needs a non-empty range");
        let mut mul = (SPREAD ^ (salt.rotate_left(17) & 0xffff)) % size;
        if mul == 0 {
            mul = 1;
        }
        while gcd(mul, size) != 1 {
            mul = mul % size + 1;
        }
        Scramble {
            size,
            mul,
            add: salt % size,
        }
    }

    /// The image of `i` (`i < size`).
    pub fn get(&self, i: u64) -> u64 {
        ((i as u128 * self.mul as u128 + self.add as u128) % self.size as u128) as u64
    }
}

/// Splits `v < a * b` into `(v / b, (v % b + hash(v / b)) mod b)`: a bijection onto
/// `0..a x 0..b` that does not walk the second component in a fixed stride.
pub fn split2(v: u64, b: u64) -> (u64, u64) {
    let hi = v / b;
    let lo = (v % b + mix(hi) % b) % b;
    (hi, lo)
}

/// A 64-bit mixer (splitmix64's finaliser): deterministic on every platform.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrambles_are_permutations() {
        for (size, salt) in [
            (1, 0),
            (7, 3),
            (100, 42),
            (1000, 7),
            (4096, 99),
            (37_500, 42),
        ] {
            let s = Scramble::new(size, salt);
            let mut seen = vec![false; size as usize];
            for i in 0..size {
                let v = s.get(i) as usize;
                assert!(!seen[v], "size {size}: {v} twice");
                seen[v] = true;
            }
        }
    }

    #[test]
    fn split2_is_a_bijection() {
        let (a, b) = (13u64, 17u64);
        let mut seen = std::collections::BTreeSet::new();
        for v in 0..a * b {
            let (hi, lo) = split2(v, b);
            assert!(hi < a && lo < b);
            assert!(seen.insert((hi, lo)));
        }
    }
}
