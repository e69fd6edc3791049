//! Degree-2 enclosures of the most common primitives (exp, log, softplus,
//! sigmoid, tanh) with closed forms: the hot path of SafeRate, where every
//! element of a hidden layer needs one. The rules are those of
//! `primitive` (rule 1 where `sigma''` is monotone, rule 2 for softplus);
//! the remainder ratio at a point is the direct quotient away from the
//! centre and a one-term series with a derivative-range remainder near it.
//! Anything else (an extremum of `sigma''` inside the region, a domain
//! boundary) is left to the general rules.

use crate::expr::Func;
use crate::interval::Interval;
use crate::prim::Prim;
use crate::prim::derivs::Logistic;
use crate::prim::point;
use crate::prim::shape::second_derivative_monotone;

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
            let l = Logistic::new(x);
            let d = [l.deriv(0), l.deriv(1), l.deriv(2), l.deriv(3)];
            if f == Func::Softplus { [x.softplus(), d[0], d[1], d[2]] } else { d }
        }
        Func::Tanh => {
            // tanh^(p)(x) = 2^(p+1) sigmoid^(p)(2x)
            let l = Logistic::new(x * 2.0);
            [x.tanh(), l.deriv(1) * 4.0, l.deriv(2) * 8.0, l.deriv(3) * 16.0]
        }
        _ => unreachable!("only the fast primitives"),
    }
}

/// The third derivative of `f` over an interval.
fn third(f: Func, x: Interval) -> Interval {
    match f {
        Func::Softplus => Logistic::new(x).deriv(2),
        _ => derivs3(f, x)[3],
    }
}

/// `(s0, s1, S2)` for `prim` about every centre in `c` over `y` (which
/// contains `c`), or `None` where the general rules must decide.
pub fn enclose2(prim: Prim, c: Interval, y: Interval) -> Option<(Interval, Interval, Interval)> {
    let Prim::Func(f) = prim else { return None };
    if !y.is_finite() {
        return None;
    }
    // Which way sigma'' runs on the region: Some(true) increasing, Some(false)
    // decreasing, None for softplus's rule 2.
    let increasing = match f {
        Func::Softplus => None,
        _ => Some(second_derivative_monotone(f, y)?),
    };
    let (s0, s1, s2) = match f {
        Func::Softplus => {
            let (v, s) = logistic(c);
            (v, s, s * (Interval::ONE - s) * 0.5)
        }
        _ => {
            let at_c = derivs3(f, c);
            (at_c[0], at_c[1], at_c[2] * 0.5)
        }
    };
    let near = 1e-4 * (1.0 + c.mag());
    let ratio = |t: Interval| -> Interval {
        let d = t - c;
        if !d.contains(0.0) && d.mig() > near {
            // Far from the centre the quotient has little cancellation.
            let v = match f {
                Func::Softplus | Func::Sigmoid => value_slope(f, t).0,
                _ => prim.value(t),
            };
            (v - s0 - s1 * d) / d.sqr()
        } else {
            // R(t) = sigma''(u0)/2 + sigma'''(xi)/6 (t - u0) for some xi between.
            s2 + third(f, c.hull(t)) * d / 6.0
        }
    };
    let (ra, rb) = (ratio(Interval::point(y.lo())), ratio(Interval::point(y.hi())));
    let s_k = match increasing {
        Some(true) => Interval::new(ra.lo(), rb.hi()),
        Some(false) => Interval::new(rb.lo(), ra.hi()),
        None => {
            // Rule 2: softplus'' is even and peaks at 0, so R_2 peaks at -u0.
            let peak = peak_at_mirror(c, y, ra, rb, ratio);
            Interval::new(ra.lo().min(rb.lo()), peak.hi())
        }
    };
    Some((s0, s1, s_k))
}

