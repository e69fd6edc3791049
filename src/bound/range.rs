//! Rigorous ranges of polynomials over an interval: the exact range of a
//! polynomial with point coefficients (up to rounding, always outward), and
//! the sharp "fold" of a polynomial with interval coefficients.

use crate::interval::Interval;

/// Recursion depth of the monotonicity bisection: pieces around a critical
/// point shrink to 2^-26 of the start, where the centred form is tight
/// (its overestimate is about |p'| w + |p''| w^2 with p' near 0 there).
const MAX_DEPTH: u32 = 26;

/// The most pieces the bisection examines before settling for centred forms.
const MAX_PIECES: u32 = 4000;

/// `sum_j c_j z^j` over the interval `z` by Horner's rule (valid, not sharp).
pub fn horner(c: &[Interval], z: Interval) -> Interval {
    c.iter().rev().fold(Interval::ZERO, |acc, &cj| acc * z + cj)
}

/// The exact range (rounded outward) of the point polynomial `sum_j c_j z^j`
/// over `[l, h]`.
pub fn point_poly_range(c: &[f64], l: f64, h: f64) -> Interval {
    let n = c.iter().rposition(|&v| v != 0.0).map_or(0, |i| i + 1);
    let pts: Vec<Interval> = c[..n].iter().map(|&v| Interval::point(v)).collect();
    let at = |z: f64| horner(&pts, Interval::point(z));
    match n {
        0 => Interval::ZERO,
        1 => pts[0],
        2 => at(l).hull(at(h)),
        3 => {
            let mut r = at(l).hull(at(h));
            let (c1, c2) = (c[1], c[2]);
            // The vertex at -c1 / (2 c2), kept when it may lie in [l, h]; its value
            // c0 - c1^2 / (4 c2) is the extreme value over all of R.
            let v = -c1 / (2.0 * c2);
            let slack = 1e-12 * (l.abs() + h.abs() + v.abs());
            if v >= l - slack && v <= h + slack {
                let ext = pts[0] - pts[1].sqr() / (Interval::point(4.0) * pts[2]);
                r = if c2 > 0.0 {
                    Interval::new(ext.lo().min(r.lo()), r.hi())
                } else {
                    Interval::new(r.lo(), ext.hi().max(r.hi()))
                };
            }
            r
        }
        _ => {
            let dc: Vec<Interval> = (1..n).map(|j| Interval::point(c[j]) * Interval::point(j as f64)).collect();
            let mut budget = MAX_PIECES;
            bisect(&pts, &dc, l, h, MAX_DEPTH, &mut budget)
        }
    }
}

/// The centred form of `sum_j c_j z^j` over `[l, h]`: the polynomial
/// re-expanded at the midpoint m (`sum_j b_j t^j`, `t = z - m`), with each
/// power of `t` ranging sharply over `[-r, r]`. Its overestimate shrinks
/// with the width, unlike Horner's.
pub fn centred(c: &[Interval], l: f64, h: f64) -> Interval {
    let m = l / 2.0 + h / 2.0;
    let t = Interval::new(l, h) - Interval::point(m);
    // Taylor shift by synthetic division, in interval arithmetic.
    let mut b = c.to_vec();
    let mi = Interval::point(m);
    for i in 0..b.len() {
        for j in (i..b.len() - 1).rev() {
            let next = b[j + 1];
            b[j] += next * mi;
        }
    }
    b.iter().enumerate().map(|(j, &bj)| bj * t.powi(j as i32)).sum()
}

/// The range of `p` over `[l, h]`: where the derivative `dp` keeps one sign
/// the ends give it exactly; elsewhere split, down to `depth` or until the
/// budget of pieces is spent.
fn bisect(p: &[Interval], dp: &[Interval], l: f64, h: f64, depth: u32, budget: &mut u32) -> Interval {
    let d = centred(dp, l, h);
    let (pl, ph) = (horner(p, Interval::point(l)), horner(p, Interval::point(h)));
    if d.lo() >= 0.0 {
        return Interval::new(pl.lo(), ph.hi());
    }
    if d.hi() <= 0.0 {
        return Interval::new(ph.lo(), pl.hi());
    }
    let m = l / 2.0 + h / 2.0;
    if depth == 0 || *budget == 0 || m <= l || m >= h {
        return centred(p, l, h).hull(pl).hull(ph);
    }
    *budget -= 1;
    bisect(p, dp, l, m, depth - 1, budget).hull(bisect(p, dp, m, h, depth - 1, budget))
}

