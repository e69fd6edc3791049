//! Sharp 1-D Taylor enclosures of the primitives (autobound.md section 3):
//! the exact Taylor coefficients at a centre `c` and an interval for the
//! remainder ratio `R_k(y) = (sigma(y) - sum_{i<k} s_i (y - c)^i) / (y - c)^k`
//! over a region `Y`.
//!
//! Rule 1: where `sigma^(k)` is monotone, `R_k` is monotone the same way
//! and its ends give the sharp interval. Rule 2 (softplus at k = 2):
//! `sigma''` is even and peaks at 0, so `R_2` peaks at the mirror point
//! `-c`. Rule 3: where a tabulated extremum of `sigma^(k)` lies inside, the
//! range of `sigma^(k)` over `Y` (divided by k!) is used. Without a table,
//! that range comes from num-dual over intervals (the fallback). The
//! remainder ratio at a point is evaluated stably: the direct quotient
//! intersected with a short series whose remainder is a derivative range.

use crate::expr::Func;
use crate::interval::Interval;
use crate::prim::Prim;
use crate::prim::shape::{EXTREMUM_TOLERANCE, Shape, shape};

/// How many exact terms the series form of the ratio uses before its
/// derivative-range remainder.
const SERIES_TERMS: usize = 2;

/// The highest derivative order num-dual provides here.
const MAX_ORDER: usize = 9;

/// A 1-D enclosure: `s_0 .. s_{k-1}` (enclosures of the Taylor coefficients
/// at the centre) and the interval `s_k` for the remainder ratio.
#[derive(Clone, Debug, PartialEq)]
pub struct OneD {
    /// The Taylor coefficients `sigma^(p)(c) / p!`, `p < k`.
    pub s: Vec<Interval>,
    /// The interval containing `R_k(y)` for every `y` in the region.
    pub s_k: Interval,
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|i| i as f64).product()
}

/// The 1-D enclosure of `prim` at the centre `c` over the region `y`, at
/// degree `k` (`y` is widened to contain `c`).
///
/// The centre is an interval: the enclosure of an exact value `u0` that
/// rounding keeps from being known as a double (the value of an inner
/// expression). The coefficients enclose `sigma^(p)(u0) / p!` and `s_k`
/// encloses `R_k(y)` about `u0`, for every `u0` in `c`; so a composition
/// expands about the exact centre, and its low coefficients do not depend
/// on the region.
pub fn enclose(prim: Prim, c: Interval, y: Interval, k: usize) -> OneD {
    let y = y.hull(c);
    if k == 2
        && let Some((s0, s1, s_k)) = super::fast2::enclose2(prim, c, y)
    {
        return OneD { s: vec![s0, s1], s_k };
    }
    enclose_general(prim, c, y, k)
}

