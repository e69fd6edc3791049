//! Guaranteed enclosures of the elementary functions over an interval.
//!
//! Monotone functions are evaluated at the ends and widened by the ulp
//! error bound of the library routine; the others use their known extrema.
//! Outside a function's domain the result is [`Interval::ENTIRE`].

use std::f64::consts::{FRAC_PI_2, PI, TAU};

use super::Interval;
use super::round::{COMPOSITE_ULPS, LIBM_ULPS, down_n, sqrt_down, sqrt_up, up_n};

/// Where swish has its minimum, `x* = -1.27846454276107379...`, the root of
/// `1 + x (1 - sigmoid(x)) = 0`.
pub const SWISH_ARGMIN: f64 = -1.278_464_542_761_074;
/// A lower bound on swish's minimum value `x* + 1 = -0.27846454276107379...`.
pub const SWISH_MIN_LO: f64 = -0.278_464_542_761_074;

/// `f` over `x` for an increasing (or decreasing) `f`, widened by `ulps` and
/// clamped to `range`.
pub(super) fn monotone(
    x: Interval,
    f: impl Fn(f64) -> f64,
    increasing: bool,
    ulps: u32,
    range: (f64, f64),
) -> Interval {
    let (a, b) = if x.lo() == x.hi() {
        let v = f(x.lo());
        (v, v)
    } else if increasing {
        (f(x.lo()), f(x.hi()))
    } else {
        (f(x.hi()), f(x.lo()))
    };
    if a.is_nan() || b.is_nan() {
        return Interval::ENTIRE;
    }
    Interval::new(down_n(a, ulps).max(range.0), up_n(b, ulps).min(range.1))
}

/// Whether `[a, b]` may contain a point `offset + k * period` (conservative:
/// a point within rounding distance counts).
pub(super) fn may_contain_periodic(a: f64, b: f64, offset: f64, period: f64) -> bool {
    let ta = (a - offset) / period;
    let tb = (b - offset) / period;
    let slack = 1e-12 * (1.0 + ta.abs().max(tb.abs()));
    (ta - slack).ceil() <= tb + slack
}

/// sin or cos from the values at the ends and the extrema inside.
fn periodic(x: Interval, f: impl Fn(f64) -> f64, max_at: f64, min_at: f64) -> Interval {
    let whole = Interval::new(-1.0, 1.0);
    if !x.is_finite() || x.width() >= TAU || x.mag() > 1e15 {
        return whole;
    }
    let (fa, fb) = (f(x.lo()), f(x.hi()));
    let mut lo = down_n(fa.min(fb), LIBM_ULPS);
    let mut hi = up_n(fa.max(fb), LIBM_ULPS);
    if may_contain_periodic(x.lo(), x.hi(), max_at, TAU) {
        hi = 1.0;
    }
    if may_contain_periodic(x.lo(), x.hi(), min_at, TAU) {
        lo = -1.0;
    }
    Interval::new(lo.max(-1.0), hi.min(1.0))
}

