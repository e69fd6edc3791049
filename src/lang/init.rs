//! Initial parameter values: numbers, lists and seeded random draws.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal, Uniform};

use crate::tensor::{Shape, Tensor};

/// The seed of parameter `name`'s generator: FNV-1a of the name, so that
/// adding or reordering parameters leaves the others' draws as they were.
pub fn param_seed(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The seed of parameter `name`'s generator in the run seeded by `seed`:
/// [`param_seed`] for seed 0, and for another seed a mix of both.
pub fn run_seed(name: &str, seed: u64) -> u64 {
    param_seed(name) ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A random initializer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draw {
    /// `normal(mean, std)`.
    Normal(f64, f64),
    /// `uniform(lo, hi)`.
    Uniform(f64, f64),
}

impl Draw {
    /// Checks the arguments, returning a message if they are invalid.
    pub fn check(self) -> Result<Self, String> {
        match self {
            Draw::Normal(m, s) if !(m.is_finite() && s.is_finite() && s >= 0.0) => {
                Err(format!("normal({m}, {s}) needs a finite mean and a finite std >= 0"))
            }
            Draw::Uniform(a, b) if !(a.is_finite() && b.is_finite() && a < b) => {
                Err(format!("uniform({a}, {b}) needs finite bounds with lo < hi"))
            }
            d => Ok(d),
        }
    }

    /// A tensor of independent draws, from a generator seeded by `seed`.
    pub fn sample(self, shape: Shape, seed: u64) -> Tensor {
        let mut rng = StdRng::seed_from_u64(seed);
        let data = match self {
            Draw::Normal(m, s) => {
                let d = Normal::new(m, s).expect("checked");
                (0..shape.len()).map(|_| d.sample(&mut rng)).collect()
            }
            Draw::Uniform(a, b) => {
                let d = Uniform::new(a, b).expect("checked");
                (0..shape.len()).map(|_| d.sample(&mut rng)).collect()
            }
        };
        Tensor::new(shape, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_seeded_and_in_range() {
        let s = Shape::Matrix(20, 5);
        let a = Draw::Uniform(-0.5, 0.5).sample(s, param_seed("W"));
        let b = Draw::Uniform(-0.5, 0.5).sample(s, param_seed("W"));
        let c = Draw::Uniform(-0.5, 0.5).sample(s, param_seed("V"));
        assert_eq!(run_seed("W", 0), param_seed("W"));
        let d = Draw::Uniform(-0.5, 0.5).sample(s, run_seed("W", 1));
        assert_ne!(a, d, "another run seed redraws");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.data().iter().all(|v| (-0.5..0.5).contains(v)));
        let n = Draw::Normal(1.0, 0.0).sample(Shape::Vector(3), 7);
        assert_eq!(n.data(), &[1.0, 1.0, 1.0]);
        assert!(Draw::Normal(0.0, -1.0).check().is_err());
        assert!(Draw::Uniform(1.0, 1.0).check().is_err());
    }
}