/// [`enclose`] by the general rules alone (no closed-form fast path).
pub(super) fn enclose_general(prim: Prim, c: Interval, y: Interval, k: usize) -> OneD {
    let y = y.hull(c);
    match prim {
        Prim::Func(Func::Abs) => return abs_rule(c, y, k),
        Prim::Func(Func::Relu) if y.hi() <= 0.0 => {
            // 0 on the region (and at every centre).
            return OneD { s: vec![Interval::ZERO; k], s_k: Interval::ZERO };
        }
        Prim::Func(Func::Relu) if y.lo() >= 0.0 => {
            // The identity on the region.
            let s = (0..k).map(|p| [c, Interval::ONE][..].get(p).copied().unwrap_or(Interval::ZERO)).collect();
            let s_k = match k {
                0 => y,
                1 => Interval::ONE,
                _ => Interval::ZERO,
            };
            return OneD { s, s_k };
        }
        Prim::Func(Func::Relu) => {
            // relu(x) = (x + |x|) / 2
            let a = abs_rule(c, y, k);
            let lin = |p: usize| match p {
                0 => c,
                1 => Interval::ONE,
                _ => Interval::ZERO,
            };
            let s = a.s.iter().enumerate().map(|(p, v)| (*v + lin(p)) * 0.5).collect();
            let s_k = if k == 0 { y.relu() } else { (a.s_k + lin(k)) * 0.5 };
            return OneD { s, s_k };
        }
        _ => {}
    }
    if k == 0 {
        return OneD { s: vec![], s_k: prim.value(y) };
    }
    let order = (k + SERIES_TERMS).min(MAX_ORDER);
    let at_c = prim.derivatives(c, order);
    let s: Vec<Interval> = (0..k).map(|p| at_c[p] / factorial(p)).collect();
    if !prim.smooth_on(y) || s.iter().any(|v| !v.is_finite()) {
        return OneD { s, s_k: Interval::ENTIRE };
    }
    let ctx = Ratio { prim, c, k, at_c: &at_c };
    // The derivative-range fallback, by num-dual over intervals.
    let fallback = || prim.dual_derivatives(y, k)[k] / factorial(k);
    let s_k = match shape(prim, k, y) {
        _ if prim == Prim::Func(Func::Softplus) && k == 2 => {
            // Rule 2: R_2 about u0 peaks at the mirror point -u0.
            let (ra, rb) = (ctx.at(Interval::point(y.lo())), ctx.at(Interval::point(y.hi())));
            let peak = ctx.at(mirror(c, y));
            Interval::new(ra.lo().min(rb.lo()), peak.hi())
        }
        Shape::Increasing => Interval::new(ctx.at(Interval::point(y.lo())).lo(), ctx.at(Interval::point(y.hi())).hi()),
        Shape::Decreasing => Interval::new(ctx.at(Interval::point(y.hi())).lo(), ctx.at(Interval::point(y.lo())).hi()),
        Shape::Extrema(_) => ctx.refine(y, derivative_range(prim, k, y) / factorial(k)),
        Shape::Unknown => ctx.refine(y, fallback()),
    };
    OneD { s, s_k }
}

/// The range of `sigma^(k)` over `y`: from the ends and the tabulated
/// extrema inside where the facts table knows the shape (sharp), else from
/// num-dual over intervals.
pub(super) fn derivative_range(prim: Prim, k: usize, y: Interval) -> Interval {
    let fallback = || prim.dual_derivatives(y, k)[k];
    if k == 0 || !prim.smooth_on(y) {
        return if k == 0 { prim.value(y) } else { fallback() };
    }
    let at = |x: Interval| prim.derivative(x, k);
    let ends = || at(Interval::point(y.lo())).hull(at(Interval::point(y.hi())));
    match shape(prim, k, y) {
        Shape::Increasing => Interval::new(at(Interval::point(y.lo())).lo(), at(Interval::point(y.hi())).hi()),
        Shape::Decreasing => Interval::new(at(Interval::point(y.hi())).lo(), at(Interval::point(y.lo())).hi()),
        Shape::Extrema(inside) => {
            let mut r = ends();
            for e in inside {
                let near = Interval::new(e - EXTREMUM_TOLERANCE, e + EXTREMUM_TOLERANCE);
                if let Some(e) = near.intersect(y) {
                    r = r.hull(at(e));
                }
            }
            r.intersect(fallback()).unwrap_or(r)
        }
        Shape::Unknown => fallback(),
    }
}

/// The mirror points `-u0` of the centres, clipped to `y`.
fn mirror(c: Interval, y: Interval) -> Interval {
    let clip = |t: f64| t.clamp(y.lo(), y.hi());
    Interval::new(clip(-c.hi()), clip(-c.lo()))
}

/// Evaluates the remainder ratio at single points (or thin intervals), stably.
struct Ratio<'a> {
    prim: Prim,
    c: Interval,
    k: usize,
    /// `sigma^(p)(c)` for `p = 0 ..= k + SERIES_TERMS` (as far as available).
    at_c: &'a [Interval],
}

