//! Gradients agree: at the point of a [`Case`], along its seeded
//! direction and along one coordinate, the reverse-mode directional
//! derivative, num-dual's (forward mode with `Dual64` over the whole
//! graph) and central differences, against the rigorous f64 interval
//! enclosure of the exact derivative.
//!
//! Tolerances follow the conditioning of each case, never a fixed
//! relative amount: a floating-point derivative may be off by a few widths
//! of the interval enclosure of the same derivative (its rounding, which
//! grows with cancellation and with the size of what is summed; at a kink
//! the derivative may be any subgradient, between the one-sided slopes)
//! plus the rounding of a sum of `n` terms, `(n + 1) eps sum |g_i v_i|`,
//! plus a few ulps per node of the slope's paths taken in absolute value
//! (where they cancel, as in `a + (D - a)`, each adds its own rounding).
//! The central difference over `[-h, h]` is formed in interval arithmetic
//! from the loss's enclosures at `x +- h v`, so that it contains the exact
//! one; that lies among the secant slopes the degree-2 bounds along `v`
//! and `-v` give (a range that is wide where the loss curves or kinks
//! within `h`), and so within their width of the exact derivative.

use proptest::test_runner::TestCaseError;

use super::case::{Case, exact_axpy};
use super::{Context, Tally};
use crate::eval::directional_derivative;
use crate::{Interval, Tensor};

const EPS: f64 = f64::EPSILON;

/// The step of the central differences, along a direction whose elements
/// are about each parameter's scale.
const H: f64 = 1.0 / 1024.0;

/// One case: see the module's documentation.
pub(super) fn case(cx: &Context<'_>, c: &Case) -> Result<Tally, TestCaseError> {
    let model = cx.model;
    let mut t = Tally::default();
    let Some((x, f, g)) = cx.start(c) else {
        t.undecided += 1;
        return Ok(t);
    };
    let random = Case { descent: false, ..c.clone() }.direction(model, &g);
    let n = model.num_scalars();
    let coord = c.coord as usize % n.max(1);
    let unit = unit_vector(&x, &model.init, coord);
    let name = |i: usize| {
        let mut i = i;
        for (p, t) in model.graph.params().iter().zip(&x) {
            if i < t.shape().len() {
                return if t.shape().len() == 1 { p.name.clone() } else { format!("{}[{i}] (row-major)", p.name) };
            }
            i -= t.shape().len();
        }
        unreachable!("a coordinate within the parameters")
    };
    for (what, v) in [("the seeded direction".to_string(), random), (format!("coordinate {}", name(coord)), unit)] {
        direction(cx, &x, f, &g, &v, &what, &mut t)?;
    }
    Ok(t)
}

fn direction(
    cx: &Context<'_>,
    x: &[Tensor],
    f: f64,
    g: &[Tensor],
    v: &[Tensor],
    what: &str,
    t: &mut Tally,
) -> Result<(), TestCaseError> {
    let (exact, secants, rounding) = enclosures(cx, x, v);
    let slope = exact[1];
    if !slope.is_finite() {
        t.undecided += 1;
        return Ok(());
    }
    let n = cx.model.num_scalars() as f64;
    let nodes = cx.model.graph.reachable(cx.model.loss).len() as f64;
    let reverse: f64 = g.iter().zip(v).map(|(g, v)| g.dot(v)).sum();
    let terms: f64 = g.iter().zip(v).map(|(g, v)| g.map(f64::abs).dot(&v.map(f64::abs))).sum();
    let base = 4.0 * rounding + 4.0 * (n + 1.0) * EPS * terms + 1e-300;
    // The paths' term costs a pass over intervals: formed only where the
    // cheaper tolerance does not already settle it.
    let full = std::cell::OnceCell::new();
    let full = || *full.get_or_init(|| base + 4.0 * nodes * EPS * super::super::absolute_slope(cx.model, x, v));
    let within = |y: f64, i: Interval, tol: f64| i.lo() - tol <= y && y <= i.hi() + tol;
    let outside = |y: f64, i: Interval| (!within(y, i, base) && !within(y, i, full())).then(full);
    if let Some(tol) = outside(reverse, slope) {
        return Err(TestCaseError::fail(format!(
            "along {what}: reverse mode's derivative {reverse:e} is outside the exact one's enclosure {slope} (tolerance {tol:.2e})"
        )));
    }
    t.checks += 1;
    match directional_derivative(&cx.model.graph, cx.model.loss, x, v) {
        Some((value, d)) if value.is_finite() && d.is_finite() => {
            let vtol = 4.0 * exact[0].width() + 8.0 * EPS * f.abs() + 1e-300;
            if !within(value, exact[0], vtol) {
                return Err(TestCaseError::fail(format!(
                    "num-dual's value {value:e} is outside the loss's enclosure {} (tolerance {vtol:.2e})",
                    exact[0]
                )));
            }
            if let Some(tol) = outside(d, slope) {
                return Err(TestCaseError::fail(format!(
                    "along {what}: num-dual's derivative {d:e} is outside the exact one's enclosure {slope} (tolerance {tol:.2e})"
                )));
            }
            t.checks += 2;
        }
        _ => t.undecided += 1,
    }
    central(cx, (x, v), reverse, (base, &full), secants, what, t)
}

