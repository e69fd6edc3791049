//! The squared-error head's remainder ratio along a ray, for one element:
//! `(z(t) - y)^2` where `z(t) in a + b t + W t^2` for `t` in `[0, e]`.

use crate::interval::Interval;

/// An upper bound on `((z(t) - y)^2 - c0 - c1 t) / t^2` over `t` in
/// `(0, e]` and every `z` the enclosure admits (`c0 = (a - y)^2`, `c1 = 2 (a -
/// y) b`): the exact supremum up to rounding. With `r = a - y` and `z =
/// a + b t + w t^2` the ratio is `q(t, w) = b^2 + 2 r w + 2 b w t + w^2
/// t^2`, convex in `t` and in `w` separately, so its largest value over
/// `[0, e] x W` is at a corner: `b^2 + 2 r w` at `t = 0` and
/// `(b + w e)^2 + 2 r w` at `t = e`, for `w` an end of `W`. `inf` where
/// an input is not finite.
pub(crate) fn element_ratio_hi(a: Interval, b: Interval, w: Interval, y: Interval, e: f64) -> f64 {
    if !(a.is_finite() && b.is_finite() && w.is_finite() && y.is_finite()) {
        return f64::INFINITY;
    }
    let r = a - y;
    let b2 = b.sqr();
    [w.lo(), w.hi()]
        .into_iter()
        .map(|w| {
            let lin = r * (2.0 * w); // 2 w is exact
            let start = b2 + lin;
            let end = (b + Interval::point(w) * e).sqr() + lin;
            start.hi().max(end.hi())
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng, rngs::StdRng};

    /// Table: closed-form suprema.
    #[test]
    fn corners_in_closed_form() {
        let p = Interval::point;
        #[rustfmt::skip]
        let cases = [
            // (a, b, W, y, e, expected): an affine z has ratio b^2 exactly.
            (1.0, 3.0, Interval::ZERO, 0.5, 2.0, 9.0),
            // z = t^2 (a = b = 0, w = 1), y = 0: (t^2)^2 / t^2 = t^2, largest e^2.
            (0.0, 0.0, p(1.0), 0.0, 0.5, 0.25),
            // W = [-1, 1], r = 1, b = 1, e = 1: corners 1 - 2, (1 - 1)^2 - 2, 1 + 2, 4 + 2.
            (1.0, 1.0, Interval::new(-1.0, 1.0), 0.0, 1.0, 6.0),
            // b = -2, W = [-1, 1], r = 0, e = 1: (b - e)^2 = 9 at w = -1.
            (0.0, -2.0, Interval::new(-1.0, 1.0), 0.0, 1.0, 9.0),
        ];
        for (a, b, w, y, e, expected) in cases {
            let h = element_ratio_hi(p(a), p(b), w, p(y), e);
            assert!(h >= expected && h <= expected * (1.0 + 1e-14), "{a} {b} {w} {y} {e}: {h}");
        }
    }

    /// Against the true square of random quadratics with remainders inside W.
    #[test]
    fn ratio_holds_on_random_rays() {
        let mut rng = StdRng::seed_from_u64(1);
        for case in 0..2000 {
            let (a, b, w, y) = (
                rng.random_range(-5.0..5.0),
                rng.random_range(-5.0..5.0),
                rng.random_range(-2.0..2.0),
                rng.random_range(-5.0..5.0),
            );
            let rad = rng.random_range(0.0..1.0);
            let e = [0.01, 0.5, 2.0][case % 3];
            let h = element_ratio_hi(
                Interval::point(a),
                Interval::point(b),
                Interval::new(w - rad, w + rad),
                Interval::point(y),
                e,
            );
            let (r, c1) = (a - y, 2.0 * (a - y) * b);
            for i in 1..=40 {
                let t = e * f64::from(i) / 40.0;
                let z = a + b * t + (w + rad * (7.0 * t).sin()) * t * t;
                let v = (z - y).powi(2) - r * r - c1 * t;
                let tol = 1e-12 * (r * r + (c1 * t).abs() + (h * t * t).abs() + 1.0);
                assert!(v <= h * t * t + tol, "case {case} t = {t}");
            }
        }
    }
}
