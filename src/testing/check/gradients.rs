//! Gradients agree: at the point of a [`Case`], along its seeded
//! direction and along one coordinate, the reverse-mode directional
//! derivative, num-dual's (forward mode with `Dual64` over the whole
//! graph) and central differences, against the rigorous f64 interval
//! enclosure of the exact derivative.
//!
//! Tolerances follow the conditioning of each case, never a fixed
//! relative amount: a floating-point derivative may be off by a few widths
//! of the interval enclosure of the same derivative (which grows with
//! cancellation and with the size of what is summed) plus the rounding of
//! a sum of `n` terms, `(n + 1) eps sum |g_i v_i|`, plus a few ulps per node
//! of the slope's paths taken in absolute value (where they cancel, as in
//! `a + (D - a)`, each adds its own rounding). A central difference
//! over `[-h, h]` lies, in exact arithmetic, in the range of secant slopes
//! the degree-1 enclosure over that interval gives (which is wide where
//! the loss curves or kinks within `h`), plus the rounding of the two
//! values it divides by `2h`.

use proptest::test_runner::TestCaseError;

use super::case::{Case, exact_axpy};
use super::{Context, Tally};
use crate::eval::{directional_derivative, eval_dual};
use crate::{Interval, Tensor};

const EPS: f64 = f64::EPSILON;

/// The step of the central differences, along a direction whose elements
/// are about each parameter's scale.
const H: f64 = 1.0 / 1024.0;

/// One case: see the module's documentation.
pub(super) fn case(cx: &Context<'_>, c: &Case) -> Result<Tally, TestCaseError> {
    let model = cx.model;
    let mut t = Tally::default();
    let x = c.point(model);
    let (f, g) = cx.ev.borrow_mut().value_and_grad(&x);
    if !f.is_finite() || !g.iter().all(Tensor::is_finite) {
        t.undecided += 1;
        return Ok(t);
    }
    let random = Case { descent: false, ..c.clone() }.direction(model, &g);
    let n = model.num_scalars();
    let coord = c.coord as usize % n.max(1);
    let unit = unit_vector(&x, coord);
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
    let (exact, secants) = enclosures(cx, x, v);
    let slope = exact[1];
    if !slope.is_finite() {
        t.undecided += 1;
        return Ok(());
    }
    let n = cx.model.num_scalars() as f64;
    let nodes = cx.model.graph.reachable(cx.model.loss).len() as f64;
    let reverse: f64 = g.iter().zip(v).map(|(g, v)| g.dot(v)).sum();
    let terms: f64 = g.iter().zip(v).map(|(g, v)| g.map(f64::abs).dot(&v.map(f64::abs))).sum();
    let base = 4.0 * slope.width() + 4.0 * (n + 1.0) * EPS * terms + 1e-300;
    // The paths' term costs a pass over intervals: formed only where the
    // cheaper tolerance does not already settle it.
    let full = std::cell::OnceCell::new();
    let full = || *full.get_or_init(|| base + 4.0 * nodes * EPS * paths(cx, x, v));
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
    central(cx, (x, v), reverse, (base, &full), (exact[0], secants), what, t)
}

