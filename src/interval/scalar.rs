//! The [`Interval`] type and its arithmetic, rounded outward.

use std::fmt;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign};

use super::round::{add_down, add_up, div_down, div_up, mul_down, mul_up};

/// A closed interval `[lo, hi]` of reals, with `lo <= hi`; either end may be
/// infinite. Every operation rounds its lower end down and its upper end
/// up, so the result contains the exact result for every choice of points
/// in the operands. Where a result cannot be bounded (a division by an
/// interval containing 0, a function outside its domain) it is
/// [`Interval::ENTIRE`], never NaN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    lo: f64,
    hi: f64,
}

impl Interval {
    /// The whole real line.
    pub const ENTIRE: Interval = Interval { lo: f64::NEG_INFINITY, hi: f64::INFINITY };
    /// The point 0.
    pub const ZERO: Interval = Interval { lo: 0.0, hi: 0.0 };
    /// The point 1.
    pub const ONE: Interval = Interval { lo: 1.0, hi: 1.0 };

    /// `[lo, hi]`; a NaN end, or `lo > hi`, gives [`Interval::ENTIRE`] (the
    /// only sound answer when a computation has lost track).
    #[inline]
    pub fn new(lo: f64, hi: f64) -> Self {
        if lo <= hi { Interval { lo, hi } } else { Self::ENTIRE }
    }

    /// The point `x` (ENTIRE for NaN).
    #[inline]
    pub fn point(x: f64) -> Self {
        Self::new(x, x)
    }

    /// The lower end.
    #[inline]
    pub fn lo(self) -> f64 {
        self.lo
    }

    /// The upper end.
    #[inline]
    pub fn hi(self) -> f64 {
        self.hi
    }

    /// The midpoint (rounded to nearest; 0 for ENTIRE, an end for a
    /// half-infinite interval).
    pub fn mid(self) -> f64 {
        match (self.lo.is_finite(), self.hi.is_finite()) {
            (true, true) => {
                let m = self.lo / 2.0 + self.hi / 2.0;
                m.clamp(self.lo, self.hi)
            }
            (true, false) => self.lo,
            (false, true) => self.hi,
            (false, false) => 0.0,
        }
    }

    /// An upper bound on `hi - lo`.
    pub fn width(self) -> f64 {
        add_up(self.hi, -self.lo)
    }

    /// An upper bound on the distance from [`mid`](Self::mid) to either end.
    pub fn rad(self) -> f64 {
        let m = self.mid();
        add_up(self.hi, -m).max(add_up(m, -self.lo))
    }

    /// `max(|lo|, |hi|)`.
    pub fn mag(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }

    /// `min |x|` over the interval.
    pub fn mig(self) -> f64 {
        if self.contains(0.0) { 0.0 } else { self.lo.abs().min(self.hi.abs()) }
    }

