//! Enclosures of the functions num-dual's `DualNum` asks for beyond those of
//! the loss language: `exp2`, logarithms to other bases, `tan`, the inverse
//! trigonometric functions, the hyperbolic functions and their inverses,
//! `atan2`, `x^y` with an interval exponent, and the spherical Bessel
//! functions `j0`, `j1`, `j2`.
//!
//! Same conventions as the elementary functions: monotone pieces are
//! evaluated at the ends and widened by [`LIBM_ULPS`], and outside a
//! function's domain the result is [`Interval::ENTIRE`]. `asinh`, `acosh`
//! and `atanh` come from the `libm` crate (musl's routines, documented at
//! most 2 ulps), not from std, whose `f64::acosh` loses most of its digits
//! near 1.

use std::f64::consts::{FRAC_PI_2, PI};

use super::Interval;
use super::elementary::{may_contain_periodic, monotone};
use super::round::{LIBM_ULPS, div_up, down_n, mul_up, up_n};

const WHOLE_LINE: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);

/// Bound on `|j2|`: `(1/2) int_{-1}^{1} |P2| = 2 / (3 sqrt 3) = 0.38490...`.
const SPH_J2_MAX: f64 = 0.385;

/// An enclosure of pi (`PI` is pi rounded down).
fn pi() -> Interval {
    Interval::new(PI, PI.next_up())
}

/// An enclosure of pi / 2.
fn half_pi() -> Interval {
    Interval::new(FRAC_PI_2, FRAC_PI_2.next_up())
}

/// `2^x`.
pub(super) fn exp2(x: Interval) -> Interval {
    monotone(x, f64::exp2, true, LIBM_ULPS, (0.0, f64::INFINITY))
}

/// `log2(x)`; ENTIRE if the interval reaches below 0.
pub(super) fn log2(x: Interval) -> Interval {
    if x.lo() < 0.0 {
        return Interval::ENTIRE;
    }
    monotone(x, f64::log2, true, LIBM_ULPS, WHOLE_LINE)
}

/// `log10(x)`; ENTIRE if the interval reaches below 0.
pub(super) fn log10(x: Interval) -> Interval {
    if x.lo() < 0.0 {
        return Interval::ENTIRE;
    }
    monotone(x, f64::log10, true, LIBM_ULPS, WHOLE_LINE)
}

/// `log(x) / log(base)` in interval arithmetic (ENTIRE for a base of 1 or
/// below 0).
pub(super) fn log(x: Interval, base: f64) -> Interval {
    x.ln() / Interval::point(base).ln()
}

/// `tan(x)`: increasing between its poles `pi/2 + k pi`; ENTIRE if the
/// interval may contain one.
pub(super) fn tan(x: Interval) -> Interval {
    if !x.is_finite() || x.width() >= PI || x.mag() > 1e15 || may_contain_periodic(x.lo(), x.hi(), FRAC_PI_2, PI) {
        return Interval::ENTIRE;
    }
    monotone(x, f64::tan, true, LIBM_ULPS, WHOLE_LINE)
}

impl Interval {
    /// `tan(x)`: increasing between its poles `pi/2 + k pi`; the whole line
    /// if the interval may contain one (or is wider than pi, or reaches
    /// beyond `1e15`, where the poles are closer than the interval can say).
    pub fn tan(self) -> Interval {
        tan(self)
    }

    /// `sinh(x)` (increasing, odd).
    pub fn sinh(self) -> Interval {
        sinh(self)
    }

    /// `cosh(x)`: even, increasing in `|x|`, minimum 1 at 0.
    pub fn cosh(self) -> Interval {
        cosh(self)
    }
}

/// `asin(x)`; ENTIRE if the interval leaves `[-1, 1]`.
pub(super) fn asin(x: Interval) -> Interval {
    if x.lo() < -1.0 || x.hi() > 1.0 {
        return Interval::ENTIRE;
    }
    monotone(x, f64::asin, true, LIBM_ULPS, (-half_pi().hi(), half_pi().hi()))
}

/// `acos(x)` (decreasing); ENTIRE if the interval leaves `[-1, 1]`.
pub(super) fn acos(x: Interval) -> Interval {
    if x.lo() < -1.0 || x.hi() > 1.0 {
        return Interval::ENTIRE;
    }
    monotone(x, f64::acos, false, LIBM_ULPS, (0.0, pi().hi()))
}

/// `sinh(x)` (increasing).
pub(super) fn sinh(x: Interval) -> Interval {
    monotone(x, f64::sinh, true, LIBM_ULPS, WHOLE_LINE)
}