impl Ratio<'_> {
    /// An interval containing `R_k(t)` about every centre in `c`, for every
    /// `t` in the (thin) interval `t`: the direct quotient intersected with
    /// the series `sum_{j<J} s_{k+j} d^j + sigma^(k+J)(hull(c, t)) / (k+J)! d^J`
    /// (`d = t - c`), which does not suffer the quotient's cancellation when
    /// `t` is close to `c`.
    fn at(&self, t: Interval) -> Interval {
        let (prim, c, k) = (self.prim, self.c, self.k);
        let d = t - c;
        let direct = if d.contains(0.0) {
            Interval::ENTIRE
        } else if prim == Prim::Pow(-1.0) {
            // 1/x: R_k(t) = (-1)^k / (c^k t), with no cancellation.
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            Interval::point(sign) / (c.powi(k as i32) * t)
        } else {
            let taylor: Interval = (0..k).map(|i| self.at_c[i] / factorial(i) * d.powi(i as i32)).sum();
            (prim.value(t) - taylor) / d.powi(k as i32)
        };
        let terms = (self.at_c.len() - 1).saturating_sub(k);
        // The quotient is accurate unless cancellation widened it.
        if terms == 0 || (direct.is_finite() && direct.width() <= 1e-9 * direct.mag()) {
            return direct;
        }
        let hull = c.hull(t);
        let mut series: Interval = (0..terms).map(|j| self.at_c[k + j] / factorial(k + j) * d.powi(j as i32)).sum();
        series += prim.derivative(hull, k + terms) / factorial(k + terms) * d.powi(terms as i32);
        direct.intersect(series).unwrap_or(direct)
    }

    /// Narrows `rough` toward the range of `R_k` over `y` (see `refine`).
    fn refine(&self, y: Interval, rough: Interval) -> Interval {
        let at = |t: Interval| self.at(t);
        let slope = |x: Interval| derivative_range(self.prim, self.k + 1, x) / factorial(self.k + 1);
        super::refine::Ratios { at: &at, slope: &slope, c: self.c }.refine(y, rough)
    }
}

