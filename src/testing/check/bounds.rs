//! Bounds hold: at a point and along a direction of a [`Case`], every
//! enclosure the MM methods use (SafeRate's degree-2 line bound, the
//! general pass at degrees 2 to 4, full MM's box and SafeCombination's
//! two-direction quadratic where they are cheap enough, the `bound`
//! command's 1-D enclosures for a one-scalar loss) contains the loss
//! evaluated in interval arithmetic at sampled points of its region.
//!
//! A failure is certain, never a rounding artefact: the sampled points are
//! exact in f64 (checked, else skipped as undecided), the loss there is an
//! interval that contains its exact value, and the enclosure at the point
//! is evaluated in interval arithmetic too; the two must not be disjoint.
//! Where the enclosure is finite but the loss is undefined at a sampled
//! point, that is a failure as well (the enclosure claims a value).

use proptest::test_runner::TestCaseError;

use super::case::{Case, exact_axpy};
use super::{Context, Tally};
use crate::bound;
use crate::{Interval, Tensor};

/// Points sampled along each region: `z = radius * j / SAMPLES`, `j = 0..=SAMPLES`.
const SAMPLES: u32 = 8;

/// One case: see the module's documentation.
pub(super) fn case(cx: &Context<'_>, c: &Case) -> Result<Tally, TestCaseError> {
    let mut t = Tally::default();
    let Some((x, _, g)) = cx.start(c) else {
        t.undecided += 1;
        return Ok(t);
    };
    let v = c.direction(cx.model, &g);
    let e = c.radius;
    let b = &cx.bounder;
    let region = Interval::new(0.0, e);
    let mut line: Vec<(&str, Vec<Interval>)> = vec![
        ("SafeRate's degree-2 bound", b.line2(&x, &v, e).to_vec()),
        ("degree 2", b.line::<3>(&x, &v, region).polys[0].c.to_vec()),
    ];
    if cx.small {
        line.push(("degree 3", b.line::<4>(&x, &v, region).polys[0].c.to_vec()));
        line.push(("degree 4", b.line::<5>(&x, &v, region).polys[0].c.to_vec()));
    }
    for j in 0..=SAMPLES {
        let z = e * f64::from(j) / f64::from(SAMPLES);
        let Some(y) = exact_axpy(&x, z, &v) else {
            t.undecided += 1;
            continue;
        };
        let fy = cx.value_at(&y);
        for (name, coef) in &line {
            let claim = horner(coef, Interval::point(z));
            t.judge(cx, fy, claim, &y, || format!("{name} along the direction over [0, {e}], at z = {z}"))?;
        }
    }
    if cx.small {
        quadratics(cx, c, &x, &v, &mut t)?;
    }
    if let Some(k) = cx.one_scalar_enclosures(&x, &v, e) {
        t.checks += k?;
    }
    Ok(t)
}

/// Full MM's box enclosure (every coordinate, where the loss has at most
/// [`FullMm::MAX_SCALARS`](crate::optim::FullMm::MAX_SCALARS) scalars)
/// and a two-direction one as SafeCombination forms it, at points of
/// their boxes along the case's direction with seeded signs.
fn quadratics(cx: &Context<'_>, c: &Case, x: &[Tensor], v: &[Tensor], t: &mut Tally) -> Result<(), TestCaseError> {
    let e = c.radius;
    let flips = |j: u32| -> Vec<Tensor> {
        // Signs from the direction's seed: a different corner per sample.
        let mut k = 0u32;
        v.iter()
            .map(|t| {
                t.map(|a| {
                    k += 1;
                    let bit = (c.dir.wrapping_mul(2654435761) ^ j.wrapping_mul(40503) ^ k.wrapping_mul(97)) >> 7 & 1;
                    if bit == 1 { -a } else { a }
                })
            })
            .collect()
    };
    if cx.box_fits {
        let dirs = crate::mm::full_mm::coordinate_directions(x);
        let flat: Vec<f64> = v.iter().flat_map(|t| t.data().iter().map(|a| (a * e).abs())).collect();
        let eta: Vec<Interval> = flat.iter().map(|&r| Interval::new(-r, r)).collect();
        let q = cx.bounder.quad(x, &dirs, &eta);
        for j in 0..=SAMPLES {
            let s = f64::from(j) / f64::from(SAMPLES);
            let w = flips(j);
            let Some(y) = exact_axpy(x, s * e, &w) else {
                t.undecided += 1;
                continue;
            };
            let at: Vec<f64> = w.iter().flat_map(|t| t.data().iter().map(|a| s * e * a)).collect();
            let fy = cx.value_at(&y);
            t.judge(cx, fy, q.at(&at), &y, || {
                format!("full MM's box enclosure (half-widths {e} |v|), at {s} of a corner")
            })?;
        }
    }
    let u = Case { dir: c.dir.wrapping_add(1), descent: false, ..c.clone() }.direction(cx.model, &[]);
    let q = cx.bounder.quad(x, &[v.to_vec(), u.clone()], &[Interval::new(-e, e), Interval::new(-e, e)]);
    for j in 0..=SAMPLES {
        let s = e * f64::from(j) / f64::from(SAMPLES);
        let (a, b) = if j % 2 == 0 { (s, -s / 2.0) } else { (-s / 2.0, s) };
        let Some(y) = exact_axpy(x, a, v).and_then(|p| exact_axpy(&p, b, &u)) else {
            t.undecided += 1;
            continue;
        };
        let fy = cx.value_at(&y);
        t.judge(cx, fy, q.at(&[a, b]), &y, || {
            format!("the two-direction enclosure over [-{e}, {e}]^2, at ({a}, {b})")
        })?;
    }
    Ok(())
}

