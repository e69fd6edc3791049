//! AutoBound: Taylor enclosures of a graph over a trust region.
//!
//! This layer owns the table of function facts and the sharp 1-D rules
//! (`facts`, `primitive`, with branch and bound where no rule applies:
//! `refine`), enclosure arithmetic in one variable with sharp truncation
//! (`poly`, `range`), the pushforward of an enclosure through a graph
//! (`line`, and `quad` over several directions), the tight point pass at
//! 256 bits (`point`, `series`), and the public calls [`taylor_bounds`],
//! [`taylor_bounds_simplified`], [`precise_value`] and [`precise_taylor`].
//! Every bound holds in floating point (outward rounding throughout), and as
//! printed ([`Enclosure::holds_at`] decides it exactly); where none can be
//! formed the interval is infinite. It uses the `interval`, `tensor`, `expr`
//! and `eval` layers.
//!
//! ```
//! use majorize::{bound, lang};
//! // 1.5 exp(3x) - 25 x^2 at x0 = 0.5 over [0, 1], degree 2 (the reference's README case).
//! let m = lang::parse_inline("1.5*exp(3*x) - 25*x^2").unwrap();
//! let e = bound::taylor_bounds(&m.graph, m.loss, 0.5, (0.0, 1.0), 2);
//! assert!((e.coefficients[0].mid() - 0.4725336055070972).abs() < 1e-12);
//! assert!((e.upper(1.0) - 5.128305384781502).abs() < 1e-9); // tight at x = 1
//! assert!((e.lower(0.0) - 1.5).abs() < 1e-9);              // and at x = 0
//! // c0 = f(0.5) is not a double: an enclosure an ulp wide, and no number.
//! assert!(e.exact(0).is_none() && e.coefficients[0].width() <= 2.0 * f64::EPSILON);
//! assert_eq!(e.holds_at(&m.graph, m.loss, 0.9), Some(true)); // decided exactly
//! ```

mod defined;
mod fast2;
mod fused;
pub(crate) mod head;
mod ieval;
mod line;
pub(crate) mod point;
mod poly;
mod primitive;
mod quad;
mod quad_product;
mod range;
mod refine;
mod series;

pub use crate::prim::Prim;
pub use line::{Bounder, LineVal};
pub use poly::{MAX_DEGREE, Poly};
pub use primitive::{OneD, enclose};
pub use quad::{Layout, QuadEnclosure, QuadVal};

use crate::expr::{Graph, NodeId};
use crate::interval::{Dyadic, Interval};
use crate::simplify::Simplifier;
use crate::tensor::Tensor;

/// A degree-k Taylor enclosure of a scalar function of one variable at
/// `x0` over a region: `f(x0 + z)` lies in
/// `c_0 + c_1 z + ... + c_{k-1} z^{k-1} + [lo, hi] z^k` for every `z` in
/// `region`. Every coefficient is an interval; all but the last are thin
/// (a few ulps wide) enclosures of the exact Taylor coefficients.
#[derive(Clone, Debug, PartialEq)]
pub struct Enclosure {
    /// The expansion point.
    pub x0: f64,
    /// The region of `z = x - x0`.
    pub region: Interval,
    /// `c_0 .. c_k`.
    pub coefficients: Vec<Interval>,
}

impl Enclosure {
    /// The width of the last (interval) coefficient: `inf` if it is not finite.
    pub fn width(&self) -> f64 {
        self.coefficients.last().map_or(f64::INFINITY, |c| if c.is_finite() { c.width() } else { f64::INFINITY })
    }

    /// The degree k.
    pub fn degree(&self) -> usize {
        self.coefficients.len() - 1
    }

    /// The enclosure's interval at `x` (which should lie in the region).
    pub fn at(&self, x: f64) -> Interval {
        let z = Interval::point(x) - Interval::point(self.x0);
        self.coefficients.iter().rev().fold(Interval::ZERO, |acc, &c| acc * z + c)
    }

    /// An upper bound on `f(x)`.
    pub fn upper(&self, x: f64) -> f64 {
        self.at(x).hi()
    }

    /// A lower bound on `f(x)`.
    pub fn lower(&self, x: f64) -> f64 {
        self.at(x).lo()
    }

    /// Coefficient `i` as a number, where its enclosure is exactly one
    /// double (then the coefficient is that double); `None` where rounding
    /// or the region leave an interval, which
    /// [`coefficients`](Self::coefficients) gives.
    pub fn exact(&self, i: usize) -> Option<f64> {
        let c = self.coefficients[i];
        (c.is_point() && c.is_finite()).then(|| c.lo())
    }

