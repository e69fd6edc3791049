//! Convex problems with a known minimizer: a quadratic of a chosen
//! spectrum, and ridge logistic and softmax regressions on seeded random
//! data (their minimizers by Newton's method in f64); the strategies
//! [`quadratic`], [`logistic`], [`softmax`] and [`convex`], and the
//! builders they map their draws through.

use std::fmt;
use std::ops::RangeInclusive;

use faer::Mat;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::{Graph, Model, Shape, Tensor};

mod regression;

pub use regression::{logistic_problem, softmax_problem};

/// A convex problem with a known minimizer. Its `Debug` form is short (the
/// builder's arguments, the spectrum, the start and the minimizer, never
/// the data), so that a shrunk counterexample reads well and can be
/// rebuilt with the builder named in `detail`.
#[derive(Clone)]
pub struct Convex {
    /// `"quadratic"`, `"logistic"` or `"softmax"`.
    pub kind: &'static str,
    /// The builder's call, such as `quadratic_problem(dim 3, kappa 10, top 2,
    /// seed 7)` (the start is the `start` field).
    pub detail: String,
    /// The loss.
    pub model: Model,
    /// Where a test starts an optimizer (one tensor per parameter).
    pub start: Vec<Tensor>,
    /// The unique minimizer (one tensor per parameter).
    pub minimizer: Vec<Tensor>,
    /// The loss at the minimizer.
    pub min_loss: f64,
    /// The eigenvalues of the Hessian at the minimizer, ascending.
    pub eigenvalues: Vec<f64>,
    /// The condition number of the Hessian at the minimizer (the largest
    /// eigenvalue over the smallest).
    pub condition: f64,
}

impl fmt::Debug for Convex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flat = |ts: &[Tensor]| ts.iter().flat_map(|t| t.data().to_vec()).collect::<Vec<f64>>();
        write!(
            f,
            "{} ({}): {} unknowns, condition {:.4}, eigenvalues {}, start {}, minimizer {}",
            self.kind,
            self.detail,
            self.eigenvalues.len(),
            self.condition,
            short(&self.eigenvalues),
            list(&flat(&self.start), |x| format!("{x:?}")),
            short(&flat(&self.minimizer)),
        )
    }
}

/// `[a, b, ...]` to five significant digits, the first 12 numbers only.
fn short(v: &[f64]) -> String {
    list(v, |x| format!("{x:.4e}"))
}

/// `[a, b, ...]` of the first 12 numbers, each by `item`, then how many in all.
fn list(v: &[f64], item: impl Fn(f64) -> String) -> String {
    let items: Vec<String> = v.iter().take(12).map(|&x| item(x)).collect();
    let more = if v.len() > 12 { format!(", ... ({} in all)", v.len()) } else { String::new() };
    format!("[{}{more}]", items.join(", "))
}

/// Quadratics `0.5 (x - x*)' A (x - x*)` (see [`quadratic_problem`]) in a
/// dimension from `dims`, with a condition number from `condition` and a
/// largest eigenvalue from `[0.5, 4]`, started in `[-2, 2]^dim`. Each is
/// drawn through numbers that shrink: the dimension toward the low end,
/// the condition number toward its low end, the largest eigenvalue toward
/// 0.5, the start toward 0.
pub fn quadratic(dims: RangeInclusive<usize>, condition: RangeInclusive<f64>) -> impl Strategy<Value = Convex> {
    let most = *dims.end();
    let (k0, k1) = (condition.start().max(1.0).ln(), condition.end().max(1.0).ln());
    let kappa = grid(0..=1024).prop_map(move |t| (k0 + (k1 - k0) * t).exp());
    (dims, kappa, grid(0..=3584).prop_map(|t| 0.5 + 3.5 * t), any::<u64>(), prop::collection::vec(centred(2.0), most))
        .prop_map(|(dim, kappa, top, seed, start)| quadratic_problem(dim, kappa, top, seed, &start))
}

/// Ridge logistic regressions (see [`logistic_problem`]) with a row count
/// from `rows`, a feature count from `features`, `lambda = 10^e` with `e`
/// from `[-2, 0]` (shrinking toward 1, the best conditioned), started in
/// `[-1, 1]^features`.
pub fn logistic(rows: RangeInclusive<usize>, features: RangeInclusive<usize>) -> impl Strategy<Value = Convex> {
    let most = *features.end();
    (rows, features, exponent(), any::<u64>(), prop::collection::vec(centred(1.0), most))
        .prop_map(|(n, p, e, seed, start)| logistic_problem(n, p, 10f64.powf(e), seed, &start))
}