/// `c0 + c1 z + ... + ck z^k` in interval arithmetic.
fn horner(c: &[Interval], z: Interval) -> Interval {
    c.iter().rev().fold(Interval::ZERO, |acc, &a| acc * z + a)
}

impl Context<'_> {
    /// For a loss of one scalar parameter: the `bound` command's
    /// enclosures of degrees 1 to 4 at the point, over `[0, e v]`, each
    /// decided exactly ([`Enclosure::holds_at`](bound::Enclosure::holds_at))
    /// at the sampled points. `None` for other losses; else the number of
    /// points decided.
    fn one_scalar_enclosures(&self, x: &[Tensor], v: &[Tensor], e: f64) -> Option<Result<u64, TestCaseError>> {
        if self.model.num_scalars() != 1 || self.model.init[0].shape() != crate::Shape::Scalar {
            return None;
        }
        let (x0, d) = (x[0].item(), e * v[0].item());
        let (lo, hi) = if d < 0.0 { (x0 + d, x0) } else { (x0, x0 + d) };
        if !(lo.is_finite() && hi.is_finite()) || lo > hi {
            return Some(Ok(0));
        }
        let mut n = 0;
        for k in 1..=4 {
            let enc = bound::taylor_bounds(&self.model.graph, self.model.loss, x0, (lo, hi), k);
            for j in 0..=SAMPLES {
                let at = lo + (hi - lo) * f64::from(j) / f64::from(SAMPLES);
                match enc.holds_at(&self.model.graph, self.model.loss, at) {
                    Some(false) => {
                        return Some(Err(TestCaseError::fail(format!(
                            "the degree-{k} enclosure at x0 = {x0} over [{lo}, {hi}] ({:?}) fails at x = {at}",
                            enc.coefficients
                        ))));
                    }
                    Some(true) => n += 1,
                    None => {}
                }
            }
        }
        Some(Ok(n))
    }
}

impl Tally {
    /// Compares the loss's enclosure `fy` at the point `y` with an
    /// enclosure's claim there.
    fn judge(
        &mut self,
        cx: &Context<'_>,
        fy: Interval,
        claim: Interval,
        y: &[Tensor],
        what: impl Fn() -> String,
    ) -> Result<(), TestCaseError> {
        if !claim.is_finite() {
            // Sound, but it claims nothing: undecided.
            self.undecided += 1;
            return Ok(());
        }
        if fy.is_finite() {
            self.checks += 1;
            if fy.intersect(claim).is_some() {
                return Ok(());
            }
            // Which one is wrong: the 256-bit value tells, where it can.
            let exact = cx.precise.then(|| crate::bound::precise_value(&cx.model.graph, cx.model.loss, y)).flatten();
            let why = match exact {
                Some(p) if p.intersect(claim).is_none() => {
                    format!("the loss is in {p} (256 bits; {fy} in f64 intervals) but the bound says {claim}")
                }
                Some(p) if p.intersect(fy).is_none() => {
                    format!(
                        "the loss's f64 interval value {fy} misses its 256-bit enclosure {p} (the bound says {claim})"
                    )
                }
                _ => format!("the loss is in {fy} but the bound says {claim}"),
            };
            return Err(TestCaseError::fail(format!("{}: {why}", what())));
        }
        if cx.undefined_at(y) {
            return Err(TestCaseError::fail(format!(
                "{}: the loss is undefined there but the bound says {claim}",
                what()
            )));
        }
        self.undecided += 1;
        Ok(())
    }
}

/// The zero direction of `x`'s shapes.
pub(super) fn zeros(x: &[Tensor]) -> Vec<Tensor> {
    x.iter().map(|t| Tensor::zeros(t.shape())).collect()
}
