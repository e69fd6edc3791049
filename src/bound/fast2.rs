//! Degree-2 enclosures of the most common primitives (exp, log, softplus,
//! sigmoid, tanh) with closed forms: the hot path of SafeRate, where every
//! element of a hidden layer needs one. The rules are those of
//! `primitive` (rule 1 where `sigma''` is monotone, rule 2 for softplus);
//! the remainder ratio at a point is the direct quotient away from the
//! centre and a one-term series with a derivative-range remainder near it.
//! Anything else (an extremum of `sigma''` inside the region, a domain
//! boundary) is left to the general rules.

use super::derivs::Prim;
use crate::expr::Func;
use crate::interval::Interval;

/// Where `sigmoid''` has its extrema (`-ln(2 + sqrt 3)`: maximum, `+`: minimum).
const SIGMOID2_EXTREMUM: f64 = 1.316_957_896_924_816_7;
/// Where `tanh''` has its extrema (half of sigmoid's).
const TANH2_EXTREMUM: f64 = 0.658_478_948_462_408_4;
/// Tabulated locations are within an ulp; this margin keeps the monotone
/// cases clear of them.
const MARGIN: f64 = 1e-12;

/// `sigma, sigma', sigma'', sigma'''` over an interval.
fn derivs3(f: Func, x: Interval) -> [Interval; 4] {
    match f {
        Func::Exp => {
            let e = x.exp();
            [e, e, e, e]
        }
        Func::Log => {
            let r = x.recip();
            let r2 = r.sqr();
            [x.ln(), r, -r2, r2 * r * 2.0]
        }
        Func::Softplus | Func::Sigmoid => {
            let s = x.sigmoid();
            let one_minus = Interval::ONE - s;
            let d1 = s * one_minus;
            let d2 = d1 * (Interval::ONE - s * 2.0);
            let d3 = d1 * (Interval::ONE - s * 6.0 + s.sqr() * 6.0);
            if f == Func::Softplus { [x.softplus(), s, d1, d2] } else { [s, d1, d2, d3] }
        }
        Func::Tanh => {
            let t = x.tanh();
            let sech2 = Interval::ONE - t.sqr();
            [t, sech2, t * sech2 * -2.0, sech2 * (Interval::ONE - t.sqr() * 3.0) * -2.0]
        }
        _ => unreachable!("only the fast primitives"),
    }
}

/// The third derivative of `f` over an interval.
fn third(f: Func, x: Interval) -> Interval {
    match f {
        Func::Softplus => {
            let s = x.sigmoid();
            s * (Interval::ONE - s) * (Interval::ONE - s * 2.0)
        }
        _ => derivs3(f, x)[3],
    }
}

/// `sigma` over an interval.
fn value(f: Func, x: Interval) -> Interval {
    match f {
        Func::Exp => x.exp(),
        Func::Log => x.ln(),
        Func::Softplus => x.softplus(),
        Func::Sigmoid => x.sigmoid(),
        Func::Tanh => x.tanh(),
        _ => unreachable!("only the fast primitives"),
    }
}