/// `cosh(x)`: even, increasing in `|x|`, minimum 1 at 0.
pub(super) fn cosh(x: Interval) -> Interval {
    let lo = if x.mig() == 0.0 { 1.0 } else { down_n(x.mig().cosh(), LIBM_ULPS).max(1.0) };
    Interval::new(lo, up_n(x.mag().cosh(), LIBM_ULPS))
}

/// `asinh(x)` (increasing).
pub(super) fn asinh(x: Interval) -> Interval {
    monotone(x, libm::asinh, true, LIBM_ULPS, WHOLE_LINE)
}

/// `acosh(x)` (increasing); ENTIRE if the interval reaches below 1.
pub(super) fn acosh(x: Interval) -> Interval {
    if x.lo() < 1.0 {
        return Interval::ENTIRE;
    }
    monotone(x, libm::acosh, true, LIBM_ULPS, (0.0, f64::INFINITY))
}

/// `atanh(x)` (increasing); ENTIRE if the interval leaves `[-1, 1]`, an
/// infinite end if it reaches -1 or 1.
pub(super) fn atanh(x: Interval) -> Interval {
    if x.lo() < -1.0 || x.hi() > 1.0 {
        return Interval::ENTIRE;
    }
    monotone(x, libm::atanh, true, LIBM_ULPS, WHOLE_LINE)
}

/// `atan2(y, x)`, the angle of the point `(x, y)` in `[-pi, pi]`, over the
/// box `x` by `y`. Where the box avoids the origin and the cut along the
/// negative x-axis the angle is continuous, and it is written through
/// `atan` of a quotient that stays bounded there: `atan(y/x)` for `x > 0`,
/// `±pi/2 - atan(x/y)` for `y ≷ 0`, `atan(y/x) + pi` for `x < 0 <= y`. A
/// box containing the origin or crossing the cut gives `[-pi, pi]`. Signed
/// zeros are not told apart: the angle at `(x < 0, y = 0)` is `pi` (C's
/// `atan2(-0.0, x)` is `-pi`).
pub(super) fn atan2(y: Interval, x: Interval) -> Interval {
    let whole = Interval::new(-pi().hi(), pi().hi());
    let angle = if x.lo() > 0.0 {
        (y / x).atan()
    } else if y.lo() > 0.0 {
        half_pi() - (x / y).atan()
    } else if y.hi() < 0.0 {
        -half_pi() - (x / y).atan()
    } else if x.hi() < 0.0 && y.lo() >= 0.0 {
        (y / x).atan() + pi()
    } else {
        return whole;
    };
    angle.intersect(whole).unwrap_or(whole)
}

/// `x^y` for an interval exponent. On `x >= 0`, `x^y` is monotone in each
/// argument (with `0^0 = 1`, `0^y = inf` for `y < 0`), so its extrema over
/// the box lie at the four corners, evaluated by `powf` and widened. Where
/// `x` reaches below 0 only a point integer exponent is defined
/// ([`Interval::powf`]); otherwise ENTIRE.
pub(super) fn powd(x: Interval, y: Interval) -> Interval {
    if x.lo() < 0.0 {
        let integer = y.is_point() && y.lo().fract() == 0.0;
        return if integer { x.powf(y.lo()) } else { Interval::ENTIRE };
    }
    // + 0.0 turns a -0.0 end into +0.0 (powf(-0.0, -1) is -inf).
    let (a, b) = (x.lo() + 0.0, x.hi() + 0.0);
    let corners = [a.powf(y.lo()), a.powf(y.hi()), b.powf(y.lo()), b.powf(y.hi())];
    if corners.iter().any(|c| c.is_nan()) {
        return Interval::ENTIRE;
    }
    let lo = corners.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = corners.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Interval::new(down_n(lo, LIBM_ULPS).max(0.0), up_n(hi, LIBM_ULPS))
}

/// `f(x)` intersected with a global bound, or the bound alone when the
/// interval contains 0 (where the closed forms divide by 0).
fn bessel(x: Interval, bound: Interval, f: impl Fn(Interval) -> Interval) -> Interval {
    if x.contains(0.0) {
        return bound;
    }
    f(x).intersect(bound).unwrap_or(bound)
}

/// The spherical Bessel function `j0(x) = sin(x) / x` (not used by
/// majorize). From `j0(x) = (1/2) int_{-1}^{1} cos(x t) dt`:
/// `1 - x^2/6 <= j0(x) <= 1` (as `0 <= 1 - cos u <= u^2/2`) and
/// `|j0| <= 1`; away from 0 the closed form is intersected with these.
pub(super) fn sph_j0(x: Interval) -> Interval {
    let near = Interval::ONE - x.sqr() / 6.0;
    bessel(x, Interval::new(near.lo().max(-1.0), 1.0), |x| x.sin() / x)
}

