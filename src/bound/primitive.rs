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

use super::derivs::Prim;
use super::facts::{EXTREMUM_TOLERANCE, Shape, shape};
use crate::expr::Func;
use crate::interval::Interval;

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

/// Whether `y` stays where `sigma^(k)` is finite (for `k >= 1`).
fn in_domain(prim: Prim, y: Interval) -> bool {
    if !y.is_finite() {
        return false;
    }
    match prim {
        Prim::Func(Func::Log) => y.lo() > 0.0,
        Prim::Func(Func::Log1p) => y.lo() > -1.0,
        Prim::Func(Func::Cbrt) => !y.contains(0.0),
        Prim::Pow(q) if q.fract() != 0.0 => y.lo() >= 0.0,
        Prim::Pow(_) => !y.contains(0.0),
        _ => true,
    }
}

/// The 1-D enclosure of `prim` at the centre `c` over the region `y`, at
/// degree `k` (`y` is widened to contain `c`).
pub fn enclose(prim: Prim, c: f64, y: Interval, k: usize) -> OneD {
    let y = y.hull(Interval::point(c));
    if k == 2
        && let Some((s0, s1, s_k)) = super::fast2::enclose2(prim, c, y)
    {
        return OneD { s: vec![s0, s1], s_k };
    }
    match prim {
        Prim::Func(Func::Abs) => return abs_rule(c, y, k),
        Prim::Func(Func::Relu) => {
            // relu(x) = (x + |x|) / 2
            let a = abs_rule(c, y, k);
            let mut s: Vec<Interval> = a.s.iter().map(|v| *v * 0.5).collect();
            let lin = |p: usize| match p {
                0 => Interval::point(c),
                1 => Interval::ONE,
                _ => Interval::ZERO,
            };
            for (p, v) in s.iter_mut().enumerate() {
                *v += lin(p) * 0.5;
            }
            let s_k = if k == 0 { y.relu() } else { (a.s_k + lin(k)) * 0.5 };
            return OneD { s, s_k };
        }
        _ => {}
    }
    if k == 0 {
        return OneD { s: vec![], s_k: prim.value(y) };
    }
    let order = (k + SERIES_TERMS).min(MAX_ORDER);
    let at_c = prim.derivatives(Interval::point(c), order);
    let s: Vec<Interval> = (0..k).map(|p| at_c[p] / factorial(p)).collect();
    if !in_domain(prim, y) || s.iter().any(|v| !v.is_finite()) {
        return OneD { s, s_k: Interval::ENTIRE };
    }
    let ctx = Ratio { prim, c, k, at_c: &at_c };
    // The derivative-range fallback, by num-dual over intervals.
    let fallback = || prim.dual_derivatives(y, k)[k] / factorial(k);
    let s_k = match shape(prim, k, y) {
        _ if prim == Prim::Func(Func::Softplus) && k == 2 => {
            // Rule 2: [min(R(a), R(b)), R(clip(-c, a, b))].
            let (ra, rb) = (ctx.at(y.lo()), ctx.at(y.hi()));
            let mirror = (-c).clamp(y.lo(), y.hi());
            let peak = if mirror == y.lo() {
                ra
            } else if mirror == y.hi() {
                rb
            } else {
                ctx.at(mirror)
            };
            Interval::new(ra.lo().min(rb.lo()), peak.hi())
        }
        Shape::Increasing => Interval::new(ctx.at(y.lo()).lo(), ctx.at(y.hi()).hi()),
        Shape::Decreasing => Interval::new(ctx.at(y.hi()).lo(), ctx.at(y.lo()).hi()),
        Shape::Extrema(inside) => {
            // The exact range of sigma^(k) from the ends and the extrema inside.
            let at = |x: Interval| prim.derivatives(x, k)[k];
            let mut r = at(Interval::point(y.lo())).hull(at(Interval::point(y.hi())));
            for e in inside {
                let near = Interval::new(e - EXTREMUM_TOLERANCE, e + EXTREMUM_TOLERANCE);
                if let Some(e) = near.intersect(y) {
                    r = r.hull(at(e));
                }
            }
            let r = r / factorial(k);
            r.intersect(fallback()).unwrap_or(r)
        }
        Shape::Unknown => fallback(),
    };
    OneD { s, s_k }
}

/// Evaluates the remainder ratio at single points, stably.
struct Ratio<'a> {
    prim: Prim,
    c: f64,
    k: usize,
    /// `sigma^(p)(c)` for `p = 0 ..= k + SERIES_TERMS` (as far as available).
    at_c: &'a [Interval],
}

