//! A HyperLogLog sketch of a day's visitor keys: 16,384 one-byte registers
//! that estimate how many distinct keys were added (about 0.8% standard
//! error), can be merged with another day's or another run's, and cannot
//! be turned back into keys. What is stored of visitors is this and a
//! count, never a key.

/// 2^14 registers.
const PRECISION: u32 = 14;
pub const REGISTERS: usize = 1 << PRECISION;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    registers: Vec<u8>,
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch {
            registers: vec![0; REGISTERS],
        }
    }
}

impl Sketch {
    /// A sketch from stored bytes; `None` if they are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Sketch> {
        (bytes.len() == REGISTERS && bytes.iter().all(|r| *r <= 64 - PRECISION as u8 + 1)).then(
            || Sketch {
                registers: bytes.to_vec(),
            },
        )
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.registers
    }

    /// Add a 64-bit hash of a key (already keyed and well mixed).
    pub fn add(&mut self, hash: u64) {
        let index = (hash >> (64 - PRECISION)) as usize;
        let rest = hash << PRECISION;
        // Leading zeros of what remains, plus one, capped by its width.
        let rank = (rest.leading_zeros() + 1).min(64 - PRECISION + 1) as u8;
        if let Some(r) = self.registers.get_mut(index)
            && rank > *r
        {
            *r = rank;
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        for (a, b) in self.registers.iter_mut().zip(&other.registers) {
            *a = (*a).max(*b);
        }
    }

    /// The estimated number of distinct keys added.
    pub fn estimate(&self) -> u64 {
        let m = REGISTERS as f64;
        let zeros = self.registers.iter().filter(|r| **r == 0).count();
        let sum: f64 = self
            .registers
            .iter()
            .map(|r| 2f64.powi(-i32::from(*r)))
            .sum();
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let raw = alpha * m * m / sum;
        let estimate = if raw <= 2.5 * m && zeros > 0 {
            // Linear counting is far better for small numbers.
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        estimate.round().max(0.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, RandomState};

    fn sketch_of(range: std::ops::Range<u64>, salt: &RandomState) -> Sketch {
        let mut s = Sketch::default();
        for i in range {
            s.add(salt.hash_one(i));
        }
        s
    }

    #[test]
    fn estimates_are_close_and_merge_without_double_counting() {
        let salt = RandomState::new();
        for n in [0u64, 10, 1_000, 50_000, 300_000] {
            let estimate = sketch_of(0..n, &salt).estimate() as f64;
            let error = (estimate - n as f64).abs() / (n.max(1) as f64);
            assert!(error < 0.03, "{n}: {estimate}");
        }
        let mut a = sketch_of(0..6_000, &salt);
        let b = sketch_of(4_000..10_000, &salt);
        a.merge(&b);
        let merged = a.estimate() as f64;
        assert!((merged - 10_000.0).abs() < 300.0, "{merged}");
        assert_eq!(Sketch::from_bytes(a.as_bytes()), Some(a));
        assert_eq!(Sketch::from_bytes(&[1, 2, 3]), None);
    }
}