/// abs: linear on each side of 0, so exact away from it; at degree 1 the
/// ratio is the increasing `sign`-like slope; at degree >= 2 with `c != 0`
/// the ratio is 0 on `c`'s side and `2|y| / (|y| + |c|)^k` (up to sign) on
/// the other, which peaks at `|y| = |c| / (k - 1)`. With `c = 0` and `Y`
/// across 0 no finite enclosure of degree >= 2 exists; nor where the
/// centre's sign is not known.
fn abs_rule(c: Interval, y: Interval, k: usize) -> OneD {
    let sign_c = if c.lo() > 0.0 {
        Interval::ONE
    } else if c.hi() < 0.0 {
        -Interval::ONE
    } else if c == Interval::ZERO {
        Interval::ZERO
    } else {
        Interval::new(-1.0, 1.0)
    };
    let exact = |p: usize| match p {
        0 => c.abs(),
        1 => sign_c,
        _ => Interval::ZERO,
    };
    let s: Vec<Interval> = (0..k).map(exact).collect();
    if k == 0 {
        return OneD { s, s_k: y.abs() };
    }
    let crosses = y.lo() < 0.0 && y.hi() > 0.0;
    if k == 1 {
        // Rule 1: abs' = sign increases, so R_1(t) = (|t| - |u0|) / (t - u0) does;
        // it is sign(u0) wherever t lies on u0's side, and always in [-1, 1].
        let r = |t: f64| {
            let unit = Interval::new(-1.0, 1.0);
            if c.lo() > 0.0 && t >= 0.0 || c.hi() < 0.0 && t <= 0.0 {
                return sign_c;
            }
            if c == Interval::ZERO && t != 0.0 {
                return Interval::point(t.signum());
            }
            let d = Interval::point(t) - c;
            if d.contains(0.0) {
                return unit;
            }
            ((Interval::point(t.abs()) - c.abs()) / d).intersect(unit).unwrap_or(unit)
        };
        return OneD { s, s_k: Interval::new(r(y.lo()).lo(), r(y.hi()).hi()) };
    }
    if c == Interval::ZERO && !crosses {
        // |x| is linear on the region: its one-sided slope.
        let mut s = s;
        s[1] = Interval::point(if y.lo() >= 0.0 { 1.0 } else { -1.0 });
        return OneD { s, s_k: Interval::ZERO };
    }
    if c.contains(0.0) {
        return OneD { s, s_k: Interval::ENTIRE };
    }
    if !crosses {
        return OneD { s, s_k: Interval::ZERO };
    }
    // The far side of 0 from u0: t = |y| in [0, far], g(t) = 2 t / (t + |u0|)^k,
    // peaking at t = |u0| / (k - 1); the sign of (y - u0)^k is (-1)^k for u0 > 0.
    let positive = c.lo() > 0.0;
    let far = if positive { -y.lo() } else { y.hi() };
    let a = c.abs();
    let t = (a / (k - 1) as f64).intersect(Interval::new(0.0, far)).unwrap_or(Interval::point(far));
    let peak = Interval::point(2.0) * t / (t + a).powi(k as i32);
    let g = Interval::new(0.0, peak.hi());
    let s_k = if positive && k % 2 == 1 { -g } else { g };
    OneD { s, s_k }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The enclosure about a centre that is a double.
    pub(super) fn enc(prim: Prim, c: f64, y: Interval, k: usize) -> OneD {
        enclose(prim, Interval::point(c), y, k)
    }

    fn i(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi)
    }

    fn close(a: Interval, lo: f64, hi: f64) -> bool {
        (a.lo() - lo).abs() <= 1e-9 * lo.abs().max(1e-12) && (a.hi() - hi).abs() <= 1e-9 * hi.abs().max(1e-12)
    }

    #[test]
    fn rule_1_values() {
        // exp at 0.5 over [-1, 2], k = 2: [R(-1), R(2)] with
        // R(y) = (e^y - e^0.5 - e^0.5 (y - 0.5)) / (y - 0.5)^2 (autobound.md 3.6).
        let e = 0.5f64.exp();
        let r = |y: f64| (y.exp() - e - e * (y - 0.5)) / (y - 0.5).powi(2);
        let got = enc(Prim::Func(Func::Exp), 0.5, i(-1.0, 2.0), 2);
        assert!(close(got.s_k, r(-1.0), r(2.0)), "{}", got.s_k);
        assert!(close(got.s_k, 0.5298845, 1.4521124) || (got.s_k.lo() - 0.5298845).abs() < 1e-7);
        // x^0.5 at 2 over [1, 3], k = 2: [R(1), R(3)] = [-0.0606602, -0.0357161].
        let got = enc(Prim::Pow(0.5), 2.0, i(1.0, 3.0), 2);
        let s2 = 2f64.sqrt();
        let r = |y: f64| (y.sqrt() - s2 - (y - 2.0) / (2.0 * s2)) / (y - 2.0).powi(2);
        assert!(close(got.s_k, r(1.0), r(3.0)), "{}", got.s_k);
        // 1/x at 2 over [1, 3], k = 2: [1/12, 1/4].
        let got = enc(Prim::Pow(-1.0), 2.0, i(1.0, 3.0), 2);
        assert!(close(got.s_k, 1.0 / 12.0, 0.25), "{}", got.s_k);
    }

    #[test]
    fn rule_2_softplus() {
        // softplus at 0 over [-1, 1], k = 2: upper end 1/8, at the mirror point 0.
        let got = enc(Prim::Func(Func::Softplus), 0.0, i(-1.0, 1.0), 2);
        assert!((got.s_k.hi() - 0.125).abs() < 1e-12, "{}", got.s_k);
        // at 0.7 (with -0.7 inside): (sigmoid(0.7) - 1/2) / (2 * 0.7) = 0.1201341
        let got = enc(Prim::Func(Func::Softplus), 0.7, i(-1.0, 1.0), 2);
        let want = (1.0 / (1.0 + (-0.7f64).exp()) - 0.5) / 1.4;
        assert!((got.s_k.hi() - want).abs() < 1e-12, "{}", got.s_k);
    }

    #[test]
    fn rule_3_refined() {
        // sigmoid at 0 over [-1, 1], k = 1: sigmoid' peaks inside, so rule 3 gives
        // the range of sigmoid' over the region, [sigmoid'(1), 1/4]; the ratio
        // R_1(y) = (sigmoid(y) - 1/2) / y itself ranges over [sigmoid(1) - 1/2, 1/4]
        // (its ends at y = +-1, its peak sigmoid'(0) = 1/4 at y -> 0), and the
        // refinement comes within a few percent of that width.
        let sharp_lo = 1.0 / (1.0 + (-1f64).exp()) - 0.5;
        let got = enc(Prim::Func(Func::Sigmoid), 0.0, i(-1.0, 1.0), 1);
        assert!(got.s_k.contains(0.25) && got.s_k.contains(sharp_lo), "{}", got.s_k);
        let width = 0.25 - sharp_lo;
        assert!(got.s_k.lo() >= sharp_lo - 0.05 * width && got.s_k.hi() <= 0.25 + 0.05 * width, "{}", got.s_k);
    }

    #[test]
    fn abs_rules() {
        // degree 1 at its kink: [-1, 1]; degree 2 at 1 over [-2, 2]: [0, 1/(2|x0|)].
        assert_eq!(enc(Prim::Func(Func::Abs), 0.0, i(-1.0, 2.0), 1).s_k, i(-1.0, 1.0));
        assert_eq!(enc(Prim::Func(Func::Abs), 1.0, i(-2.0, 2.0), 2).s_k, i(0.0, 0.5));
        assert_eq!(enc(Prim::Func(Func::Abs), 1.0, i(0.5, 2.0), 2).s_k, Interval::ZERO);
        assert_eq!(enc(Prim::Func(Func::Abs), 0.0, i(-1.0, 1.0), 2).s_k, Interval::ENTIRE);
        // relu = (x + |x|) / 2: half of abs's interval at degree 2.
        let relu = enc(Prim::Func(Func::Relu), -1.0, i(-2.0, 2.0), 2).s_k;
        assert!(crate::interval::close_to(relu, i(0.0, 0.25)), "{relu}");
    }

    #[test]
    fn domains_give_infinite_intervals() {
        assert_eq!(enc(Prim::Func(Func::Log), 0.5, i(-0.5, 1.0), 2).s_k, Interval::ENTIRE);
        assert_eq!(enc(Prim::Pow(-1.0), 0.5, i(-0.5, 1.0), 2).s_k, Interval::ENTIRE);
        assert_eq!(enc(Prim::Pow(-0.5), 0.5, i(-0.5, 1.0), 1).s_k, Interval::ENTIRE);
    }
}

