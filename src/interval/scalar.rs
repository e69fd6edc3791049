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
            n if n < 0 => {
                let m = -i64::from(n);
                let p = if m % 2 == 0 { self.sqr().pow_magnitude(m as u64 / 2) } else { self.powi_odd(m as u64) };
                p.recip()
            }
            n => {
                let n = n as u64;
                if n.is_multiple_of(2) { self.sqr().pow_magnitude(n / 2) } else { self.powi_odd(n) }
            }
        }
    }

    /// `x^n` for odd `n`: increasing, so the ends' powers with their signs.
    fn powi_odd(self, n: u64) -> Interval {
        let lo = if self.lo >= 0.0 { pow_down(self.lo, n) } else { -pow_up(-self.lo, n) };
        let hi = if self.hi >= 0.0 { pow_up(self.hi, n) } else { -pow_down(-self.hi, n) };
        Interval::new(lo, hi)
    }

    /// `x^n` for an interval of non-negative numbers.
    fn pow_magnitude(self, n: u64) -> Interval {
        Interval::new(pow_down(self.lo.max(0.0), n), pow_up(self.hi, n))
    }

    /// `1 / x`; ENTIRE when the interval contains 0.
    pub fn recip(self) -> Interval {
        Interval::ONE / self
    }
}

/// `x^n` for `x >= 0`, rounded down, by squaring.
fn pow_down(x: f64, n: u64) -> f64 {
    let (mut base, mut n, mut acc) = (x, n, 1.0);
    while n > 0 {
        if n & 1 == 1 {
            acc = mul_down(acc, base);
        }
        n >>= 1;
        if n > 0 {
            base = mul_down(base, base);
        }
    }
    acc
}

/// `x^n` for `x >= 0`, rounded up, by squaring.
fn pow_up(x: f64, n: u64) -> f64 {
    let (mut base, mut n, mut acc) = (x, n, 1.0);
    while n > 0 {
        if n & 1 == 1 {
            acc = mul_up(acc, base);
        }
        n >>= 1;
        if n > 0 {
            base = mul_up(base, base);
        }
    }
    acc
}

/// Whether `x` encloses `want` with each end at most a few ulps (relative
/// 1e-15, or 1e-300 absolute) outside it: outward rounding's allowance.
#[cfg(test)]
pub(crate) fn close_to(x: Interval, want: Interval) -> bool {
    let slack = |v: f64| 1e-15 * v.abs() + 1e-300;
    x.encloses(want) && x.lo() >= want.lo() - slack(want.lo()) && x.hi() <= want.hi() + slack(want.hi())
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
    #[inline(always)]
    fn mul(self, o: Interval) -> Interval {
        let (a, b, c, d) = (self.lo, self.hi, o.lo, o.hi);
        if (a == b && c == d) || !(a.is_finite() && b.is_finite() && c.is_finite() && d.is_finite()) {
            return mul_exact_or_infinite(self, o);
        }
        // Round-to-nearest products are within half an ulp of the exact
        // ones, so one ulp outward encloses each (a product with a zero
        // factor is exactly 0). The signs of the ends pick the two
        // products that matter, except when both intervals straddle 0.
        let (lo, hi) = if a >= 0.0 {
            if c >= 0.0 {
                (lo_product(a, c), hi_product(b, d))
            } else if d <= 0.0 {
                (lo_product(b, c), hi_product(a, d))
            } else {
                (lo_product(b, c), hi_product(b, d))
            }
        } else if b <= 0.0 {
            if c >= 0.0 {
                (lo_product(a, d), hi_product(b, c))
            } else if d <= 0.0 {
                (lo_product(b, d), hi_product(a, c))
            } else {
                (lo_product(a, d), hi_product(a, c))
            }
        } else if c >= 0.0 {
            (lo_product(a, d), hi_product(b, d))
        } else if d <= 0.0 {
            (lo_product(b, c), hi_product(a, c))
        } else {
            (lo_product(a, d).min(lo_product(b, c)), hi_product(a, c).max(hi_product(b, d)))
        };
        Interval { lo, hi }
    }
}

