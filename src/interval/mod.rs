//! Rigorous interval arithmetic over f64.
//!
//! This layer owns [`Interval`]: every operation rounds its lower end down
//! and its upper end up (exactly, from the TwoSum and FMA errors, for the
//! basic operations; by the library's ulp bound for elementary functions),
//! and every elementary function of the loss language has a guaranteed
//! enclosure. Outside a function's domain the result is the whole line,
//! never NaN. `Interval` implements num-dual's `DualNum`, so num-dual's dual
//! numbers carrying intervals give derivative ranges over a region.
//! [`BigInterval`] (`big`, `big_functions`) is the slow, tight arithmetic of
//! dyadic intervals at a few hundred bits, with the elementary functions
//! from series with rigorous tails, for point coefficients and exact
//! checks. It uses no other layer of the crate.
//!
//! ```
//! use majorize::Interval;
//! let x = Interval::new(-1.0, 2.0);
//! // x * x is the product of two independent members of x: [-2, 4] (rounded outward).
//! assert!((x * x).encloses(Interval::new(-2.0, 4.0)) && (x * x).width() < 6.0 + 1e-14);
//! assert_eq!(x.sqr(), Interval::new(0.0, 4.0));
//! let e = x.exp();
//! assert!(e.lo() <= (-1f64).exp() && 2f64.exp() <= e.hi());
//! ```

mod big;
mod big_functions;
mod dualnum;
mod elementary;
mod round;
mod scalar;
mod transcendental;

pub use big::{BigInterval, Dyadic, Prec};
pub use big_functions::Big;
pub(crate) use dualnum::sign;
pub use round::{add_up, down_n, mul_up, up_n};
pub use scalar::Interval;
#[cfg(test)]
pub(crate) use scalar::close_to;