impl Ratio<'_> {
    /// An interval containing `R_k(y)`: the direct quotient intersected with
    /// the series `sum_{j<J} s_{k+j} d^j + sigma^(k+J)(hull(c, y)) / (k+J)! d^J`
    /// (`d = y - c`), which does not suffer the quotient's cancellation when
    /// `y` is close to `c`.
    fn at(&self, y: f64) -> Interval {
        let (prim, c, k) = (self.prim, self.c, self.k);
        if y == c {
            return self.at_c[k] / factorial(k);
        }
        let d = Interval::point(y) - Interval::point(c);
        let direct = if prim == Prim::Pow(-1.0) {
            // 1/x: R_k(y) = (-1)^k / (c^k y), with no cancellation.
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            Interval::point(sign) / (Interval::point(c).powi(k as i32) * Interval::point(y))
        } else {
            let taylor: Interval = (0..k).map(|i| self.at_c[i] / factorial(i) * d.powi(i as i32)).sum();
            (prim.value(Interval::point(y)) - taylor) / d.powi(k as i32)
        };
        let terms = (self.at_c.len() - 1).saturating_sub(k);
        // The quotient is accurate unless cancellation widened it.
        if terms == 0 || direct.width() <= 1e-9 * direct.mag() {
            return direct;
        }
        let hull = Interval::point(c).hull(Interval::point(y));
        let mut series: Interval = (0..terms).map(|j| self.at_c[k + j] / factorial(k + j) * d.powi(j as i32)).sum();
        series += prim.derivative(hull, k + terms) / factorial(k + terms) * d.powi(terms as i32);
        direct.intersect(series).unwrap_or(direct)
    }
}