/// The ratio at the mirror points `-u0` clipped to `y`, reusing the ends'
/// values where the mirror lies beyond them.
fn peak_at_mirror(
    c: Interval,
    y: Interval,
    ra: Interval,
    rb: Interval,
    ratio: impl Fn(Interval) -> Interval,
) -> Interval {
    let clip = |t: f64| t.clamp(y.lo(), y.hi());
    let (m_lo, m_hi) = (clip(-c.hi()), clip(-c.lo()));
    if m_hi == y.lo() {
        ra
    } else if m_lo == y.hi() {
        rb
    } else {
        ratio(Interval::new(m_lo, m_hi))
    }
}

/// `softplus` and `sigmoid` over a (thin) interval: both increase, so
/// their values at the ends.
fn logistic(x: Interval) -> (Interval, Interval) {
    if x.is_point() {
        return logistic_at(x.lo());
    }
    let ((sl, gl), (sh, gh)) = (logistic_at(x.lo()), logistic_at(x.hi()));
    (sl.hull(sh), gl.hull(gh))
}

/// `softplus(x)` and `sigmoid(x)` at a point from one `exp(-|x|)` and one
/// `log1p`, each widened by the error of the few operations involved.
fn logistic_at(x: f64) -> (Interval, Interval) {
    use crate::interval::{down_n, up_n};
    let (sp, sig) = point::softplus_sigmoid(x);
    let w = |v: f64, lo: f64, hi: f64| Interval::new(down_n(v, 8).max(lo), up_n(v, 8).min(hi));
    (w(sp, 0.0, f64::INFINITY), w(sig, 0.0, 1.0))
}

/// `sigma(x)` and `sigma'(x)` over a (thin) interval, for the fast primitives.
fn value_slope(f: Func, x: Interval) -> (Interval, Interval) {
    match f {
        Func::Softplus => logistic(x),
        Func::Sigmoid => {
            let (_, s) = logistic(x);
            (s, s * (Interval::ONE - s))
        }
        _ => {
            let d = derivs3(f, x);
            (d[0], d[1])
        }
    }
}

/// `prim(u)` for `u = u0 + u1 z + U z^2` over `z` in `[0, e]`, at degree 2,
/// for the fast primitives: `s0 + s1 D + S2 D^2` with `D = u - u0` and the
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
    let y = y.hull(u[0]);
    let (s0, s1, s2) = enclose2(prim, u[0], y)?;
    let out = about_centre(u, s0, s1, s2, e);
    let (vl, _) = value_slope(f, Interval::point(y.lo()));
    let (vh, _) = value_slope(f, Interval::point(y.hi()));
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
    let c = u[0];
    let (sp_c, s_c) = logistic(c);
    let s2 = s_c * (Interval::ONE - s_c) * 0.5;
    let near_limit = 1e-4 * (1.0 + c.mag());
    // R(t) about every centre in c and, where it was computed on the way, softplus(t).
    let ratio = |t: Interval| -> (Interval, Option<Interval>) {
        let d = t - c;
        if !d.contains(0.0) && d.mig() > near_limit {
            let (sp_t, _) = logistic(t);
            ((sp_t - sp_c - s_c * d) / d.sqr(), Some(sp_t))
        } else {
            // R(t) = s2 + softplus'''(xi)/6 d, softplus''' = s (1 - s)(1 - 2s),
            // with s over hull(c, t) from its (increasing) ends.
            let (_, s_t) = logistic(t);
            let s = s_c.hull(s_t);
            let third = s * (Interval::ONE - s) * (Interval::ONE - s * 2.0);
            (s2 + third * d / 6.0, None)
        }
    };
    let (ra, va) = ratio(Interval::point(y.lo()));
    let (rb, vb) = ratio(Interval::point(y.hi()));
    let peak = peak_at_mirror(c, y, ra, rb, |t| ratio(t).0);
    let s_k = Interval::new(ra.lo().min(rb.lo()), peak.hi());
    // softplus at the ends of the range: computed above, or from the enclosure itself.
    let at = |t: f64, v: Option<Interval>| {
        v.unwrap_or_else(|| {
            let d = Interval::point(t) - c;
            sp_c + s_c * d + s_k * d.sqr()
        })
    };
    let range = Interval::new(at(y.lo(), va).lo().max(0.0), at(y.hi(), vb).hi());
    let out = about_centre(u, sp_c, s_c, s_k, e);
    let folded = super::range::fold_quadratic_nonneg(&out, e);
    (out, range.intersect(folded).unwrap_or(range))
}