fn sigmoid_f64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn softplus_f64(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn swish_f64(x: f64) -> f64 {
    if x == f64::NEG_INFINITY { 0.0 } else { x * sigmoid_f64(x) }
}

impl Interval {
    /// `e^x`.
    pub fn exp(self) -> Interval {
        monotone(self, f64::exp, true, LIBM_ULPS, (0.0, f64::INFINITY))
    }

    /// `e^x - 1`.
    pub fn exp_m1(self) -> Interval {
        monotone(self, f64::exp_m1, true, LIBM_ULPS, (-1.0, f64::INFINITY))
    }

    /// `log(x)`; ENTIRE if the interval reaches below 0, and `-inf` as the
    /// lower end if it reaches 0.
    pub fn ln(self) -> Interval {
        if self.lo() < 0.0 {
            return Interval::ENTIRE;
        }
        monotone(self, f64::ln, true, LIBM_ULPS, (f64::NEG_INFINITY, f64::INFINITY))
    }

    /// `log(1 + x)`; ENTIRE if the interval reaches below -1.
    pub fn ln_1p(self) -> Interval {
        if self.lo() < -1.0 {
            return Interval::ENTIRE;
        }
        monotone(self, f64::ln_1p, true, LIBM_ULPS, (f64::NEG_INFINITY, f64::INFINITY))
    }

    /// `sqrt(x)`, correctly rounded outward; ENTIRE if the interval reaches below 0.
    pub fn sqrt(self) -> Interval {
        if self.lo() < 0.0 {
            return Interval::ENTIRE;
        }
        Interval::new(sqrt_down(self.lo()), sqrt_up(self.hi()))
    }

    /// `1 / sqrt(x)`; ENTIRE if the interval reaches below 0, `+inf` as the
    /// upper end if it reaches 0.
    pub fn rsqrt(self) -> Interval {
        if self.lo() < 0.0 {
            return Interval::ENTIRE;
        }
        let s = self.sqrt();
        let hi = if s.lo() == 0.0 { f64::INFINITY } else { (Interval::ONE / Interval::point(s.lo())).hi() };
        Interval::new((Interval::ONE / Interval::point(s.hi())).lo(), hi)
    }

    /// The real cube root (odd, defined everywhere).
    pub fn cbrt(self) -> Interval {
        monotone(self, f64::cbrt, true, LIBM_ULPS, (f64::NEG_INFINITY, f64::INFINITY))
    }

    /// `x^p` for a real `p` on `x >= 0` (ENTIRE if the interval reaches
    /// below 0, unless `p` is an integer).
    pub fn powf(self, p: f64) -> Interval {
        if p.fract() == 0.0 && p.abs() <= f64::from(i32::MAX) {
            return self.powi(p as i32);
        }
        if self.lo() < 0.0 || p.is_nan() {
            return Interval::ENTIRE;
        }
        // sqrt and rsqrt are correctly rounded (exact at 0, 1, 4, ...).
        if p == 0.5 {
            return self.sqrt();
        }
        if p == -0.5 {
            return self.rsqrt();
        }
        let r = monotone(self, |x| x.powf(p), p > 0.0, LIBM_ULPS, (0.0, f64::INFINITY));
        // 0^p = 0 exactly for p > 0.
        if p > 0.0 && self.hi() == 0.0 { Interval::ZERO } else { r }
    }

    /// `tanh(x)`.
    pub fn tanh(self) -> Interval {
        monotone(self, f64::tanh, true, LIBM_ULPS, (-1.0, 1.0))
    }

    /// `atan(x)`.
    pub fn atan(self) -> Interval {
        monotone(self, f64::atan, true, LIBM_ULPS, (down_n(-FRAC_PI_2, 1), up_n(FRAC_PI_2, 1)))
    }

    /// The error function `erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt`
    /// (increasing, in `[-1, 1]`), from the `libm` crate's `erf` (musl's
    /// routine; the tests measure it within 1 ulp of 128-bit references)
    /// widened by [`LIBM_ULPS`].
    pub fn erf(self) -> Interval {
        monotone(self, libm::erf, true, LIBM_ULPS, (-1.0, 1.0))
    }

    /// `sigmoid(x) = 1 / (1 + e^-x)`.
    pub fn sigmoid(self) -> Interval {
        monotone(self, sigmoid_f64, true, COMPOSITE_ULPS, (0.0, 1.0))
    }

    /// `softplus(x) = log(1 + e^x)`.
    pub fn softplus(self) -> Interval {
        monotone(self, softplus_f64, true, COMPOSITE_ULPS, (0.0, f64::INFINITY))
    }

    /// `swish(x) = x sigmoid(x)`, decreasing then increasing around
    /// `SWISH_ARGMIN`.
    pub fn swish(self) -> Interval {
        let margin = 1e-12;
        if self.lo() >= SWISH_ARGMIN + margin {
            monotone(self, swish_f64, true, COMPOSITE_ULPS, (SWISH_MIN_LO, f64::INFINITY))
        } else if self.hi() <= SWISH_ARGMIN - margin {
            monotone(self, swish_f64, false, COMPOSITE_ULPS, (SWISH_MIN_LO, 0.0))
        } else {
            let hi = swish_f64(self.lo()).max(swish_f64(self.hi()));
            Interval::new(SWISH_MIN_LO, up_n(hi, COMPOSITE_ULPS))
        }
    }

    /// `max(x, 0)` (exact).
    pub fn relu(self) -> Interval {
        Interval::new(self.lo().max(0.0), self.hi().max(0.0))
    }

    /// `|x|` (exact and sharp).
    pub fn abs(self) -> Interval {
        Interval::new(self.mig(), self.mag())
    }

    /// `sin(x)`.
    pub fn sin(self) -> Interval {
        periodic(self, f64::sin, FRAC_PI_2, -FRAC_PI_2)
    }

    /// `cos(x)`.
    pub fn cos(self) -> Interval {
        periodic(self, f64::cos, 0.0, PI)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi)
    }

    /// Every enclosure contains f at a grid of points of the interval.
    #[test]
    fn enclosures_contain_sampled_values() {
        type F = (&'static str, fn(Interval) -> Interval, fn(f64) -> f64);
        let fs: &[F] = &[
            ("exp", Interval::exp, f64::exp),
            ("exp_m1", Interval::exp_m1, f64::exp_m1),
            ("cbrt", Interval::cbrt, f64::cbrt),
            ("tanh", Interval::tanh, f64::tanh),
            ("atan", Interval::atan, f64::atan),
            ("erf", Interval::erf, libm::erf),
            ("tan", Interval::tan, f64::tan),
            ("sinh", Interval::sinh, f64::sinh),
            ("cosh", Interval::cosh, f64::cosh),
            ("sigmoid", Interval::sigmoid, sigmoid_f64),
            ("softplus", Interval::softplus, softplus_f64),
            ("swish", Interval::swish, swish_f64),
            ("relu", Interval::relu, |x| x.max(0.0)),
            ("abs", Interval::abs, f64::abs),
            ("sin", Interval::sin, f64::sin),
            ("cos", Interval::cos, f64::cos),
        ];
        let boxes = [i(-3.0, 2.0), i(-1.3, -1.2), i(0.5, 7.0), i(-40.0, -30.0), i(1.0, 1.0), i(-0.1, 0.1)];
        for (name, fi, f) in fs {
            for b in boxes {
                let e = fi(b);
                for k in 0..=200 {
                    let x = b.lo() + (b.hi() - b.lo()) * f64::from(k) / 200.0;
                    assert!(e.contains(f(x)), "{name}{b} = {e} misses f({x}) = {}", f(x));
                }
            }
        }
    }

    #[test]
    fn extrema_and_domains() {
        assert_eq!(i(0.0, 5.0).sin(), i(-1.0, 1.0), "pi/2 and 3 pi/2 inside");
        assert!(i(0.0, 4.0).sin().lo() > -1.0 && i(0.0, 4.0).sin().contains(4f64.sin()));
        assert_eq!(i(1.0, 2.0).sin().hi(), 1.0, "pi/2 inside");
        assert!(i(2.0, 3.0).sin().hi() < 1.0);
        assert_eq!(i(3.0, 3.5).cos().lo(), -1.0, "pi inside");
        let s = i(-2.0, 0.0).swish();
        assert_eq!(s.lo(), SWISH_MIN_LO);
        let m = swish_f64(SWISH_ARGMIN);
        assert!(SWISH_MIN_LO <= m && m - SWISH_MIN_LO < 1e-15, "{m}");
        assert_eq!(i(-1.0, 4.0).ln(), Interval::ENTIRE);
        assert_eq!(i(0.0, 4.0).ln().lo(), f64::NEG_INFINITY);
        assert_eq!(i(-1.0, 4.0).sqrt(), Interval::ENTIRE);
        assert_eq!(i(0.0, 4.0).sqrt(), i(0.0, 2.0));
        assert_eq!(i(0.0, 4.0).rsqrt().hi(), f64::INFINITY);
        assert_eq!(i(4.0, 16.0).rsqrt(), i(0.25, 0.5));
        assert_eq!(i(-2.0, -1.0).ln_1p(), Interval::ENTIRE);
        assert_eq!(i(-8.0, 27.0).powf(3.0), i(-512.0, 19683.0));
        assert_eq!(i(-8.0, 27.0).powf(0.5), Interval::ENTIRE);
        assert!(i(4.0, 9.0).powf(-0.5).contains(0.5) && i(4.0, 9.0).powf(-0.5).contains(1.0 / 3.0));
        assert_eq!(Interval::ENTIRE.exp(), i(0.0, f64::INFINITY));
        assert_eq!(Interval::ENTIRE.tanh(), i(-1.0, 1.0));
        assert_eq!(Interval::ENTIRE.swish().lo(), SWISH_MIN_LO);
    }
}