/// abs: linear on each side of 0, so exact away from it; at degree 1 the
/// ratio is the increasing `sign`-like slope; at degree >= 2 with `c != 0`
/// the ratio is 0 on `c`'s side and `2|y| / (|y| + |c|)^k` (up to sign) on
/// the other, which peaks at `|y| = |c| / (k - 1)`. With `c = 0` and `Y`
/// across 0 no finite enclosure of degree >= 2 exists.
fn abs_rule(c: f64, y: Interval, k: usize) -> OneD {
    let sign_c = if c > 0.0 {
        1.0
    } else if c < 0.0 {
        -1.0
    } else {
        0.0
    };
    let exact = |p: usize| match p {
        0 => Interval::point(c.abs()),
        1 => Interval::point(sign_c),
        _ => Interval::ZERO,
    };
    let s: Vec<Interval> = (0..k).map(exact).collect();
    if k == 0 {
        return OneD { s, s_k: y.abs() };
    }
    let crosses = y.lo() < 0.0 && y.hi() > 0.0;
    if k == 1 {
        // Rule 1: abs' = sign increases, so R_1(y) = (|y| - |c|) / (y - c) does.
        let r = |t: f64| {
            if t != c {
                (Interval::point(t.abs()) - Interval::point(c.abs())) / (Interval::point(t) - Interval::point(c))
            } else if c == 0.0 {
                Interval::new(-1.0, 1.0)
            } else {
                Interval::point(sign_c)
            }
        };
        return OneD { s, s_k: Interval::new(r(y.lo()).lo(), r(y.hi()).hi()) };
    }
    if c == 0.0 && crosses {
        return OneD { s: vec![Interval::ZERO; k], s_k: Interval::ENTIRE };
    }
    if c == 0.0 || !crosses || (c > 0.0 && y.lo() >= 0.0) || (c < 0.0 && y.hi() <= 0.0) {
        // |x| is linear on the region.
        let mut s = s;
        if c == 0.0 && k >= 2 {
            s[1] = Interval::point(if y.lo() >= 0.0 { 1.0 } else { -1.0 });
        }
        return OneD { s, s_k: Interval::ZERO };
    }
    // The far side of 0 from c: t = |y| in [0, far], g(t) = 2 t / (t + |c|)^k,
    // peaking at t = |c| / (k - 1); the sign of (y - c)^k is (-1)^k for c > 0.
    let far = if c > 0.0 { -y.lo() } else { y.hi() };
    let a = Interval::point(c.abs());
    let t = Interval::point((c.abs() / (k - 1) as f64).min(far));
    let peak = Interval::point(2.0) * t / (t + a).powi(k as i32);
    let g = Interval::new(0.0, peak.hi());
    let s_k = if c > 0.0 && k % 2 == 1 { -g } else { g };
    OneD { s, s_k }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let got = enclose(Prim::Func(Func::Exp), 0.5, i(-1.0, 2.0), 2);
        assert!(close(got.s_k, r(-1.0), r(2.0)), "{}", got.s_k);
        assert!(close(got.s_k, 0.5298845, 1.4521124) || (got.s_k.lo() - 0.5298845).abs() < 1e-7);
        // x^0.5 at 2 over [1, 3], k = 2: [R(1), R(3)] = [-0.0606602, -0.0357161].
        let got = enclose(Prim::Pow(0.5), 2.0, i(1.0, 3.0), 2);
        let s2 = 2f64.sqrt();
        let r = |y: f64| (y.sqrt() - s2 - (y - 2.0) / (2.0 * s2)) / (y - 2.0).powi(2);
        assert!(close(got.s_k, r(1.0), r(3.0)), "{}", got.s_k);
        // 1/x at 2 over [1, 3], k = 2: [1/12, 1/4].
        let got = enclose(Prim::Pow(-1.0), 2.0, i(1.0, 3.0), 2);
        assert!(close(got.s_k, 1.0 / 12.0, 0.25), "{}", got.s_k);
    }

    #[test]
    fn rule_2_softplus() {
        // softplus at 0 over [-1, 1], k = 2: upper end 1/8, at the mirror point 0.
        let got = enclose(Prim::Func(Func::Softplus), 0.0, i(-1.0, 1.0), 2);
        assert!((got.s_k.hi() - 0.125).abs() < 1e-12, "{}", got.s_k);
        // at 0.7 (with -0.7 inside): (sigmoid(0.7) - 1/2) / (2 * 0.7) = 0.1201341
        let got = enclose(Prim::Func(Func::Softplus), 0.7, i(-1.0, 1.0), 2);
        let want = (1.0 / (1.0 + (-0.7f64).exp()) - 0.5) / 1.4;
        assert!((got.s_k.hi() - want).abs() < 1e-12, "{}", got.s_k);
    }

    #[test]
    fn rule_3_and_fallback() {
        // sigmoid at 0 over [-1, 1], k = 1: sigmoid' peaks inside, so the range of
        // sigmoid' over the region: [sigmoid'(1), 1/4].
        let s1 = 1.0 / (1.0 + (-1f64).exp());
        let got = enclose(Prim::Func(Func::Sigmoid), 0.0, i(-1.0, 1.0), 1);
        assert!((got.s_k.lo() - s1 * (1.0 - s1)).abs() < 1e-12 && (got.s_k.hi() - 0.25).abs() < 1e-12, "{}", got.s_k);
        assert!(got.s_k.contains(0.25) && got.s_k.contains(s1 * (1.0 - s1)));
    }

    #[test]
    fn abs_rules() {
        // degree 1 at its kink: [-1, 1]; degree 2 at 1 over [-2, 2]: [0, 1/(2|x0|)].
        assert_eq!(enclose(Prim::Func(Func::Abs), 0.0, i(-1.0, 2.0), 1).s_k, i(-1.0, 1.0));
        assert_eq!(enclose(Prim::Func(Func::Abs), 1.0, i(-2.0, 2.0), 2).s_k, i(0.0, 0.5));
        assert_eq!(enclose(Prim::Func(Func::Abs), 1.0, i(0.5, 2.0), 2).s_k, Interval::ZERO);
        assert_eq!(enclose(Prim::Func(Func::Abs), 0.0, i(-1.0, 1.0), 2).s_k, Interval::ENTIRE);
        // relu = (x + |x|) / 2: half of abs's interval at degree 2.
        let relu = enclose(Prim::Func(Func::Relu), -1.0, i(-2.0, 2.0), 2).s_k;
        assert!(crate::interval::close_to(relu, i(0.0, 0.25)), "{relu}");
    }

    #[test]
    fn domains_give_infinite_intervals() {
        assert_eq!(enclose(Prim::Func(Func::Log), 0.5, i(-0.5, 1.0), 2).s_k, Interval::ENTIRE);
        assert_eq!(enclose(Prim::Pow(-1.0), 0.5, i(-0.5, 1.0), 2).s_k, Interval::ENTIRE);
        assert_eq!(enclose(Prim::Pow(-0.5), 0.5, i(-0.5, 1.0), 1).s_k, Interval::ENTIRE);
    }
}

#[cfg(test)]
mod rule_table {
    //! One row per primitive beyond the reference: the rule's interval
    //! against the remainder ratio's closed form at the points the rule
    //! picks, and a dense sampling of the ratio inside it.
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
        ];
        for (prim, f, c, (a, b), k, sharp) in rows {
            let one = enclose(prim, c, Interval::new(a, b), k);
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
        let got = enclose(Prim::Func(Func::Abs), -2.0, Interval::new(-3.0, 1.0), 2).s_k;
        assert!(got.lo() == 0.0 && (got.hi() - 2.0 / 9.0).abs() < 1e-15, "{got}");
        // k = 3 at c = 1 over [-2, 2]: t = |y| in [0, 2], 2t/(t+1)^3 peaks at t = 1/2
        // with 2 (1/2) / (3/2)^3 = 8/27; the sign of (y - c)^3 for y < 0 is negative.
        let got = enclose(Prim::Func(Func::Abs), 1.0, Interval::new(-2.0, 2.0), 3).s_k;
        assert!((got.lo() + 8.0 / 27.0).abs() < 1e-15 && got.hi() == 0.0, "{got}");
    }
}