/// Ridge softmax regressions (see [`softmax_problem`]) with a row count
/// from `rows`, a feature count from `features`, a class count from
/// `classes`, `lambda` as in [`logistic`], started in `[-1, 1]^(features
/// classes)`.
pub fn softmax(
    rows: RangeInclusive<usize>,
    features: RangeInclusive<usize>,
    classes: RangeInclusive<usize>,
) -> impl Strategy<Value = Convex> {
    let most = *features.end() * *classes.end();
    (rows, features, classes, exponent(), any::<u64>(), prop::collection::vec(centred(1.0), most))
        .prop_map(|(n, p, k, e, seed, start)| softmax_problem(n, p, k, 10f64.powf(e), seed, &start))
}

/// `k / n` for `k` in `range` (`n` its end): a number in `[0, 1]` drawn
/// through an integer, because proptest shrinks an integer by bisection
/// but a float only by trying its lowest value.
fn grid(range: RangeInclusive<u32>) -> impl Strategy<Value = f64> {
    let n = f64::from(*range.end());
    range.prop_map(move |k| f64::from(k) / n)
}

/// A number in `[-r, r]` on a grid of `r / 1024`, shrinking toward 0.
fn centred(r: f64) -> impl Strategy<Value = f64> {
    (-1024i32..=1024).prop_map(move |k| r * f64::from(k) / 1024.0)
}

/// An exponent in `[-2, 0]` on a grid of 1/512, shrinking toward 0.
fn exponent() -> impl Strategy<Value = f64> {
    (0u32..=1024).prop_map(|k| -f64::from(k) / 512.0)
}

/// One of the three at small sizes: quadratics in 1 to 6 unknowns with
/// condition numbers 1 to 100, regressions on 8 to 40 rows of 1 to 4
/// features (2 or 3 classes for softmax).
pub fn convex() -> impl Strategy<Value = Convex> {
    prop_oneof![quadratic(1..=6, 1.0..=100.0), logistic(8..=40, 1..=4), softmax(8..=40, 1..=4, 2..=3)]
}

/// `len` standard normal draws.
fn gaussian(rng: &mut StdRng, len: usize) -> Vec<f64> {
    (0..len).map(|_| StandardNormal.sample(rng)).collect()
}

/// A random orthogonal matrix: the product of `n` Householder reflections
/// `I - 2 v v' / (v' v)` with standard normal `v`.
fn orthogonal(n: usize, rng: &mut StdRng) -> Mat<f64> {
    let mut q = Mat::<f64>::identity(n, n);
    for _ in 0..n {
        let v = gaussian(rng, n);
        let vv: f64 = v.iter().map(|x| x * x).sum();
        // q <- q (I - 2 v v' / v'v), row by row.
        for i in 0..n {
            let qv: f64 = (0..n).map(|j| q[(i, j)] * v[j]).sum();
            (0..n).for_each(|j| q[(i, j)] -= 2.0 * qv * v[j] / vv);
        }
    }
    q
}

/// The quadratic `f(x) = 0.5 (x - x*)' A (x - x*)` in `dim` unknowns,
/// written `0.5 * sum(d * (A @ d))` with `d = x - x*` (`A`, `x*` data):
/// `A = Q diag(lambda) Q'` with eigenvalues log-spaced from `top / kappa`
/// to `top` (only `top` when `dim = 1`), `Q` (a product of `dim`
/// Householder reflections) and `x*` (standard normal) drawn from `seed`;
/// started at `start` (its first `dim` numbers, cycled). The minimum is 0.
pub fn quadratic_problem(dim: usize, kappa: f64, top: f64, seed: u64, start: &[f64]) -> Convex {
    let mut rng = StdRng::seed_from_u64(seed);
    let span = (dim - 1).max(1) as f64;
    let lambda: Vec<f64> = (0..dim).map(|i| top * kappa.powf((i + 1) as f64 / span - dim as f64 / span)).collect();
    let q = orthogonal(dim, &mut rng);
    let entry = |i: usize, j: usize| (0..dim).map(|k| q[(i, k)] * lambda[k] * q[(j, k)]).sum::<f64>();
    // Each entry once, so that A is exactly symmetric.
    let a = Mat::<f64>::from_fn(dim, dim, |i, j| entry(i.min(j), i.max(j)));
    let xs = gaussian(&mut rng, dim);
    let mut g = Graph::new();
    let x = g.param("x", Shape::Vector(dim)).unwrap();
    let am = g
        .data("A", Tensor::new(Shape::Matrix(dim, dim), (0..dim * dim).map(|k| a[(k / dim, k % dim)]).collect()))
        .unwrap();
    let xsn = g.data("xs", Tensor::vector(xs.clone())).unwrap();
    let d = g.sub(x, xsn).unwrap();
    let ad = g.matmul(am, d).unwrap();
    let dad = g.mul(d, ad).unwrap();
    let s = g.sum(dad, None).unwrap();
    let half = g.constant(0.5);
    let loss = g.mul(half, s).unwrap();
    let start = vec![Tensor::vector(cycled(start, dim))];
    let condition = lambda[dim - 1] / lambda[0];
    Convex {
        kind: "quadratic",
        detail: format!("quadratic_problem(dim {dim}, kappa {kappa}, top {top}, seed {seed})"),
        model: Model::new(g, loss, start.clone()).unwrap(),
        start,
        minimizer: vec![Tensor::vector(xs)],
        min_loss: 0.0,
        eigenvalues: lambda,
        condition,
    }
}