/// `s0 + s1 D + S2 D^2` for `D = u - u0 = u1 z + U z^2`, `z` in `[0, e]`,
/// with the sharp `D^2`: `z^2 (u1 + U z)^2` lies in `z^2 sq(u1 + U [0, e])`.
fn about_centre(u: [Interval; 3], s0: Interval, s1: Interval, s2: Interval, e: f64) -> [Interval; 3] {
    let q = (u[1] + u[2] * Interval::new(0.0, e)).sqr();
    [s0, s1 * u[1], s1 * u[2] + s2 * q]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::primitive::enclose_general;

    fn f64_value(f: Func, x: f64) -> f64 {
        match f {
            Func::Exp => x.exp(),
            Func::Log => x.ln(),
            Func::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            Func::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Func::Tanh => x.tanh(),
            _ => unreachable!(),
        }
    }

    /// The fast path against two independent computations: the general
    /// rules with the fast path off (both valid, so the coefficients
    /// overlap and the remainder intervals agree up to the general rules'
    /// extra series terms), and the remainder ratio sampled in f64 across
    /// the region, which must lie inside (within its own rounding error).
    #[test]
    fn agrees_with_the_general_rules_and_contains_the_sampled_ratio() {
        let fs = [Func::Exp, Func::Log, Func::Softplus, Func::Sigmoid, Func::Tanh];
        let regions = [
            (0.5, 0.2, 1.5),
            (1.0, 1.0, 3.0),
            (0.3, -0.2, 0.9),
            (2.0, 1.9999, 2.0002),
            (-2.0, -3.0, -1.5),
            (-0.4, -0.5, 0.6),
            (3.0, 1.5, 8.0),
            (0.1, 0.05, 0.1),
        ];
        let mut fast = 0;
        for f in fs {
            for (c, lo, hi) in regions {
                let (y, centre) = (Interval::new(lo, hi), Interval::point(c));
                let Some((s0, s1, s2)) = enclose2(Prim::Func(f), centre, y) else { continue };
                fast += 1;
                let general = enclose_general(Prim::Func(f), centre, y, 2);
                assert!(s0.intersect(general.s[0]).is_some() && s1.intersect(general.s[1]).is_some(), "{f} at {c}");
                // The general rules' second series term matters on narrow regions.
                let (a, b) = (s2, general.s_k);
                let tol = 1e-9 * b.mag().max(1e-12) + 1e-3 * b.width();
                assert!(
                    (a.lo() - b.lo()).abs() <= tol && (a.hi() - b.hi()).abs() <= tol,
                    "{f} at {c} over {y}: {a} vs {b}"
                );
                let (v0, v1) = (s0.mid(), s1.mid());
                for j in 0..=200 {
                    let t = lo + (hi - lo) * f64::from(j) / 200.0;
                    let d = t - c;
                    if d.abs() < 1e-3 {
                        continue;
                    }
                    let ft = f64_value(f, t);
                    let r = (ft - v0 - v1 * d) / (d * d);
                    // Each term is off by a few ulps: the error of the quotient.
                    let err = 16.0 * f64::EPSILON * (ft.abs() + v0.abs() + (v1 * d).abs()) / (d * d);
                    assert!(s2.lo() - err <= r && r <= s2.hi() + err, "{f} at {c}: R({t}) = {r} outside {s2}");
                }
            }
        }
        assert!(fast >= 30, "only {fast} cases took the fast path");
    }
}
