//! Proximal MM: for a loss `smooth(x) + sum_i K_i(x_i)` with separable kink
//! terms ([`kinks`](super::kinks)), only the smooth part is majorized; the
//! kink terms enter each step's model exactly, and the model is minimized
//! exactly in each coordinate (soft-thresholding, generalized). The step
//! lands on a kink when that is best, which a quadratic majorizer of the
//! whole loss cannot do: at `x_i = a` no finite quadratic lies above
//! `|x_i - a|` with the linear coefficient 0.
//!
//! Two rules: [`box_plan`] (full MM's box over every coordinate, its box QP
//! solved by coordinate descent with each coordinate's pieces kept) and
//! [`ray_plan`] (the proximal gradient point with step `t` gives a ray;
//! the smooth part's degree-2 bound along it, plus the pieces along it,
//! is minimized exactly over the ray's breakpoints).

use super::full_mm::{coordinate_directions, majorant};
use super::kinks::{Kinks, argmin_1d};
use super::quadratic::sweep;
use crate::bound::{Bounder, Layout, QuadEnclosure};
use crate::expr::Graph;
use crate::interval::Interval;
use crate::tensor::{Tensor, flatten, unflatten};

/// Coordinate-descent sweeps at most, per box step.
const MAX_SWEEPS: usize = 2000;

/// The smooth part of a loss with kink terms: a bounder per summand.
#[derive(Clone, Debug)]
pub struct Smooth<'g> {
    /// The kink terms.
    pub kinks: Kinks,
    parts: Vec<(Bounder<'g>, f64)>,
}

impl<'g> Smooth<'g> {
    /// The smooth part of the loss whose kink terms are `kinks`.
    pub fn new(graph: &'g Graph, kinks: Kinks) -> Self {
        let parts = kinks.smooth.iter().map(|&(id, s)| (Bounder::new(graph, id), s)).collect();
        Smooth { kinks, parts }
    }

    /// The smooth part's degree-2 enclosure over `x + sum_i eta_i d_i`.
    pub fn quad(&self, x: &[Tensor], dirs: &[Vec<Tensor>], eta: &[Interval]) -> QuadEnclosure {
        let layout = Layout { m: dirs.len() };
        let mut out = QuadEnclosure { coef: vec![Interval::ZERO; layout.width()], layout, eta: eta.to_vec() };
        for (b, sign) in &self.parts {
            let e = b.quad(x, dirs, eta);
            for (o, c) in out.coef.iter_mut().zip(&e.coef) {
                *o += *c * *sign;
            }
        }
        out
    }

    /// An enclosure of the smooth part's value at `x`.
    pub fn value_at(&self, x: &[Tensor]) -> Interval {
        let still: Vec<Tensor> = x.iter().map(|t| Tensor::zeros(t.shape())).collect();
        self.parts.iter().map(|(b, sign)| b.line2(x, &still, 1.0)[0] * *sign).fold(Interval::ZERO, |a, b| a + b)
    }

    /// `[c0, c1, C2]` of the smooth part along
    /// `x + eta v`, `eta` in `[0, e]`.
    pub fn line2(&self, x: &[Tensor], v: &[Tensor], e: f64) -> [Interval; 3] {
        let mut out = [Interval::ZERO; 3];
        for (b, sign) in &self.parts {
            for (o, c) in out.iter_mut().zip(b.line2(x, v, e)) {
                *o += c * *sign;
            }
        }
        out
    }
}

/// A proximal step: the new parameters (flattened), and what the bound
/// promised.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxPlan {
    /// The new coordinates (equal to the old ones: no decrease promised).
    pub y: Vec<f64>,
    /// An upper bound on the loss at `y`, up to a constant (the constants
    /// beside kink pieces are left out of both bounds: only their
    /// difference, [`promised`](Self::promised), means anything).
    pub upper: f64,
    /// A lower bound on the loss at the start, up to the same constant.
    pub start: f64,
    /// Whether the start is a fixed point of the proximal map (no ray).
    pub fixed: bool,
    /// The step size along the ray (ray steps) or the largest coordinate
    /// move (box steps).
    pub size: f64,
}

impl ProxPlan {
    /// The decrease the bound guarantees.
    pub fn promised(&self) -> f64 {
        self.start - self.upper
    }

    /// The new parameters, shaped like `like`.
    pub fn params(&self, like: &[Tensor]) -> Vec<Tensor> {
        unflatten(&self.y, like)
    }
}