/// `(s0, s1, S2)` for `prim` at `c` over `y` (which contains `c`), or `None`
/// where the general rules must decide.
pub fn enclose2(prim: Prim, c: f64, y: Interval) -> Option<(Interval, Interval, Interval)> {
    let Prim::Func(f) = prim else { return None };
    if !y.is_finite() {
        return None;
    }
    // Which way sigma'' runs on the region: Some(true) increasing, Some(false)
    // decreasing, None for softplus's rule 2.
    let increasing = match f {
        Func::Exp => Some(true),
        Func::Log if y.lo() > 0.0 => Some(true),
        Func::Softplus => None,
        Func::Sigmoid | Func::Tanh => {
            let e = if f == Func::Sigmoid { SIGMOID2_EXTREMUM } else { TANH2_EXTREMUM };
            if y.hi() < -e - MARGIN || y.lo() > e + MARGIN {
                Some(true)
            } else if y.lo() > -e + MARGIN && y.hi() < e - MARGIN {
                Some(false)
            } else {
                return None;
            }
        }
        _ => return None,
    };
    let (s0, s1, s2) = match f {
        Func::Softplus => {
            let (v, s) = logistic_at(c);
            (v, s, s * (Interval::ONE - s) * 0.5)
        }
        _ => {
            let at_c = derivs3(f, Interval::point(c));
            (at_c[0], at_c[1], at_c[2] * 0.5)
        }
    };
    let ratio = |t: f64| -> Interval {
        if t == c {
            return s2;
        }
        let d = Interval::point(t) - Interval::point(c);
        if d.mag() > 1e-4 * (1.0 + c.abs()) {
            // Far from the centre the quotient has little cancellation.
            let v = match f {
                Func::Softplus | Func::Sigmoid => value_slope(f, t).0,
                _ => value(f, Interval::point(t)),
            };
            (v - s0 - s1 * d) / d.sqr()
        } else {
            // R(t) = sigma''(c)/2 + sigma'''(xi)/6 (t - c) for some xi between.
            let hull = Interval::point(c).hull(Interval::point(t));
            s2 + third(f, hull) * d / 6.0
        }
    };
    let (ra, rb) = (ratio(y.lo()), ratio(y.hi()));
    let s_k = match increasing {
        Some(true) => Interval::new(ra.lo(), rb.hi()),
        Some(false) => Interval::new(rb.lo(), ra.hi()),
        None => {
            // Rule 2: softplus'' is even and peaks at 0, so R_2 peaks at -c.
            let m = (-c).clamp(y.lo(), y.hi());
            let peak = if m == y.lo() {
                ra
            } else if m == y.hi() {
                rb
            } else {
                ratio(m)
            };
            Interval::new(ra.lo().min(rb.lo()), peak.hi())
        }
    };
    Some((s0, s1, s_k))
}

/// `softplus(x)` and `sigmoid(x)` at a point from one `exp(-|x|)` and one
/// `log1p`, each widened by the error of the few operations involved.
fn logistic_at(x: f64) -> (Interval, Interval) {
    use crate::interval::{down_n, up_n};
    let e = (-x.abs()).exp();
    let sp = x.max(0.0) + e.ln_1p();
    let sig = if x >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
    let w = |v: f64, lo: f64, hi: f64| Interval::new(down_n(v, 8).max(lo), up_n(v, 8).min(hi));
    (w(sp, 0.0, f64::INFINITY), w(sig, 0.0, 1.0))
}

/// `sigma(x)` and `sigma'(x)` at a point, for the fast primitives.
fn value_slope(f: Func, x: f64) -> (Interval, Interval) {
    match f {
        Func::Softplus => logistic_at(x),
        Func::Sigmoid => {
            let (_, s) = logistic_at(x);
            (s, s * (Interval::ONE - s))
        }
        _ => {
            let d = derivs3(f, Interval::point(x));
            (d[0], d[1])
        }
    }
}

/// `prim(u)` for `u = u0 + u1 z + U z^2` over `z` in `[0, e]`, at degree 2,
/// for the fast primitives: `s0 + s1 D + S2 D^2` with `D = u - c` and the
/// sharp `D^2`: `z^2 (u1 + U z)^2` lies in `z^2 sq(u1 + U [0, e])`. Returns
/// the coefficients and the value range, or `None` to use the general path.
pub fn compose_nonneg(prim: Prim, u: [Interval; 3], y: Interval, e: f64) -> Option<([Interval; 3], Interval)> {
    let Prim::Func(f) = prim else { return None };
    if !matches!(f, Func::Exp | Func::Log | Func::Softplus | Func::Sigmoid | Func::Tanh)
        || !u[0].is_finite()
        || !y.is_finite()
    {
        return None;
    }
    if f == Func::Softplus {
        return Some(softplus_nonneg(u, y.hull(u[0]), e));
    }
    let c = u[0].mid();
    let y = y.hull(u[0]);
    let (s0, s1, s2) = enclose2(prim, c, y)?;
    let d0 = u[0] - c;
    let q = (u[1] + u[2] * Interval::new(0.0, e)).sqr();
    let r0 = s0 + s1 * d0 + s2 * d0.sqr();
    let r1 = s1 * u[1] + s2 * (d0 * u[1] * 2.0);
    let r2 = s1 * u[2] + s2 * (d0 * u[2] * 2.0 + q);
    let out = [r0, r1, r2];
    let (vl, _) = value_slope(f, y.lo());
    let (vh, _) = value_slope(f, y.hi());
    // Every fast primitive is increasing.
    let range = Interval::new(vl.lo(), vh.hi());
    let folded = super::range::fold_quadratic_nonneg(&out, e);
    Some((out, range.intersect(folded).unwrap_or(range)))
}