#[cfg(test)]
mod rule_table {
    //! One row per primitive beyond the reference: the rule's interval
    //! against the remainder ratio's closed form at the points the rule
    //! picks, and a dense sampling of the ratio inside it.
    use super::tests::enc;
    use super::*;

    /// The remainder ratio `R_k(y)` in f64 from the Taylor coefficients.
    fn ratio(f: impl Fn(f64) -> f64, s: &[Interval], c: f64, y: f64, k: usize) -> f64 {
        let d = y - c;
        let p: f64 = s.iter().enumerate().map(|(i, v)| v.mid() * d.powi(i as i32)).sum();
        (f(y) - p) / d.powi(k as i32)
    }

    #[test]
    fn every_primitive_encloses_its_sampled_ratio_and_is_sharp_where_monotone() {
        type Row = (Prim, fn(f64) -> f64, f64, (f64, f64), usize, bool);
        let sp = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
        let rows: Vec<Row> = vec![
            // (primitive, f, c, region, k, sharp: the interval's ends are R at the region's ends)
            (Prim::Func(Func::Tanh), f64::tanh, 0.3, (0.1, 0.6), 2, true),
            (Prim::Func(Func::Tanh), f64::tanh, 1.5, (1.3, 2.5), 3, true),
            (Prim::Func(Func::Tanh), f64::tanh, 1.0, (0.8, 2.5), 3, false),
            (Prim::Func(Func::Sin), f64::sin, 0.5, (0.2, 1.2), 2, true),
            (Prim::Func(Func::Cos), f64::cos, 0.5, (0.2, 1.2), 2, true),
            (Prim::Func(Func::Sin), f64::sin, 1.0, (-2.0, 4.0), 2, false),
            (Prim::Func(Func::Log1p), f64::ln_1p, 0.5, (0.0, 2.0), 2, true),
            (Prim::Func(Func::Expm1), f64::exp_m1, -0.5, (-1.0, 1.0), 3, true),
            (Prim::Func(Func::Cbrt), f64::cbrt, -2.0, (-3.0, -1.0), 2, true),
            (Prim::Func(Func::Cbrt), f64::cbrt, 8.0, (1.0, 27.0), 2, true),
            (Prim::Pow(-2.0), |x: f64| x.powi(-2), -2.0, (-3.0, -1.0), 2, true),
            (Prim::Pow(1.5), |x: f64| x.powf(1.5), 1.0, (0.0, 4.0), 2, true),
            (Prim::Func(Func::Softplus), sp, 0.5, (-1.0, 3.0), 3, false),
            (Prim::Func(Func::Swish), |x: f64| x / (1.0 + (-x).exp()), 0.5, (-1.0, 1.0), 1, true),
            // sinh'' = sinh increases, and so does sinh''' = cosh on x > 0; cosh'' = cosh
            // has its minimum at 0.
            (Prim::Func(Func::Sinh), f64::sinh, 0.5, (-1.0, 2.0), 2, true),
            (Prim::Func(Func::Sinh), f64::sinh, 1.0, (0.5, 3.0), 3, true),
            (Prim::Func(Func::Sinh), f64::sinh, -1.0, (-3.0, 1.0), 3, false),
            (Prim::Func(Func::Cosh), f64::cosh, 1.0, (0.5, 3.0), 2, true),
            (Prim::Func(Func::Cosh), f64::cosh, 0.5, (-1.0, 2.0), 2, false),
            // tan'' increases between the poles; tan''' has its minimum at 0.
            (Prim::Func(Func::Tan), f64::tan, 0.3, (-1.2, 1.4), 2, true),
            (Prim::Func(Func::Tan), f64::tan, 2.0, (1.7, 2.8), 2, true),
            (Prim::Func(Func::Tan), f64::tan, 0.3, (-1.0, 1.2), 3, false),
            (Prim::Func(Func::Tan), f64::tan, 3.5, (3.3, 4.5), 3, true),
            // atan'' = -2x/(1+x^2)^2 and erf'' = -2x erf' peak inside; monotone beyond.
            (Prim::Func(Func::Atan), f64::atan, 0.3, (-2.0, 2.0), 1, false),
            (Prim::Func(Func::Atan), f64::atan, 2.0, (1.0, 4.0), 2, true),
            (Prim::Func(Func::Atan), f64::atan, 0.0, (-3.0, 3.0), 2, false),
            (Prim::Func(Func::Erf), libm::erf, 0.3, (-2.0, 2.0), 2, false),
            (Prim::Func(Func::Erf), libm::erf, 1.5, (1.0, 3.0), 2, true),
            (Prim::Func(Func::Erf), libm::erf, -0.5, (-1.0, 0.6), 3, false),
        ];
        for (prim, f, c, (a, b), k, sharp) in rows {
            let one = enc(prim, c, Interval::new(a, b), k);
            for j in 0..=400 {
                let y = a + (b - a) * f64::from(j) / 400.0;
                if (y - c).abs() < 1e-3 {
                    continue;
                }
                let r = ratio(f, &one.s, c, y, k);
                assert!(
                    one.s_k.lo() - 1e-9 <= r && r <= one.s_k.hi() + 1e-9,
                    "{prim:?} k={k}: R({y}) = {r} outside {}",
                    one.s_k
                );
            }
            if sharp {
                let (ra, rb) = (ratio(f, &one.s, c, a, k), ratio(f, &one.s, c, b, k));
                let (lo, hi) = (ra.min(rb), ra.max(rb));
                assert!(
                    (one.s_k.lo() - lo).abs() < 1e-9 && (one.s_k.hi() - hi).abs() < 1e-9,
                    "{prim:?} k={k}: {} vs [{lo}, {hi}]",
                    one.s_k
                );
            }
        }
    }

    #[test]
    fn abs_above_degree_one() {
        // k = 2 at c = -2 over [-3, 1]: the far side peaks at |y| = |c| / (k-1) = 2,
        // out of reach, so at y = 1: 2 |y| / (|y| + |c|)^2 = 2/9.
        let got = enc(Prim::Func(Func::Abs), -2.0, Interval::new(-3.0, 1.0), 2).s_k;
        assert!(got.lo() == 0.0 && (got.hi() - 2.0 / 9.0).abs() < 1e-15, "{got}");
        // k = 3 at c = 1 over [-2, 2]: t = |y| in [0, 2], 2t/(t+1)^3 peaks at t = 1/2
        // with 2 (1/2) / (3/2)^3 = 8/27; the sign of (y - c)^3 for y < 0 is negative.
        let got = enc(Prim::Func(Func::Abs), 1.0, Interval::new(-2.0, 2.0), 3).s_k;
        assert!((got.lo() + 8.0 / 27.0).abs() < 1e-15 && got.hi() == 0.0, "{got}");
    }
}