/// The first `len` numbers of `v`, cycled.
fn cycled(v: &[f64], len: usize) -> Vec<f64> {
    (0..len).map(|i| if v.is_empty() { 0.0 } else { v[i % v.len()] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Evaluator;

    /// The loss at `x + s u`.
    fn loss_at(ev: &mut Evaluator, x: &[Tensor], u: &[Tensor], s: f64) -> f64 {
        let moved: Vec<Tensor> = x.iter().zip(u).map(|(x, u)| x.zip_with(u, |a, b| a + s * b)).collect();
        ev.forward(&moved).item()
    }

    proptest! {
        #![proptest_config(crate::testing::config(32))]

        /// At the minimizer the gradient vanishes, the loss is `min_loss`,
        /// a step of 1e-4 along a unit direction `u` raises it, and the
        /// symmetric difference `(f(x + s u) + f(x - s u)) / 2 - f(x) = s^2
        /// / 2 u'Hu + O(s^4)` lies between `s^2 / 2` times the smallest and
        /// the largest eigenvalue.
        #[test]
        fn minimizers_are_stationary_and_minimal(c in convex(), dir in prop::collection::vec(-1.0f64..1.0, 12)) {
            let mut ev = Evaluator::new(&c.model.graph, c.model.loss);
            let zero: Vec<Tensor> = c.start.iter().map(|t| Tensor::zeros(t.shape())).collect();
            let scale = ev.value_and_grad(&zero).1.iter().map(|t| t.norm().powi(2)).sum::<f64>().sqrt().max(1.0);
            let (value, grad) = ev.value_and_grad(&c.minimizer);
            let gnorm = grad.iter().map(|t| t.norm().powi(2)).sum::<f64>().sqrt();
            prop_assert!(gnorm <= 1e-10 * scale, "gradient norm {gnorm} (scale {scale})");
            prop_assert_eq!(value, c.min_loss);
            let u = crate::testing::params_from(&c.model, &dir);
            let len = u.iter().map(|t| t.norm().powi(2)).sum::<f64>().sqrt();
            prop_assume!(len > 1e-3);
            let u: Vec<Tensor> = u.iter().map(|t| t.map(|v| v / len)).collect();
            let s = 1e-4;
            let (up, down) = (loss_at(&mut ev, &c.minimizer, &u, s), loss_at(&mut ev, &c.minimizer, &u, -s));
            prop_assert!(up > c.min_loss && down > c.min_loss, "{up}, {down} vs {}", c.min_loss);
            let curv = ((up + down) / 2.0 - c.min_loss) / (s * s / 2.0);
            let (lo, hi) = (c.eigenvalues[0], c.eigenvalues[c.eigenvalues.len() - 1]);
            prop_assert!(curv >= lo * (1.0 - 1e-3) && curv <= hi * (1.0 + 1e-3), "u'Hu = {curv} outside [{lo}, {hi}]");
        }

        /// The spectrum is what was asked for: a quadratic's condition lies
        /// in its range (1 in one unknown), and its largest eigenvalue in
        /// [0.5, 4].
        #[test]
        fn quadratics_have_the_drawn_spectrum(c in quadratic(1..=6, 2.0..=50.0)) {
            let top = c.eigenvalues[c.eigenvalues.len() - 1];
            prop_assert!((0.5..=4.0).contains(&top));
            let want = if c.eigenvalues.len() == 1 { 1.0..=1.0 } else { 2.0 * (1.0 - 1e-12)..=50.0 * (1.0 + 1e-12) };
            prop_assert!(want.contains(&c.condition), "{}", c.condition);
        }
    }

    proptest! {
        #![proptest_config(crate::testing::config(8))]

        /// Newton's method also converges on larger regressions.
        #[test]
        fn larger_regressions_are_solved(c in prop_oneof![logistic(100..=200, 5..=10), softmax(100..=200, 5..=8, 3..=5)]) {
            let mut ev = Evaluator::new(&c.model.graph, c.model.loss);
            let grad = ev.value_and_grad(&c.minimizer).1;
            let gnorm = grad.iter().map(|t| t.norm().powi(2)).sum::<f64>().sqrt();
            prop_assert!(gnorm <= 1e-10, "gradient norm {gnorm}");
        }
    }
}