/// `softplus(u)` for `u = u0 + u1 z + U z^2`, `z` in `[0, e]`, at degree 2:
/// the same enclosure as [`compose_nonneg`] (rule 2 with stable ratios),
/// with every transcendental evaluated once: `exp` and `log1p` at the
/// centre and at the far end of the argument's range, `exp` at its near
/// end, and at the mirror point `-c` when it lies inside.
fn softplus_nonneg(u: [Interval; 3], y: Interval, e: f64) -> ([Interval; 3], Interval) {
    let c = u[0].mid();
    let (sp_c, s_c) = logistic_at(c);
    let s2 = s_c * (Interval::ONE - s_c) * 0.5;
    let near_limit = 1e-4 * (1.0 + c.abs());
    // R(t) and, where it was computed on the way, softplus(t).
    let ratio = |t: f64| -> (Interval, Option<Interval>) {
        if t == c {
            return (s2, Some(sp_c));
        }
        let d = Interval::point(t) - Interval::point(c);
        if d.mag() > near_limit {
            let (sp_t, _) = logistic_at(t);
            ((sp_t - sp_c - s_c * d) / d.sqr(), Some(sp_t))
        } else {
            // R(t) = s2 + softplus'''(xi)/6 d, softplus''' = s (1 - s)(1 - 2s).
            let (_, s_t) = logistic_at(t);
            let s = s_c.hull(s_t);
            let third = s * (Interval::ONE - s) * (Interval::ONE - s * 2.0);
            (s2 + third * d / 6.0, None)
        }
    };
    let (ra, va) = ratio(y.lo());
    let (rb, vb) = ratio(y.hi());
    let m = (-c).clamp(y.lo(), y.hi());
    let peak = if m == y.lo() {
        ra
    } else if m == y.hi() {
        rb
    } else {
        ratio(m).0
    };
    let s_k = Interval::new(ra.lo().min(rb.lo()), peak.hi());
    // softplus at the ends of the range: computed above, or from the enclosure itself.
    let at = |t: f64, v: Option<Interval>| {
        v.unwrap_or_else(|| {
            let d = Interval::point(t) - Interval::point(c);
            sp_c + s_c * d + s_k * d.sqr()
        })
    };
    let range = Interval::new(at(y.lo(), va).lo().max(0.0), at(y.hi(), vb).hi());
    let d0 = u[0] - c;
    let q = (u[1] + u[2] * Interval::new(0.0, e)).sqr();
    let r0 = sp_c + s_c * d0 + s_k * d0.sqr();
    let r1 = s_c * u[1] + s_k * (d0 * u[1] * 2.0);
    let r2 = s_c * u[2] + s_k * (d0 * u[2] * 2.0 + q);
    let out = [r0, r1, r2];
    let folded = super::range::fold_quadratic_nonneg(&out, e);
    (out, range.intersect(folded).unwrap_or(range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::primitive::enclose;

    /// The fast path agrees with the general rules: both are valid, and
    /// they coincide up to the general rules' extra series terms.
    #[test]
    fn agrees_with_the_general_rules() {
        let fs = [Func::Exp, Func::Log, Func::Softplus, Func::Sigmoid, Func::Tanh];
        let regions = [(0.5, 0.2, 1.5), (1.0, 1.0, 3.0), (0.3, -0.2, 0.9), (2.0, 1.9999, 2.0002), (-2.0, -3.0, -1.5)];
        for f in fs {
            for (c, lo, hi) in regions {
                let y = Interval::new(lo, hi);
                let Some((s0, s1, s2)) = enclose2(Prim::Func(f), c, y) else { continue };
                let general = enclose(Prim::Func(f), c, y, 2);
                assert!(s0.intersect(general.s[0]).is_some() && s1.intersect(general.s[1]).is_some(), "{f} at {c}");
                let (a, b) = (s2, general.s_k);
                let tol = 1e-9 * b.mag().max(1e-12);
                assert!(
                    (a.lo() - b.lo()).abs() <= tol && (a.hi() - b.hi()).abs() <= tol,
                    "{f} at {c} over {y}: {a} vs {b}"
                );
            }
        }
    }
}
