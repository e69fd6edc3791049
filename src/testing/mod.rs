//! Property-based testing of losses and optimizers (the `testing` feature).
//!
//! The same promises this crate's own test suite states, for a user's
//! losses and optimizers:
//!
//! - strategies (proptest's) for random losses over every primitive
//!   ([`losses`]), convex problems with a known minimizer ([`convex`]:
//!   [`quadratic`]s of a chosen condition number, ridge [`logistic`] and
//!   [`softmax`] regression on random data) and small [`networks`];
//! - helpers that state a property of any [`Optimizer`](crate::Optimizer)
//!   in a proptest case: [`monotone`] (the loss never increases over N
//!   steps), [`finite`] (no NaN or infinity ever reaches the parameters,
//!   and a failed step leaves them as they were), [`reaches`] (the known
//!   minimizer is reached within a tolerance in N steps);
//! - [`check`], which runs one property over a strategy from a fixed
//!   seed and returns the shrunk counterexample where it fails.
//!
//! `majorize check FILE.loss` runs the checks of a loss (bounds hold,
//! gradients agree, MM is monotone, where runs converge) through
//! [`check_loss`]. docs/testing.md shows both, with their output, and
//! `examples/own_optimizer/` property-tests two optimizers of a few lines,
//! one broken (a fixed step) and one correct (Armijo backtracking):
//!
//! ```
//! use majorize::testing::{self, Convex};
//! use majorize::optim::{Optimizer, Sgd};
//! // Plain gradient descent with rate 0.9 overshoots once the curvature
//! // passes 2 / 0.9; shrinking finds one unknown at that edge.
//! let c = testing::check(64, testing::quadratic(1..=6, 1.0..=100.0), |p: Convex| {
//!     let mut sgd = Sgd { lr: 0.9, ..Sgd::default() }.build().unwrap();
//!     testing::monotone(&mut sgd, &p.model, &p.start, 50).map(drop)
//! })
//! .unwrap_err();
//! let top = c.value.eigenvalues[c.value.eigenvalues.len() - 1];
//! assert!(c.value.eigenvalues.len() == 1 && top > 2.0 / 0.9 && top < 2.23);
//! ```
//!
//! proptest is re-exported ([`proptest`](mod@proptest)), so that a test needs no
//! second dependency: `use majorize::testing::proptest::prelude::*;`.

pub mod check;
mod convex;
mod networks;
mod programs;
pub(crate) mod props;

pub use convex::{Convex, convex, logistic, logistic_problem, quadratic, quadratic_problem, softmax, softmax_problem};
pub use networks::{ACTIVATIONS, HEADS, NetSpec, NetValues, Network, networks};
pub use programs::{
    Instr, RandomLoss, absolute_slope, apply, central_difference, fused_covers, fused_instr, instr, losses,
    params_from, random_function, random_model,
};
pub use proptest;

pub use check::{CheckOptions, check_loss};
pub use props::{Counterexample, check, finite, monotone, reaches};

use proptest::test_runner::{Config, RngSeed};

/// The seed of every property unless `PROPTEST_RNG_SEED` sets another.
pub const SEED: u64 = 20261201;

/// A property's configuration: `cases` cases (or `PROPTEST_CASES`), drawn
/// from a fixed seed ([`SEED`], or `PROPTEST_RNG_SEED`), so that a test
/// runs the same cases every time; no failure persistence, so that a
/// failing run writes no file (a failure prints its shrunk inputs, and a
/// case worth keeping becomes an explicit test); and up to 4096 shrinking
/// steps or 30 s (proptest's default, 4 per case, stops a problem's
/// shrinking long before its numbers are simple).
pub fn config(cases: u32) -> Config {
    let env = |name: &str| std::env::var(name).ok();
    Config {
        cases: env("PROPTEST_CASES").and_then(|v| v.parse().ok()).unwrap_or(cases),
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").and_then(|v| v.parse().ok()).unwrap_or(SEED)),
        failure_persistence: None,
        max_shrink_iters: 4096,
        max_shrink_time: 30_000,
        ..Config::default()
    }
}