/// The central difference over `[-H, H]` against reverse mode: in
/// interval arithmetic from the loss's enclosures at `x +- H v`, so that
/// it contains the exact difference; that lies among the secant slopes,
/// within their width of the exact derivative.
fn central(
    cx: &Context<'_>,
    (x, v): (&[Tensor], &[Tensor]),
    reverse: f64,
    (base, full): (f64, &dyn Fn() -> f64),
    secants: Interval,
    what: &str,
    t: &mut Tally,
) -> Result<(), TestCaseError> {
    let (Some(yp), Some(ym)) = (exact_axpy(x, H, v), exact_axpy(x, -H, v)) else {
        t.undecided += 1;
        return Ok(());
    };
    let cd = (cx.value_at(&yp) - cx.value_at(&ym)) / Interval::point(2.0 * H);
    if !(secants.is_finite() && cd.is_finite()) {
        t.undecided += 1;
        return Ok(());
    }
    if cd.intersect(secants).is_none() {
        return Err(TestCaseError::fail(format!(
            "along {what}: the central difference over [-{H}, {H}] lies in {cd}, outside the secant slopes' enclosure {secants}"
        )));
    }
    let gap = (cd.lo() - reverse).max(reverse - cd.hi()).max(0.0);
    let allowed = |tol: f64| secants.width() + tol;
    if gap > allowed(base) && gap > allowed(full()) {
        return Err(TestCaseError::fail(format!(
            "along {what}: the central difference over [-{H}, {H}] lies in {cd} but reverse mode's derivative is {reverse:e} \
             (allowed {:.2e}: the secant slopes there lie in {secants})",
            allowed(full())
        )));
    }
    t.checks += 1;
    Ok(())
}

/// `[c0, c1]` at `x` along `v` (enclosures of the value and the exact
/// directional derivative; at a kink, of the one-sided derivatives along
/// `v` and `-v` and everything between), the width of rounding in `c1`
/// (not the jump of a kink), and the range of the secant slopes
/// `(f(x + z v) - f(x)) / z` over `0 < |z| <= H`: from the fused degree-2
/// bounds along `v` and `-v` over `[0, H]` (the secant along `v` lies in
/// `c1 + C2 z`), or the general pass (at `{0}` and over `[-H, H]`) where
/// the fused one does not cover the loss.
fn enclosures(cx: &Context<'_>, x: &[Tensor], v: &[Tensor]) -> ([Interval; 2], Interval, f64) {
    let back: Vec<Tensor> = v.iter().map(|t| t.map(|a| -a)).collect();
    match (cx.bounder.fused2(x, v, H), cx.bounder.fused2(x, &back, H)) {
        (Some(a), Some(b)) => {
            let z = Interval::new(0.0, H);
            // At a kink the two one-sided slopes differ, and a derivative
            // (reverse mode's, num-dual's: a subgradient's) lies between.
            ([a[0], a[1].hull(-b[1])], (a[1] + a[2] * z).hull(-(b[1] + b[2] * z)), a[1].width().max(b[1].width()))
        }
        _ => {
            let at = cx.bounder.line::<2>(x, v, Interval::ZERO).polys[0].c;
            (at, cx.bounder.line::<2>(x, v, Interval::new(-H, H)).polys[0].c[1], at[1].width())
        }
    }
}

/// Flat coordinate `i` in `x`'s shapes, as the power of two nearest below
/// its parameter's scale (of the initial values `init`).
fn unit_vector(x: &[Tensor], init: &[Tensor], mut i: usize) -> Vec<Tensor> {
    x.iter()
        .zip(init)
        .map(|(t, t0)| {
            let mut u = Tensor::zeros(t.shape());
            if i < t.shape().len() {
                u.data_mut()[i] = 2f64.powi(super::case::scale(t0).log2().floor() as i32);
            }
            i = i.wrapping_sub(t.shape().len());
            u
        })
        .collect()
}
