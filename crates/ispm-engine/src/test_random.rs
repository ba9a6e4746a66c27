//! A small seeded generator of numbers for the tests that compare a fast
//! path with the general one over many generated steps, so that a failure
//! repeats on every run.

/// A linear congruential generator (Knuth's MMIX constants).
pub(crate) struct Steps(u64);

impl Steps {
    pub fn new(seed: u64) -> Self {
        Steps(seed)
    }

    /// Returns the next number, below `bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}