    /// Whether every coefficient is finite.
    pub fn is_finite(&self) -> bool {
        self.coefficients.iter().all(|c| c.is_finite())
    }

    /// Whether the enclosure holds at `x`, decided exactly: the polynomial
    /// with these `f64` coefficients evaluated in exact arithmetic at
    /// `z = x - x0`, against `f(x)` enclosed to 256 bits (`graph` and `root`
    /// are the function the enclosure is of). `Some(true)` if `f(x)` lies
    /// between the bounds, `Some(false)` if it provably does not, `None`
    /// if undecided: `f` is undefined at `x`, or `f(x)` is within 2^-256 of
    /// a bound, or `x` lies outside the region (where nothing is claimed).
    pub fn holds_at(&self, graph: &Graph, root: NodeId, x: f64) -> Option<bool> {
        let z = Dyadic::from_f64(x)?.add(&Dyadic::from_f64(self.x0)?.neg());
        let inside = |end: f64, above: bool| Dyadic::from_f64(end).is_none_or(|e| if above { z <= e } else { e <= z });
        if !(inside(self.region.lo(), false) && inside(self.region.hi(), true)) {
            return None;
        }
        let (mut lo, mut hi) = (Dyadic::zero(), Dyadic::zero());
        let mut power = Dyadic::int(1);
        for (i, c) in self.coefficients.iter().enumerate() {
            if i > 0 {
                power = power.mul(&z);
            }
            if power.is_zero() {
                continue;
            }
            let (Some(a), Some(b)) = (Dyadic::from_f64(c.lo()), Dyadic::from_f64(c.hi())) else {
                return Some(true); // an infinite coefficient where z^i != 0 bounds nothing
            };
            let (a, b) = (a.mul(&power), b.mul(&power));
            let (a, b) = if power.signum() < 0 { (b, a) } else { (a, b) };
            lo = lo.add(&a);
            hi = hi.add(&b);
        }
        // Cheap first: f's f64 interval against the bounds rounded inward
        // (inside them: holds) and outward (outside them: fails).
        let f = Bounder::new(graph, root).line::<1>(&[Tensor::scalar(x)], &[Tensor::scalar(0.0)], Interval::ZERO).polys
            [0]
        .c[0];
        if f.is_finite() {
            if lo.to_f64(true) <= f.lo() && f.hi() <= hi.to_f64(false) {
                return Some(true);
            }
            if f.hi() < lo.to_f64(false) || f.lo() > hi.to_f64(true) {
                return Some(false);
            }
        }
        let f = point::coefficients_big(graph, root, &[Tensor::scalar(x)], &[Tensor::scalar(0.0)], 0)?.remove(0);
        if &lo <= f.lo() && f.hi() <= &hi {
            Some(true)
        } else if f.hi() < &lo || f.lo() > &hi {
            Some(false)
        } else {
            None
        }
    }
}

/// `f` at the parameters `params`, enclosed to an ulp or two: evaluated
/// with 256-bit dyadic intervals and rounded outward. `None` where `f` is
/// not defined there (or the graph is too large for this slow path).
pub fn precise_value(graph: &Graph, root: NodeId, params: &[Tensor]) -> Option<Interval> {
    let zero: Vec<Tensor> = params.iter().map(|t| Tensor::zeros(t.shape())).collect();
    precise_taylor(graph, root, params, &zero, 0).map(|c| c[0])
}

/// The Taylor coefficients `c_0 ..= c_order` of `f(x0 + z v)` at `z = 0`
/// (`c_1` is the directional derivative along `v`), each enclosed to an ulp
/// or two by 256-bit dyadic intervals. `None` where they do not exist (a
/// kink or a pole at `x0`, a derivative that is infinite) or the graph is
/// too large for this slow path.
///
/// # Panics
/// If `x0` or `v` do not match the parameters, or `order > MAX_DEGREE`.
pub fn precise_taylor(graph: &Graph, root: NodeId, x0: &[Tensor], v: &[Tensor], order: usize) -> Option<Vec<Interval>> {
    assert!(order <= MAX_DEGREE, "order {order} is above {MAX_DEGREE}");
    point::coefficients(graph, root, x0, v, order)
}

/// Dispatches a runtime degree to the const-generic engine.
macro_rules! by_degree {
    ($k:expr, $n:ident => $body:expr) => {
        match $k {
            0 => {
                const $n: usize = 1;
                $body
            }
            1 => {
                const $n: usize = 2;
                $body
            }
            2 => {
                const $n: usize = 3;
                $body
            }
            3 => {
                const $n: usize = 4;
                $body
            }
            4 => {
                const $n: usize = 5;
                $body
            }
            5 => {
                const $n: usize = 6;
                $body
            }
            6 => {
                const $n: usize = 7;
                $body
            }
            k => panic!("degree {k} is above the maximum {MAX_DEGREE}"),
        }
    };
}