/// Products of two points (directed rounding from the exact error keeps
/// exact products exact) and products with infinite ends (`0 * inf = 0`).
#[inline(never)]
fn mul_exact_or_infinite(x: Interval, o: Interval) -> Interval {
    let (a, b, c, d) = (x.lo, x.hi, o.lo, o.hi);
    if a == b && c == d {
        return Interval::new(mul_down(a, c), mul_up(a, c));
    }
    if a >= 0.0 && c >= 0.0 {
        return Interval::new(mul_down(a, c), mul_up(b, d));
    }
    let lo = mul_down(a, c).min(mul_down(a, d)).min(mul_down(b, c)).min(mul_down(b, d));
    let hi = mul_up(a, c).max(mul_up(a, d)).max(mul_up(b, c)).max(mul_up(b, d));
    Interval::new(lo, hi)
}

/// One ulp toward negative infinity (a product or quotient rounded to
/// nearest may have rounded up, even to 0).
#[inline]
fn widen_down(x: f64) -> f64 {
    x.next_down()
}

/// A lower bound on the finite product `x y`, one ulp below the rounded one.
#[inline]
fn lo_product(x: f64, y: f64) -> f64 {
    if x == 0.0 || y == 0.0 { 0.0 } else { (x * y).next_down() }
}

/// An upper bound on the finite product `x y`.
#[inline]
fn hi_product(x: f64, y: f64) -> f64 {
    if x == 0.0 || y == 0.0 { 0.0 } else { (x * y).next_up() }
}

#[inline]
fn widen_up(x: f64) -> f64 {
    x.next_up()
}

impl Div for Interval {
    type Output = Interval;
    #[inline(always)]
    fn div(self, o: Interval) -> Interval {
        let (a, b, c, d) = (self.lo, self.hi, o.lo, o.hi);
        if o.contains(0.0) || (a == b && c == d) || !(a.is_finite() && b.is_finite() && c.is_finite() && d.is_finite())
        {
            return div_special(self, o);
        }
        // A zero dividend end gives an exact 0.
        let down = |x: f64, y: f64| if x == 0.0 { 0.0 } else { widen_down(x / y) };
        let up = |x: f64, y: f64| if x == 0.0 { 0.0 } else { widen_up(x / y) };
        let lo = down(a, c).min(down(a, d)).min(down(b, c).min(down(b, d)));
        let hi = up(a, c).max(up(a, d)).max(up(b, c).max(up(b, d)));
        Interval { lo, hi }
    }
}

/// Division by an interval containing 0 (ENTIRE, or 0 for a zero
/// dividend), of two points (exact directed rounding), or with infinite ends.
#[inline(never)]
fn div_special(x: Interval, o: Interval) -> Interval {
    if o.contains(0.0) {
        return if x == Interval::ZERO && o != Interval::ZERO { Interval::ZERO } else { Interval::ENTIRE };
    }
    let (a, b, c, d) = (x.lo, x.hi, o.lo, o.hi);
    if a == b && c == d {
        return Interval::new(div_down(a, c), div_up(a, c));
    }
    let lo = div_down(a, c).min(div_down(a, d)).min(div_down(b, c)).min(div_down(b, d));
    let hi = div_up(a, c).max(div_up(a, d)).max(div_up(b, c)).max(div_up(b, d));
    Interval::new(lo, hi)
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

    /// `x` encloses `[lo, hi]` and is at most one ulp wider on each side.
    fn near(x: Interval, lo: f64, hi: f64) -> bool {
        x.lo() <= lo && x.lo() >= lo.next_down() && x.hi() >= hi && x.hi() <= hi.next_up()
    }

    #[test]
    fn arithmetic_table() {
        // [a,b] + [c,d] = [a+c, b+d]; [a,b] - [c,d] = [a-d, b-c]
        assert_eq!(i(1., 2.) + i(3., 5.), i(4., 7.));
        assert_eq!(i(1., 2.) - i(3., 5.), i(-4., -1.));
        // the product is the hull of the four end products
        assert!(near(i(-2., 3.) * i(-5., 7.), -15., 21.));
        assert!(near(i(1., 2.) * i(3., 4.), 3., 8.));
        // a square is not a product of the interval with itself
        assert!(near(i(-1., 2.) * i(-1., 2.), -2., 4.));
        assert_eq!(i(-1., 2.).sqr(), i(0., 4.));
        assert_eq!(i(-1., 2.).powi(3), i(-1., 8.));
        assert_eq!(i(-3., 2.).powi(4), i(0., 81.));
        assert_eq!(i(-3., -2.).powi(2), i(4., 9.));
        assert!(near(i(2., 4.).powi(-1), 0.25, 0.5));
        assert_eq!(i(-1.0, -1.0).powi(i32::MIN), Interval::ONE);
        assert!(near(i(0.5, 2.0).powi(-30), 2f64.powi(-30), 2f64.powi(30)));
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