/// `x y` rounded down, for finite `x` and `y` (one ulp below the rounded
/// product; exactly 0 when a factor is 0).
#[inline]
fn mul_lo(x: f64, y: f64) -> f64 {
    if x == 0.0 || y == 0.0 { 0.0 } else { (x * y).next_down() }
}

#[inline]
fn mul_hi(x: f64, y: f64) -> f64 {
    if x == 0.0 || y == 0.0 { 0.0 } else { (x * y).next_up() }
}

/// The lower end of `min_{z in [0, e]} a + b z + c z^2` (point coefficients,
/// finite), rounded down: the ends and, for `c > 0`, the vertex
/// `a - b^2 / (4c)` when `-b / (2c)` may lie inside.
#[inline]
fn quad_min_nonneg(a: f64, b: f64, c: f64, e: f64) -> f64 {
    let at_e = {
        let bz = mul_lo(b, e);
        let e2 = if c >= 0.0 { mul_lo(e, e) } else { mul_hi(e, e) };
        (a + bz + mul_lo(c, e2)).next_down().next_down()
    };
    let mut m = a.min(at_e);
    if c > 0.0 && b < 0.0 {
        let v = -b / (2.0 * c);
        if v <= e * (1.0 + 1e-12) {
            // a - b^2/(4c), with b^2/(4c) rounded up.
            let q = (b * b).next_up() / (4.0 * c).next_down();
            m = m.min((a - q.next_up()).next_down());
        }
    }
    m
}

/// The sharp fold over `[0, e]` of a quadratic with interval coefficients:
/// the lower end from the lower coefficient ends, the upper from the upper.
pub fn fold_quadratic_nonneg(c: &[Interval; 3], e: f64) -> Interval {
    let lo = quad_min_nonneg(c[0].lo(), c[1].lo(), c[2].lo(), e);
    let hi = -quad_min_nonneg(-c[0].hi(), -c[1].hi(), -c[2].hi(), e);
    Interval::new(lo, hi)
}

/// The sharp range of `{ sum_j C_j z^j : C_j in c_j, z in Z }`: on the part
/// of `Z` where `z >= 0` every `z^j >= 0`, so the lower (upper) end comes
/// from the lower (upper) coefficient ends; where `z <= 0` the end chosen
/// for `C_j` follows the sign of `z^j`.
pub fn fold(c: &[Interval], z: Interval) -> Interval {
    if c.iter().any(|v| !v.is_finite()) {
        return if c.len() == 1 { c[0] } else { fold_loose(c, z) };
    }
    if c.len() == 3 && z.lo() == 0.0 && z.hi().is_finite() {
        return fold_quadratic_nonneg(&[c[0], c[1], c[2]], z.hi());
    }
    let mut out: Option<Interval> = None;
    let mut join = |r: Interval| out = Some(out.map_or(r, |o| o.hull(r)));
    if z.hi() > 0.0 || z.lo() >= 0.0 {
        let (l, h) = (z.lo().max(0.0), z.hi());
        let lo: Vec<f64> = c.iter().map(|v| v.lo()).collect();
        let hi: Vec<f64> = c.iter().map(|v| v.hi()).collect();
        join(Interval::new(point_poly_range(&lo, l, h).lo(), point_poly_range(&hi, l, h).hi()));
    }
    if z.lo() < 0.0 || z.hi() <= 0.0 {
        let (l, h) = (z.lo(), z.hi().min(0.0));
        let pick = |low: bool| -> Vec<f64> {
            c.iter().enumerate().map(|(j, v)| if (j % 2 == 0) == low { v.lo() } else { v.hi() }).collect()
        };
        join(Interval::new(point_poly_range(&pick(true), l, h).lo(), point_poly_range(&pick(false), l, h).hi()));
    }
    out.unwrap_or(Interval::ENTIRE)
}