    /// Whether `x` lies in the interval.
    #[inline]
    pub fn contains(self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// Whether `other` lies inside this interval.
    pub fn encloses(self, other: Interval) -> bool {
        self.lo <= other.lo && other.hi <= self.hi
    }

    /// Whether both ends are finite.
    pub fn is_finite(self) -> bool {
        self.lo.is_finite() && self.hi.is_finite()
    }

    /// Whether the interval is a single point.
    pub fn is_point(self) -> bool {
        self.lo == self.hi
    }

    /// The smallest interval containing both.
    pub fn hull(self, other: Interval) -> Interval {
        Interval { lo: self.lo.min(other.lo), hi: self.hi.max(other.hi) }
    }

    /// The intersection, or `None` when they are disjoint.
    pub fn intersect(self, other: Interval) -> Option<Interval> {
        let (lo, hi) = (self.lo.max(other.lo), self.hi.min(other.hi));
        (lo <= hi).then_some(Interval { lo, hi })
    }

    /// `self * s` for a point `s`.
    pub fn scale(self, s: f64) -> Interval {
        self * Interval::point(s)
    }

    /// The sharp square: `[0, max(lo^2, hi^2)]` when the interval straddles 0.
    pub fn sqr(self) -> Interval {
        let m = self.mig();
        let big = self.mag();
        Interval::new(mul_down(m, m), mul_up(big, big))
    }

    /// The sharp integer power (`x^0 = 1`; negative powers through the
    /// reciprocal, ENTIRE when the interval contains 0).
    pub fn powi(self, n: i32) -> Interval {
        match n {
            0 => Interval::ONE,
            1 => self,
            2 => self.sqr(),
            n if n < 0 => self.powi(n.checked_neg().unwrap_or(i32::MAX)).recip(),
            n => {
                // Monotone in |x| for even n, in x for odd n; powers by repeated
                // directed multiplication of non-negative magnitudes.
                let pow_down = |x: f64| (1..n).fold(x, |acc, _| mul_down(acc, x));
                let pow_up = |x: f64| (1..n).fold(x, |acc, _| mul_up(acc, x));
                if n % 2 == 1 {
                    let lo = if self.lo >= 0.0 { pow_down(self.lo) } else { -pow_up(-self.lo) };
                    let hi = if self.hi >= 0.0 { pow_up(self.hi) } else { -pow_down(-self.hi) };
                    Interval::new(lo, hi)
                } else {
                    Interval::new(pow_down(self.mig()), pow_up(self.mag()))
                }
            }
        }
    }

    /// `1 / x`; ENTIRE when the interval contains 0.
    pub fn recip(self) -> Interval {
        Interval::ONE / self
    }
}

impl Default for Interval {
    fn default() -> Self {
        Interval::ZERO
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.lo, self.hi)
    }
}

impl From<f64> for Interval {
    fn from(x: f64) -> Self {
        Interval::point(x)
    }
}

impl Neg for Interval {
    type Output = Interval;
    #[inline]
    fn neg(self) -> Interval {
        Interval { lo: -self.hi, hi: -self.lo }
    }
}

impl Add for Interval {
    type Output = Interval;
    #[inline]
    fn add(self, o: Interval) -> Interval {
        Interval::new(add_down(self.lo, o.lo), add_up(self.hi, o.hi))
    }
}

impl Sub for Interval {
    type Output = Interval;
    #[inline]
    fn sub(self, o: Interval) -> Interval {
        self + (-o)
    }
}

impl Mul for Interval {
    type Output = Interval;
    fn mul(self, o: Interval) -> Interval {
        let (a, b, c, d) = (self.lo, self.hi, o.lo, o.hi);
        if a >= 0.0 && c >= 0.0 {
            return Interval::new(mul_down(a, c), mul_up(b, d));
        }
        let lo = mul_down(a, c).min(mul_down(a, d)).min(mul_down(b, c)).min(mul_down(b, d));
        let hi = mul_up(a, c).max(mul_up(a, d)).max(mul_up(b, c)).max(mul_up(b, d));
        Interval::new(lo, hi)
    }
}

impl Div for Interval {
    type Output = Interval;
    fn div(self, o: Interval) -> Interval {
        if o.contains(0.0) {
            return if self == Interval::ZERO && o != Interval::ZERO { Interval::ZERO } else { Interval::ENTIRE };
        }
        let (a, b, c, d) = (self.lo, self.hi, o.lo, o.hi);
        let lo = div_down(a, c).min(div_down(a, d)).min(div_down(b, c)).min(div_down(b, d));
        let hi = div_up(a, c).max(div_up(a, d)).max(div_up(b, c)).max(div_up(b, d));
        Interval::new(lo, hi)
    }
}

impl Rem for Interval {
    type Output = Interval;
    /// `x % y` as Rust's `f64 %` (C's `fmod`): `x - trunc(x / y) y`, with
    /// the sign of `x`, `|x % y| < |y|` and `|x % y| <= |x|`. Where
    /// `trunc(x / y)` is one integer `k` over the operands the result is
    /// `x - k y`; otherwise the bound `[-mag(y), mag(y)]` cut to the sign
    /// and size of `x`. ENTIRE when `y` may be 0.
    fn rem(self, o: Interval) -> Interval {
        if o.contains(0.0) {
            return Interval::ENTIRE;
        }
        let m = o.mag();
        let bound = Interval::new(self.lo.min(0.0).max(-m), self.hi.max(0.0).min(m));
        // `q` encloses every quotient and `trunc` is monotone, so equal
        // truncated ends mean a single `k`.
        let q = self / o;
        let k = q.lo.trunc();
        if q.is_finite()
            && k == q.hi.trunc()
            && k.abs() < 2f64.powi(52)
            && let Some(r) = (self - o * k).intersect(bound)
        {
            return r;
        }
        bound
    }
}

