//! Small sampling helpers on top of `rand`, which has no distributions of
//! its own without the `rand_distr` crate.

use rand::Rng;

/// True with probability `probability`.
pub(crate) fn chance(rng: &mut impl Rng, probability: f64) -> bool {
    rng.random::<f64>() < probability
}

/// Draws from the standard normal distribution (Box-Muller).
pub(crate) fn normal(rng: &mut impl Rng) -> f64 {
    let u1 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Draws from a Poisson distribution with mean `mean`: Knuth's product
/// method for small means, a rounded normal approximation above 30, where
/// its error is negligible for traffic volumes.
pub(crate) fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    if !mean.is_finite() || mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        let draw = mean + mean.sqrt() * normal(rng);
        return draw.round().clamp(0.0, f64::from(u32::MAX)) as u32;
    }
    let limit = (-mean).exp();
    let mut product = rng.random::<f64>();
    let mut count = 0;
    while product > limit {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

/// Picks one element of a non-empty slice.
pub(crate) fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Draws an index with the given weights, or the last index when all are
/// zero.
pub(crate) fn weighted_index(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = rng.random::<f64>() * total;
    for (index, weight) in weights.iter().enumerate() {
        if target < *weight {
            return index;
        }
        target -= weight;
    }
    weights.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Stream, rng_for};

    #[test]
    fn poisson_mean_is_close_to_requested() {
        let mut rng = rng_for(3, Stream::Event, &[]);
        for mean in [0.5, 4.0, 12.0, 80.0] {
            let draws = 20_000;
            let total: u64 = (0..draws).map(|_| u64::from(poisson(&mut rng, mean))).sum();
            let observed = total as f64 / f64::from(draws);
            assert!(
                (observed - mean).abs() < mean * 0.05 + 0.05,
                "mean {mean}: observed {observed}"
            );
        }
        assert_eq!(poisson(&mut rng, 0.0), 0);
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
    }
}