/// The degree-`k` Taylor enclosure of the scalar `root`, a function of the
/// graph's single scalar parameter, at `x0` over `[lo, hi]` (which must
/// contain `x0`), in the spirit of the reference's
/// `taylor_bounds(f, k)(x0, region)`.
///
/// # Panics
/// If the graph does not have exactly one scalar parameter, `root` is not
/// a scalar, `[lo, hi]` does not contain `x0`, or `k > MAX_DEGREE`.
#[track_caller]
pub fn taylor_bounds(graph: &Graph, root: NodeId, x0: f64, (lo, hi): (f64, f64), k: usize) -> Enclosure {
    assert!(lo <= x0 && x0 <= hi, "the region [{lo}, {hi}] must contain x0 = {x0}");
    assert_eq!(graph.params().len(), 1, "one scalar parameter");
    let region = Interval::new(lo, hi) - Interval::point(x0);
    // Where f(x0) itself is undefined (a pole times 0, say) there is no
    // Taylor polynomial at x0: every coefficient is unknown.
    if !crate::eval::Evaluator::new(graph, root).forward(&[Tensor::scalar(x0)]).item().is_finite() {
        return Enclosure { x0, region, coefficients: vec![Interval::ENTIRE; k + 1] };
    }
    let bounder = Bounder::new(graph, root);
    let (x, v) = ([Tensor::scalar(x0)], [Tensor::scalar(1.0)]);
    let mut coefficients = along(&bounder, &x, &v, region, k);
    // The point coefficients depend on x0 alone: a tight pass at x0 gives
    // them to an ulp or two. Both enclose the exact coefficients (the
    // region pass expands about exact centres), so their intersection does.
    if k > 0
        && let Some(tight) = point::coefficients(graph, root, &x, &v, k - 1)
    {
        for (c, t) in coefficients.iter_mut().zip(tight) {
            debug_assert!(c.intersect(t).is_some(), "two enclosures of one coefficient: {c} and {t}");
            *c = c.intersect(t).unwrap_or(c.hull(t));
        }
    }
    Enclosure { x0, region, coefficients }
}

/// [`taylor_bounds`] of the expression and of its simplified form
/// ([`Simplifier`]), keeping the narrower. Both are sound, so the choice is,
/// and simplification never makes the bound wider. The second value says
/// whether the simplified form was kept.
///
/// # Panics
/// As [`taylor_bounds`].
pub fn taylor_bounds_simplified(
    graph: &Graph,
    root: NodeId,
    x0: f64,
    region: (f64, f64),
    k: usize,
) -> (Enclosure, bool) {
    let original = taylor_bounds(graph, root, x0, region, k);
    let s = Simplifier::default().run(graph, root);
    if !s.report.changed {
        return (original, false);
    }
    let simplified = taylor_bounds(&s.graph, s.root, x0, region, k);
    if simplified.width() <= original.width() { (simplified, true) } else { (original, false) }
}

/// The coefficients of the scalar root's degree-`k` enclosure when every
/// parameter moves as `x0 + z v` with `z` in `region`.
///
/// # Panics
/// If the root is not a scalar or `k > MAX_DEGREE`.
#[track_caller]
pub fn along(bounder: &Bounder<'_>, x0: &[Tensor], v: &[Tensor], region: Interval, k: usize) -> Vec<Interval> {
    by_degree!(k, N => {
        let out = bounder.line::<N>(x0, v, region);
        assert_eq!(out.polys.len(), 1, "the root must be a scalar");
        out.polys[0].c.to_vec()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_inline;

    /// No Taylor polynomial exists where f(x0) is undefined, even when
    /// interval arithmetic would multiply a pole by an exact 0.
    #[test]
    fn undefined_at_x0_gives_unknown_coefficients() {
        let m = parse_inline("x^-1 * x^2").unwrap();
        let e = taylor_bounds(&m.graph, m.loss, 0.0, (0.0, 1.0), 2);
        assert!(e.coefficients.iter().all(|c| *c == Interval::ENTIRE), "{:?}", e.coefficients);
        let e = taylor_bounds(&m.graph, m.loss, 0.5, (0.25, 1.0), 2);
        assert!(e.coefficients[0].contains(0.5) && e.coefficients[1].contains(1.0));
    }
}