/// Proximal full MM over the box `x + [-r, r]`: the smooth part's majorant
/// `b . z + z^T M z` (as [`full_mm::plan`](super::full_mm::plan) makes it)
/// plus the exact kink terms, minimized by coordinate descent (each
/// coordinate exactly, so the model never increases). Kept only if the
/// enclosure at the new point, plus the kink terms there, promises a
/// strict decrease.
pub fn box_plan(smooth: &Smooth<'_>, x: &[Tensor], radii: &[f64]) -> ProxPlan {
    let x0 = flatten(x);
    let dirs = coordinate_directions(x);
    let eta: Vec<Interval> = radii.iter().map(|&r| Interval::new(-r, r)).collect();
    let enclosure = smooth.quad(x, &dirs, &eta);
    let at_start = enclosure.c() + smooth.kinks.enclose(&x0);
    let start = at_start.lo();
    let stay = ProxPlan { y: x0.clone(), upper: f64::INFINITY, start, size: 0.0, fixed: false };
    if !enclosure.coef.iter().all(|c| c.is_finite()) {
        return stay;
    }
    let (b, m) = majorant(&enclosure, radii);
    // Each coordinate's range, inside the box exactly: `y - x0` in `[-r, r]`
    // with no rounding (where `|x0| >> r`, `x0 - r` rounded can lie outside).
    let inside = |x: f64, r: f64| {
        let (mut lo, mut hi) = (x - r, x + r);
        while (Interval::point(lo) - Interval::point(x)).lo() < -r {
            lo = lo.next_up();
        }
        while (Interval::point(hi) - Interval::point(x)).hi() > r {
            hi = hi.next_down();
        }
        (lo, hi)
    };
    let ranges: Vec<(f64, f64)> = x0.iter().zip(radii).map(|(&x, &r)| inside(x, r)).collect();
    // Coordinate descent over the displacement z, each coordinate's new
    // value y_i (kept exactly: it may be a kink) from the 1-D rule.
    let mut y = x0.clone();
    let mut z = vec![0.0; x0.len()];
    sweep(&b, &m, &mut z, MAX_SWEEPS, |i, lin, quad, _| {
        let (lo, hi) = ranges[i];
        y[i] = argmin_1d(lin, quad, &smooth.kinks.pieces[i], x0[i], y[i], lo, hi);
        y[i] - x0[i]
    });
    let dz: Vec<Interval> = y.iter().zip(&x0).map(|(&a, &b)| Interval::point(a) - Interval::point(b)).collect();
    let upper = (enclosure.over(&dz) + smooth.kinks.enclose(&y)).hi();
    let size = z.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    let plan = ProxPlan { y, upper, start, size, fixed: false };
    if plan.promised() > 0.0 { plan } else { ProxPlan { upper: at_start.hi(), ..stay } }
}

/// The proximal gradient point with step `t`: per coordinate
/// `argmin_y g_i (y - x_i) + (y - x_i)^2 / (2t) + K_i(y)`.
pub fn prox_point(kinks: &Kinks, x: &[f64], g: &[f64], t: f64) -> Vec<f64> {
    let m = 0.5 / t;
    x.iter()
        .zip(g)
        .zip(&kinks.pieces)
        .map(|((&xi, &gi), p)| argmin_1d(gi, m, p, xi, xi, f64::NEG_INFINITY, f64::INFINITY))
        .collect()
}

/// Proximal SafeRate: the ray from `x` to the proximal gradient point `p`
/// with step `t` (`g` the smooth part's gradient), minimized exactly over `[0, 1]` by [`ray::plan`](super::ray::plan)
/// (a step of 1 lands on `p`, every coordinate that `p` puts on a kink
/// exactly there). A zero step marked `fixed`: `x` is `p` (a fixed point
/// of the proximal map; for convex pieces, of every `t`, up to rounding
/// when `t` is tiny).
pub fn ray_plan(smooth: &Smooth<'_>, x: &[Tensor], g: &[f64], t: f64) -> ProxPlan {
    let x0 = flatten(x);
    let p = prox_point(&smooth.kinks, &x0, g, t);
    let v: Vec<f64> = p.iter().zip(&x0).map(|(a, b)| a - b).collect();
    if v.iter().all(|&d| d == 0.0) {
        return ProxPlan { y: x0, upper: f64::INFINITY, start: f64::NEG_INFINITY, size: 0.0, fixed: true };
    }
    super::ray::plan(smooth, x, &v, 1.0, Some(&p))
}