/// The per-term fold `sum_j c_j Z^j` (valid for infinite coefficients too).
pub fn fold_loose(c: &[Interval], z: Interval) -> Interval {
    c.iter().enumerate().map(|(j, &cj)| cj * z.powi(j as i32)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi)
    }

    #[test]
    fn point_ranges() {
        // z^2 - z over [0, 2]: minimum -1/4 at z = 1/2, maximum 2 at z = 2.
        assert_eq!(point_poly_range(&[0.0, -1.0, 1.0], 0.0, 2.0), i(-0.25, 2.0));
        // z^3 - 3z over [-2, 3]: local max 2 at -1, local min -2 at 1, ends -2 and 18.
        let r = point_poly_range(&[0.0, -3.0, 0.0, 1.0], -2.0, 3.0);
        assert!(r.lo() <= -2.0 && r.lo() > -2.0 - 1e-9 && r.hi() >= 18.0 && r.hi() < 18.0 + 1e-9, "{r}");
        // (z - 1/3)^4 over [0, 1]: minimum 0 at z = 1/3 (not a float).
        let c = [1.0 / 81.0, -4.0 / 27.0, 2.0 / 3.0, -4.0 / 3.0, 1.0];
        let r = point_poly_range(&c, 0.0, 1.0);
        assert!(r.lo() <= 0.0 && r.lo() > -1e-12 && r.hi() >= 16.0 / 81.0, "{r}");
    }

    #[test]
    fn centred_forms_contain_the_polynomial() {
        // (z - 1)^3 = -1 + 3z - 3z^2 + z^3 over [0.9, 1.2]: range [-0.001, 0.008].
        let c = [-1.0, 3.0, -3.0, 1.0].map(Interval::point);
        let r = centred(&c, 0.9, 1.2);
        assert!(r.lo() <= -0.001 && r.hi() >= 0.008 && r.width() < 0.1, "{r}");
    }

    /// The fast quadratic fold over [0, e] agrees with the general one.
    #[test]
    fn fast_quadratic_fold() {
        let cases = [
            [i(1.0, 2.0), i(-3.0, -1.0), i(0.5, 4.0)],
            [i(-1.0, 1.0), i(2.0, 2.0), i(-3.0, -1.0)],
            [i(0.0, 0.0), i(-1.0, -1.0), i(1.0, 1.0)],
        ];
        for c in cases {
            for e in [0.1, 0.5, 2.0] {
                let fast = fold_quadratic_nonneg(&c, e);
                let lo: Vec<f64> = c.iter().map(|v| v.lo()).collect();
                let hi: Vec<f64> = c.iter().map(|v| v.hi()).collect();
                let slow = Interval::new(point_poly_range(&lo, 0.0, e).lo(), point_poly_range(&hi, 0.0, e).hi());
                let tol = 1e-14 * (1.0 + slow.mag());
                assert!(
                    fast.encloses(slow) && (fast.lo() - slow.lo()).abs() < tol && (fast.hi() - slow.hi()).abs() < tol,
                    "{fast} vs {slow}"
                );
            }
        }
    }

    #[test]
    fn the_quartic_tail_of_the_reference() {
        // autobound.md 2.3: 629856 - 15116544 z + 136048896 z^2 over [0, 0.02]
        // decreases (vertex at 1/18), so its range is [p(0.02), p(0)].
        let t = [629856.0, -15116544.0, 136048896.0].map(Interval::point);
        let r = fold(&t, i(0.0, 0.02));
        assert!((r.lo() - 381944.6784).abs() < 1e-6 && r.hi() == 629856.0, "{r}");
        // the reference folds term by term: [327525.12, 684275.5584]
        let loose = fold_loose(&t, i(0.0, 0.02));
        assert!((loose.lo() - 327525.12).abs() < 1e-6 && (loose.hi() - 684275.5584).abs() < 1e-6, "{loose}");
    }

    #[test]
    fn interval_coefficients_on_both_sides_of_zero() {
        // [1, 2] + [-1, 1] z + [0, 1] z^2 over z in [-1, 1]: sampled extremes
        // of the exact set are 1 + -1 + 0 = 0 ... 2 + 1 + 1 = 4 (z = +-1).
        let c = [i(1.0, 2.0), i(-1.0, 1.0), i(0.0, 1.0)];
        let r = fold(&c, i(-1.0, 1.0));
        assert!(r.encloses(i(0.0, 4.0)) && r.lo() > -1e-14 && r.hi() < 4.0 + 1e-14, "{r}");
        for k in 0..=20 {
            let z = -1.0 + f64::from(k) / 10.0;
            for (a, b, cc) in [(1.0, -1.0, 0.0), (2.0, 1.0, 1.0), (1.5, 0.3, 0.5)] {
                assert!(r.contains(a + b * z + cc * z * z));
            }
        }
    }
}