/// The spherical Bessel function `j1(x) = sin(x)/x^2 - cos(x)/x` (not used
/// by majorize). From `j1(x) = (1/2) int_{-1}^{1} t sin(x t) dt`:
/// `|j1| <= 1/2` and, as `|sin u| <= |u|`, `|j1(x)| <= |x|/3`; away from 0
/// the closed form is intersected with these.
pub(super) fn sph_j1(x: Interval) -> Interval {
    let m = div_up(x.mag(), 3.0).min(0.5);
    bessel(x, Interval::new(-m, m), |x| (x.sin() / x - x.cos()) / x)
}

/// The spherical Bessel function
/// `j2(x) = ((3 - x^2) sin(x) - 3 x cos(x)) / x^3` (not used by majorize).
/// From `j2(x) = -(1/2) int_{-1}^{1} cos(x t) P2(t) dt` with
/// `P2(t) = (3t^2 - 1)/2`: `|j2| <= (1/2) int |P2| = 2/(3 sqrt 3) < 0.385`,
/// and, as `int P2 = 0` and `0 <= 1 - cos u <= u^2/2`,
/// `|j2(x)| <= (x^2/4) int t^2 |P2| = (1 + 1/(3 sqrt 3)) x^2/15 < x^2/12`;
/// away from 0 the closed form is intersected with these.
pub(super) fn sph_j2(x: Interval) -> Interval {
    let m = div_up(mul_up(x.mag(), x.mag()), 12.0).min(SPH_J2_MAX);
    bessel(x, Interval::new(-m, m), |x| ((3.0 - x.sqr()) * x.sin() - 3.0 * x * x.cos()) / x.powi(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi)
    }

    #[test]
    fn pi_is_enclosed() {
        // sin changes sign at pi: sin(PI) > 0 > sin(next_up(PI)).
        assert!(PI.sin() > 0.0 && PI.next_up().sin() < 0.0);
        assert!(pi().contains(PI) && half_pi().contains(FRAC_PI_2));
    }

    #[test]
    fn monotone_pieces_contain_their_values() {
        assert!(exp2(i(-1.0, 3.0)).encloses(i(0.5, 8.0)));
        assert!(log2(i(0.5, 8.0)).encloses(i(-1.0, 3.0)));
        assert!(log10(i(0.1, 1000.0)).encloses(i(-1.0, 3.0)));
        assert!(log(i(1.0, 81.0), 3.0).encloses(i(0.0, 4.0)));
        let s = sinh(i(-1.0, 2.0));
        assert!(s.contains((1f64.exp() - (-1f64).exp()) / -2.0) && s.contains((2f64.exp() - (-2f64).exp()) / 2.0));
        assert!(asinh(i(-1.0, 1.0)).contains((1.0 + 2f64.sqrt()).ln()));
        assert!(acosh(i(1.0, 2.0)).encloses(i(0.0, (2.0 + 3f64.sqrt()).ln())));
        assert!(atanh(i(-0.5, 0.5)).contains(0.5 * 3f64.ln()));
        assert!(asin(i(-1.0, 0.5)).encloses(i(-FRAC_PI_2, PI / 6.0)));
        assert!(acos(i(-1.0, 0.5)).encloses(i(PI / 3.0, PI)));
        assert!(tan(i(-0.5, PI / 4.0)).contains(1.0) && tan(i(2.0, 3.0)).hi() < 0.0);
    }

    #[test]
    fn domains_and_poles() {
        for f in [log2, log10, asin, acos, acosh, atanh] {
            assert_eq!(f(i(-3.0, -2.0)), Interval::ENTIRE);
        }
        assert_eq!(log2(i(0.0, 1.0)).lo(), f64::NEG_INFINITY);
        assert_eq!(log(i(1.0, 2.0), 1.0), Interval::ENTIRE);
        assert_eq!(atanh(i(0.0, 1.0)).hi(), f64::INFINITY);
        assert_eq!(acosh(i(0.5, 2.0)), Interval::ENTIRE);
        assert_eq!(asin(i(0.0, 1.5)), Interval::ENTIRE);
        // pi/2 and -pi/2 + 2 pi lie inside; 1.5 .. 1.57 and 1.58 .. 4.7 avoid the poles.
        assert_eq!(tan(i(1.5, 1.6)), Interval::ENTIRE);
        assert_eq!(tan(i(4.0, 4.8)), Interval::ENTIRE);
        assert!(tan(i(1.5, 1.57)).is_finite() && tan(i(1.58, 4.7)).is_finite());
        assert_eq!(tan(i(0.0, 3.2)), Interval::ENTIRE, "wider than pi");
    }

    #[test]
    fn cosh_has_its_minimum_at_zero() {
        let c = cosh(i(-1.0, 2.0));
        assert_eq!(c.lo(), 1.0);
        assert!(c.contains((2f64.exp() + (-2f64).exp()) / 2.0));
        let c = cosh(i(-3.0, -1.0));
        assert!(c.lo() > 1.5 && c.contains((1f64.exp() + (-1f64).exp()) / 2.0));
        assert_eq!(cosh(Interval::ENTIRE), i(1.0, f64::INFINITY));
    }

    #[test]
    fn atan2_by_quadrant() {
        let p = |x: f64| Interval::point(x);
        // (x, y) = (1, 1), (-1, 1), (-1, -1), (1, -1): pi/4, 3pi/4, -3pi/4, -pi/4.
        assert!(atan2(p(1.0), p(1.0)).contains(PI / 4.0));
        assert!(atan2(p(1.0), p(-1.0)).contains(3.0 * PI / 4.0));
        assert!(atan2(p(-1.0), p(-1.0)).contains(-3.0 * PI / 4.0));
        assert!(atan2(p(-1.0), p(1.0)).contains(-PI / 4.0));
        // on the negative x-axis the angle is pi
        assert!(atan2(p(0.0), p(-2.0)).contains(PI));
        // the upper half-plane box [-1, 1] x [1, 2] spans pi/4 .. 3pi/4
        let a = atan2(i(1.0, 2.0), i(-1.0, 1.0));
        assert!(a.encloses(i(PI / 4.0, 3.0 * PI / 4.0)) && a.hi() < 2.4);
        let whole = i(-pi().hi(), pi().hi());
        assert_eq!(atan2(i(-1.0, 1.0), i(-2.0, -1.0)), whole, "crosses the cut");
        assert_eq!(atan2(i(-1.0, 1.0), i(-1.0, 1.0)), whole, "contains the origin");
    }

    #[test]
    fn powd_on_a_box() {
        // x^y over [2, 3] x [-1, 2]: from 3^-1 to 3^2.
        let r = powd(i(2.0, 3.0), i(-1.0, 2.0));
        assert!(r.encloses(i(1.0 / 3.0, 9.0)) && r.lo() > 0.33 && r.hi() < 9.01);
        assert!(powd(i(0.0, 0.0), i(0.0, 0.0)).contains(1.0));
        assert_eq!(powd(i(0.0, 1.0), i(-1.0, 1.0)).hi(), f64::INFINITY);
        assert_eq!(powd(i(-2.0, -1.0), Interval::point(3.0)), i(-8.0, -1.0));
        assert_eq!(powd(i(-2.0, 1.0), i(2.0, 3.0)), Interval::ENTIRE);
        assert!(powd(i(-0.0, 2.0), Interval::point(-1.0)).lo() >= 0.0);
    }

    #[test]
    fn spherical_bessel_bounds() {
        // j0 = sin x / x, j1 = sin x / x^2 - cos x / x, j2 = (3/x^3 - 1/x) sin x - 3 cos x / x^2
        let j0 = |x: f64| x.sin() / x;
        let j1 = |x: f64| x.sin() / (x * x) - x.cos() / x;
        let j2 = |x: f64| (3.0 / x.powi(3) - 1.0 / x) * x.sin() - 3.0 * x.cos() / (x * x);
        for k in 1..=400 {
            let x = f64::from(k) * 0.05;
            assert!(j1(x).abs() <= 0.5 && j1(x).abs() <= x / 3.0 + 1e-12, "j1({x})");
            assert!(j2(x).abs() <= SPH_J2_MAX && j2(x).abs() <= x * x / 12.0 + 1e-9, "j2({x})");
            assert!(j0(x) >= 1.0 - x * x / 6.0 - 1e-12, "j0({x})");
        }
        for (lo, hi) in [(-0.5, 0.25), (0.5, 2.0), (3.0, 9.0), (-30.0, -20.0)] {
            let (e0, e1, e2) = (sph_j0(i(lo, hi)), sph_j1(i(lo, hi)), sph_j2(i(lo, hi)));
            for k in 0..=100 {
                let x = lo + (hi - lo) * f64::from(k) / 100.0;
                if x.abs() > 0.1 {
                    assert!(e0.contains(j0(x)) && e1.contains(j1(x)) && e2.contains(j2(x)), "at {x}");
                }
            }
        }
        assert_eq!(sph_j0(i(-0.1, 0.1)).hi(), 1.0);
        assert!(sph_j0(i(-0.1, 0.1)).lo() > 0.998);
        assert!(sph_j2(i(-0.1, 0.1)).mag() < 1e-3);
        assert_eq!(sph_j1(Interval::ENTIRE), i(-0.5, 0.5));
    }
}