macro_rules! scalar_ops {
    ($($trait:ident $method:ident $assign:ident $assign_method:ident),*) => {$(
        impl $trait<f64> for Interval {
            type Output = Interval;
            #[inline]
            fn $method(self, o: f64) -> Interval {
                self.$method(Interval::point(o))
            }
        }
        impl $trait<Interval> for f64 {
            type Output = Interval;
            #[inline]
            fn $method(self, o: Interval) -> Interval {
                Interval::point(self).$method(o)
            }
        }
        impl<'a> $trait<&'a Interval> for Interval {
            type Output = Interval;
            #[inline]
            fn $method(self, o: &'a Interval) -> Interval {
                self.$method(*o)
            }
        }
        impl $assign for Interval {
            #[inline]
            fn $assign_method(&mut self, o: Interval) {
                *self = (*self).$method(o);
            }
        }
        impl $assign<f64> for Interval {
            #[inline]
            fn $assign_method(&mut self, o: f64) {
                *self = (*self).$method(o);
            }
        }
    )*};
}

scalar_ops!(
    Add add AddAssign add_assign,
    Sub sub SubAssign sub_assign,
    Mul mul MulAssign mul_assign,
    Div div DivAssign div_assign,
    Rem rem RemAssign rem_assign
);

impl std::iter::Sum for Interval {
    fn sum<I: Iterator<Item = Interval>>(iter: I) -> Interval {
        iter.fold(Interval::ZERO, |a, b| a + b)
    }
}

impl std::iter::Product for Interval {
    fn product<I: Iterator<Item = Interval>>(iter: I) -> Interval {
        iter.fold(Interval::ONE, |a, b| a * b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi)
    }

    #[test]
    fn arithmetic_table() {
        // [a,b] + [c,d] = [a+c, b+d]; [a,b] - [c,d] = [a-d, b-c]
        assert_eq!(i(1., 2.) + i(3., 5.), i(4., 7.));
        assert_eq!(i(1., 2.) - i(3., 5.), i(-4., -1.));
        // the product is the hull of the four end products
        assert_eq!(i(-2., 3.) * i(-5., 7.), i(-15., 21.));
        assert_eq!(i(1., 2.) * i(3., 4.), i(3., 8.));
        // a square is not a product of the interval with itself
        assert_eq!(i(-1., 2.) * i(-1., 2.), i(-2., 4.));
        assert_eq!(i(-1., 2.).sqr(), i(0., 4.));
        assert_eq!(i(-1., 2.).powi(3), i(-1., 8.));
        assert_eq!(i(-3., 2.).powi(4), i(0., 81.));
        assert_eq!(i(-3., -2.).powi(2), i(4., 9.));
        assert_eq!(i(2., 4.).powi(-1), i(0.25, 0.5));
        assert_eq!(i(1., 2.) / i(-1., 1.), Interval::ENTIRE);
        assert_eq!(i(-1., 1.).recip(), Interval::ENTIRE);
        assert_eq!(Interval::new(2.0, 1.0), Interval::ENTIRE);
        assert_eq!(Interval::point(f64::NAN), Interval::ENTIRE);
        assert_eq!(Interval::ENTIRE - Interval::ENTIRE, Interval::ENTIRE);
    }

    #[test]
    fn inexact_results_are_rounded_outward() {
        let third = Interval::ONE / Interval::point(3.0);
        assert!(third.lo() < third.hi());
        assert!(3f64.mul_add(third.lo(), -1.0) < 0.0 && 3f64.mul_add(third.hi(), -1.0) > 0.0);
        let s = Interval::point(0.1) + Interval::point(0.2);
        assert!(s.contains(0.1 + 0.2) && !s.is_point());
    }
}