/// The central difference over `[-H, H]` against reverse mode.
fn central(
    cx: &Context<'_>,
    (x, v): (&[Tensor], &[Tensor]),
    reverse: f64,
    (base, full): (f64, &dyn Fn() -> f64),
    (value, secants): (Interval, Interval),
    what: &str,
    t: &mut Tally,
) -> Result<(), TestCaseError> {
    let (Some(yp), Some(ym)) = (exact_axpy(x, H, v), exact_axpy(x, -H, v)) else {
        t.undecided += 1;
        return Ok(());
    };
    let (fp, fm) = {
        let mut ev = cx.ev.borrow_mut();
        (ev.forward(&yp).item(), ev.forward(&ym).item())
    };
    if !(secants.is_finite() && value.is_finite() && fp.is_finite() && fm.is_finite()) {
        t.undecided += 1;
        return Ok(());
    }
    let cd = (fp - fm) / (2.0 * H);
    // Each value is off by about the width of the loss's enclosure (taken
    // at x, as the two points are H away) and an ulp or two of itself.
    let rounding = (8.0 * value.width() + 8.0 * EPS * (fp.abs() + fm.abs())) / (2.0 * H);
    let allowed = |tol: f64| secants.width() + rounding + tol + 1e-300;
    if (cd - reverse).abs() > allowed(base) && (cd - reverse).abs() > allowed(full()) {
        let allowed = allowed(full());
        return Err(TestCaseError::fail(format!(
            "along {what}: the central difference over [-{H}, {H}] is {cd:e} but reverse mode's derivative is {reverse:e} \
             (allowed {allowed:.2e}: the secant slopes there lie in {secants})"
        )));
    }
    t.checks += 1;
    Ok(())
}

/// The slope along `v` with every partial taken in absolute value (the
/// tangent seeded with `[-|v|, |v|]` over intervals: its radius is
/// multiplied by `|f'|` at each node and added where paths meet, never
/// cancelled). Where paths cancel (`a + (D - a)`), a floating-point
/// derivative is off by ulps of each path, a few per node on it; infinite
/// where it cannot be formed.
fn paths(cx: &Context<'_>, x: &[Tensor], v: &[Tensor]) -> f64 {
    use num_dual::Dual;
    let seeds: Vec<Vec<Dual<Interval>>> = x
        .iter()
        .zip(v)
        .map(|(x, v)| {
            let pairs = x.data().iter().zip(v.data());
            pairs.map(|(&x, &v)| Dual::new(Interval::point(x), Interval::new(-v.abs(), v.abs()))).collect()
        })
        .collect();
    eval_dual(&cx.model.graph, cx.model.loss, &seeds).map_or(f64::INFINITY, |d| d.eps.mag())
}

/// `[c0, c1]` at `x` along `v` (enclosures of the value and the exact
/// directional derivative; at a kink, of the one-sided derivatives along
/// `v` and `-v` and everything between), and the range of the secant slopes
/// `(f(x + z v) - f(x)) / z` over `0 < |z| <= H`: from the fused degree-2
/// bounds along `v` and `-v` over `[0, H]` (the secant along `v` lies in
/// `c1 + C2 z`), or the general pass (at `{0}` and over `[-H, H]`) where
/// the fused one does not cover the loss.
fn enclosures(cx: &Context<'_>, x: &[Tensor], v: &[Tensor]) -> ([Interval; 2], Interval) {
    let back: Vec<Tensor> = v.iter().map(|t| t.map(|a| -a)).collect();
    match (cx.bounder.fused2(x, v, H), cx.bounder.fused2(x, &back, H)) {
        (Some(a), Some(b)) => {
            let z = Interval::new(0.0, H);
            // At a kink the two one-sided slopes differ, and a derivative
            // (reverse mode's, num-dual's: a subgradient's) lies between.
            ([a[0], a[1].hull(-b[1])], (a[1] + a[2] * z).hull(-(b[1] + b[2] * z)))
        }
        _ => {
            let at = cx.bounder.line::<2>(x, v, Interval::ZERO).polys[0].c;
            (at, cx.bounder.line::<2>(x, v, Interval::new(-H, H)).polys[0].c[1])
        }
    }
}

/// The unit vector of flat coordinate `i` in `x`'s shapes.
fn unit_vector(x: &[Tensor], mut i: usize) -> Vec<Tensor> {
    x.iter()
        .map(|t| {
            let mut u = Tensor::zeros(t.shape());
            if i < t.shape().len() {
                u.data_mut()[i] = 1.0;
            }
            i = i.wrapping_sub(t.shape().len());
            u
        })
        .collect()
}
