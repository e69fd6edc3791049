//! [`Interval`] as a num-dual scalar: `DualNum` and its supertraits, so that
//! num-dual's dual numbers carrying intervals (`Dual<Interval>`,
//! `Dual2<Interval>`, `Dual3<Interval>`, nested ones such as
//! `Dual3<Dual3<Interval>>`) give ranges of derivatives over a region:
//! `f(Dual3::new(X, 1, 0, 0))` has parts containing `f(x)`, `f'(x)`,
//! `f''(x)` and `f'''(x)` for every `x` in `X`. num-dual evaluates the
//! derivatives of each function by closed forms in the inner type, so each
//! part is an interval expression and inherits the enclosure property.
//!
//! Caveats:
//! - Comparisons are certain: `a < b` holds when every point of `a` lies
//!   below every point of `b`; `partial_cmp` is `Equal` only for two equal
//!   points and `None` for overlapping intervals. `==` stays the derived
//!   equality of the ends, so `[1, 2] == [1, 2]` while `partial_cmp` gives
//!   `None`.
//! - `is_positive` / `is_negative` mean certainly positive / negative, and
//!   `re()` is the midpoint. num-dual branches on these for the *dual*
//!   types' `abs`, `signum` and `abs_sub` (and on the midpoint in its
//!   `sph_j0/1/2`), so those are sound on `Dual*<Interval>` only when the
//!   real part is certainly positive or `<= 0` (`abs`, `signum`: `[0, 1]`
//!   takes the negative branch), or the two real parts are certainly
//!   ordered (`abs_sub`), or the midpoint is not within `f64::EPSILON` of 0
//!   (`sph_j*`, which otherwise use a truncated series). On `Interval`
//!   itself all of them are sound.

use std::cmp::Ordering;

use num_dual::{DualNum, DualStruct, Mappable};
use num_traits::{FloatErrorKind, FromPrimitive, Inv, Num, One, ParseFloatError, Signed, Zero};

use super::Interval;
use super::transcendental as tr;

impl Zero for Interval {
    fn zero() -> Self {
        Interval::ZERO
    }

    fn is_zero(&self) -> bool {
        *self == Interval::ZERO
    }
}

impl One for Interval {
    fn one() -> Self {
        Interval::ONE
    }

    fn is_one(&self) -> bool {
        *self == Interval::ONE
    }
}

/// The integer `n`, exactly if it is a double, else between its two neighbours.
fn integer(n: u128) -> Interval {
    let f = n as f64;
    if f == 2f64.powi(128) {
        // u128::MAX and its neighbours round up past the range of u128.
        return Interval::new(f.next_down(), f);
    }
    match (f as u128).cmp(&n) {
        Ordering::Equal => Interval::point(f),
        Ordering::Less => Interval::new(f, f.next_up()),
        Ordering::Greater => Interval::new(f.next_down(), f),
    }
}

fn signed_integer(negative: bool, magnitude: u128) -> Interval {
    if negative { -integer(magnitude) } else { integer(magnitude) }
}

/// `[+-]digits[.digits]` in `radix`, when the digits fit in a u128: the
/// quotient of two exactly enclosed integers, rounded outward.
fn parse_fixed_point(s: &str, radix: u32) -> Option<Interval> {
    if !(2..=36).contains(&radix) {
        return None;
    }
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let mut digits: u128 = 0;
    for c in whole.chars().chain(frac.chars()) {
        digits = digits.checked_mul(radix.into())?.checked_add(c.to_digit(radix)?.into())?;
    }
    let scale = u128::from(radix).checked_pow(u32::try_from(frac.len()).ok()?)?;
    Some(signed_integer(negative, digits) / integer(scale))
}

impl Num for Interval {
    type FromStrRadixErr = ParseFloatError;

    /// The number written in `s`, enclosed: plain `[+-]digits[.digits]`
    /// strings are read exactly and rounded outward (`"0.5"` is a point,
    /// `"0.1"` the two doubles around 1/10); other decimal strings (an
    /// exponent, many digits, `inf`) are parsed by std, correctly rounded,
    /// and widened by an ulp on each side. Other radices accept only the
    /// plain form.
    fn from_str_radix(s: &str, radix: u32) -> Result<Self, ParseFloatError> {
        if let Some(x) = parse_fixed_point(s, radix) {
            return Ok(x);
        }
        if radix != 10 {
            let kind = if s.is_empty() { FloatErrorKind::Empty } else { FloatErrorKind::Invalid };
            return Err(ParseFloatError { kind });
        }
        let f = <f64 as Num>::from_str_radix(s, 10)?;
        Ok(Interval::new(f.next_down(), f.next_up()))
    }
}

/// The sign of `x`, with `sign(0) = 0` (Rust's `signum` gives 1 at 0).
#[inline(always)]
pub(crate) fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Signed for Interval {
    /// The sharp `|x|`.
    fn abs(&self) -> Self {
        Interval::abs(*self)
    }

    /// `max(x - y, 0)`.
    fn abs_sub(&self, other: &Self) -> Self {
        (*self - *other).relu()
    }

    /// The hull of the signs of the points, with `sign(0) = 0`.
    fn signum(&self) -> Self {
        Interval::new(sign(self.lo()), sign(self.hi()))
    }

    /// Whether every point is positive.
    fn is_positive(&self) -> bool {
        self.lo() > 0.0
    }

    /// Whether every point is negative.
    fn is_negative(&self) -> bool {
        self.hi() < 0.0
    }
}

impl Inv for Interval {
    type Output = Interval;

    fn inv(self) -> Interval {
        self.recip()
    }
}

impl FromPrimitive for Interval {
    fn from_i64(n: i64) -> Option<Self> {
        Some(signed_integer(n < 0, n.unsigned_abs().into()))
    }

    fn from_u64(n: u64) -> Option<Self> {
        Some(integer(n.into()))
    }

    fn from_i128(n: i128) -> Option<Self> {
        Some(signed_integer(n < 0, n.unsigned_abs()))
    }

    fn from_u128(n: u128) -> Option<Self> {
        Some(integer(n))
    }

    fn from_f32(n: f32) -> Option<Self> {
        Some(Interval::point(n.into()))
    }

    fn from_f64(n: f64) -> Option<Self> {
        Some(Interval::point(n))
    }
}

impl PartialOrd for Interval {
    /// Certain comparison: `Less` when `self.hi < other.lo`, `Greater` when
    /// `self.lo > other.hi`, `Equal` for two equal points, else `None`.
    fn partial_cmp(&self, other: &Interval) -> Option<Ordering> {
        if self.hi() < other.lo() {
            Some(Ordering::Less)
        } else if self.lo() > other.hi() {
            Some(Ordering::Greater)
        } else if self.is_point() && other.is_point() && self.lo() == other.lo() {
            Some(Ordering::Equal)
        } else {
            None
        }
    }
}

impl PartialEq<f64> for Interval {
    /// Whether the interval is the point `x`.
    fn eq(&self, x: &f64) -> bool {
        self.lo() == *x && self.hi() == *x
    }
}

impl PartialOrd<f64> for Interval {
    fn partial_cmp(&self, x: &f64) -> Option<Ordering> {
        self.partial_cmp(&Interval::point(*x))
    }
}

impl DualStruct for Interval {
    type Real = f64;
    type Inner = Interval;

    /// The midpoint.
    fn re(&self) -> f64 {
        self.mid()
    }

    fn from_inner(inner: &Interval) -> Self {
        *inner
    }
}

impl Mappable<Interval> for Interval {
    type Output<O> = O;

    fn map_dual<M: Fn(Interval) -> O, O>(self, f: M) -> O {
        f(self)
    }
}

/// Every function is an enclosure over the interval, ENTIRE outside its
/// domain, so num-dual's dual numbers carrying intervals give ranges of
/// derivatives over a region. Caveat: num-dual's dual types decide `abs`,
/// `signum` and `abs_sub` on `is_positive` (here: certainly positive) or on
/// `re()` (here: the midpoint), and `sph_j0/1/2` on the midpoint being near
/// 0; on `Dual*<Interval>` those are sound only when the sign, the order or
/// the distance from 0 of the real parts is certain.
// Inherent methods are called by path: `self.exp()` on `&Interval` would
// resolve to this trait's method again.
impl DualNum for Interval {
    type Primitive = f64;
    const NDERIV: usize = 0;
    type InnerDual = Interval;

    fn from_re(re: Interval) -> Self {
        re
    }

    fn scale(self, factor: &Interval) -> Self {
        self * *factor
    }

    fn recip(&self) -> Self {
        Interval::recip(*self)
    }

    fn powi(&self, n: i32) -> Self {
        Interval::powi(*self, n)
    }

    fn powf(&self, n: f64) -> Self {
        Interval::powf(*self, n)
    }

    fn sqrt(&self) -> Self {
        Interval::sqrt(*self)
    }

    fn cbrt(&self) -> Self {
        Interval::cbrt(*self)
    }

    fn exp(&self) -> Self {
        Interval::exp(*self)
    }

    fn exp2(&self) -> Self {
        tr::exp2(*self)
    }

    fn exp_m1(&self) -> Self {
        Interval::exp_m1(*self)
    }

    fn ln(&self) -> Self {
        Interval::ln(*self)
    }

    fn log(&self, base: f64) -> Self {
        tr::log(*self, base)
    }

    fn log2(&self) -> Self {
        tr::log2(*self)
    }

    fn log10(&self) -> Self {
        tr::log10(*self)
    }

    fn ln_1p(&self) -> Self {
        Interval::ln_1p(*self)
    }

    fn sin(&self) -> Self {
        Interval::sin(*self)
    }

    fn cos(&self) -> Self {
        Interval::cos(*self)
    }

    fn tan(&self) -> Self {
        tr::tan(*self)
    }

    fn sin_cos(&self) -> (Self, Self) {
        (Interval::sin(*self), Interval::cos(*self))
    }

    fn asin(&self) -> Self {
        tr::asin(*self)
    }

    fn acos(&self) -> Self {
        tr::acos(*self)
    }

    fn atan(&self) -> Self {
        Interval::atan(*self)
    }

    fn atan2(&self, other: Self) -> Self {
        tr::atan2(*self, other)
    }

    fn sinh(&self) -> Self {
        tr::sinh(*self)
    }

    fn cosh(&self) -> Self {
        tr::cosh(*self)
    }

    fn tanh(&self) -> Self {
        Interval::tanh(*self)
    }

    fn asinh(&self) -> Self {
        tr::asinh(*self)
    }

    fn acosh(&self) -> Self {
        tr::acosh(*self)
    }

    fn atanh(&self) -> Self {
        tr::atanh(*self)
    }

    fn sph_j0(&self) -> Self {
        tr::sph_j0(*self)
    }

    fn sph_j1(&self) -> Self {
        tr::sph_j1(*self)
    }

    fn sph_j2(&self) -> Self {
        tr::sph_j2(*self)
    }

    fn mul_add(&self, a: Self, b: Self) -> Self {
        *self * a + b
    }

    fn powd(&self, exp: Self) -> Self {
        tr::powd(*self, exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual, Dual2, Dual3};

    fn i(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi)
    }

    fn p(x: f64) -> Interval {
        Interval::point(x)
    }

    fn cube<D: DualNum<Primitive = f64> + Copy>(x: D) -> D {
        x.powi(3)
    }

    /// `x` contains `v` and is at most a few ulps wide (products round
    /// outward by one ulp each).
    fn tight(x: Interval, v: f64) -> bool {
        x.contains(v) && x.width() <= 16.0 * f64::EPSILON * v.abs().max(1.0)
    }

    #[test]
    fn derivatives_at_a_point_are_tight() {
        // x^3 at 2: 2^3, 3 * 2^2, 6 * 2.
        let y = cube(Dual2::new(p(2.0), p(1.0), p(0.0)));
        assert!(tight(y.re, 8.0) && tight(y.v1, 3.0 * 4.0) && tight(y.v2, 6.0 * 2.0), "{y:?}");
        // x^3 - 2x at -1: -1 + 2, 3 - 2, -6, 6.
        let y = cube(Dual3::new(p(-1.0), p(1.0), p(0.0), p(0.0))) - Dual3::new(p(-2.0), p(2.0), p(0.0), p(0.0));
        assert!(tight(y.re, 1.0) && tight(y.v1, 1.0) && tight(y.v2, -6.0) && tight(y.v3, 6.0), "{y:?}");
    }

    #[test]
    fn derivative_ranges_over_an_interval() {
        // exp on [0, 1]: every derivative lies in [1, e].
        let y = Dual3::new(i(0.0, 1.0), p(1.0), p(0.0), p(0.0)).exp();
        for part in [y.re, y.v1, y.v2, y.v3] {
            assert!(part.encloses(i(1.0, 1f64.exp())) && part.hi() < 2.72, "{part}");
        }
        // 1/x on [1, 2]: -1/x^2 in [-1, -1/4], 2/x^3 in [1/4, 2].
        let y = Dual2::new(i(1.0, 2.0), p(1.0), p(0.0)).recip();
        assert!(y.re.encloses(i(0.5, 1.0)) && y.v1.encloses(i(-1.0, -0.25)) && y.v2.encloses(i(0.25, 2.0)));
        // sin on [0, pi/2]: sin' = cos in [0, 1].
        let y = Dual::new(i(0.0, std::f64::consts::FRAC_PI_2), p(1.0)).sin();
        // (FRAC_PI_2 is below pi/2, so cos stays positive.)
        assert!(y.eps.hi() >= 1.0 && y.eps.hi() < 1.0 + 1e-15 && y.eps.lo() < 1e-15, "{}", y.eps);
        // the 6th derivative of exp by nesting: exp on [0, 1] again.
        let inner = Dual3::new(i(0.0, 1.0), p(1.0), p(0.0), p(0.0));
        let y = Dual3::new(inner, Dual3::from_re(p(1.0)), Dual3::from_re(p(0.0)), Dual3::from_re(p(0.0))).exp();
        assert!(y.v3.v3.encloses(i(1.0, 1f64.exp())));
    }

    #[test]
    fn signed_and_comparisons() {
        assert_eq!(Signed::abs(&i(-3.0, 2.0)), i(0.0, 3.0));
        assert_eq!(i(-3.0, 2.0).signum(), i(-1.0, 1.0));
        assert_eq!(i(0.0, 2.0).signum(), i(0.0, 1.0));
        assert_eq!(i(-2.0, -1.0).signum(), p(-1.0));
        assert_eq!(i(1.0, 4.0).abs_sub(&i(2.0, 3.0)), i(0.0, 2.0));
        assert!(i(1.0, 2.0).is_positive() && !i(0.0, 2.0).is_positive() && i(-2.0, -1.0).is_negative());
        assert!(i(1.0, 2.0) < i(3.0, 4.0) && i(3.0, 4.0) > i(1.0, 2.0));
        assert_eq!(i(1.0, 3.0).partial_cmp(&i(2.0, 4.0)), None);
        assert_eq!(i(1.0, 2.0).partial_cmp(&i(1.0, 2.0)), None);
        assert_eq!(p(2.0).partial_cmp(&p(2.0)), Some(Ordering::Equal));
        assert!(i(1.0, 2.0) < 2.5 && i(1.0, 2.0) > 0.5 && p(3.0) == 3.0);
        assert_eq!(i(1.0, 2.0).partial_cmp(&1.5), None);
        assert_eq!(i(1.0, 2.0).partial_cmp(&f64::NAN), None);
    }

    #[test]
    fn remainder_keeps_sign_and_magnitude() {
        // |x| < |y|: x % y = x.
        assert!(super::super::close_to(i(0.5, 0.7) % i(2.0, 3.0), i(0.5, 0.7)), "{}", i(0.5, 0.7) % i(2.0, 3.0));
        // one quotient 2 over [7, 8] / 3: x - 2 * 3.
        assert!(super::super::close_to(i(7.0, 8.0) % 3.0, i(1.0, 2.0)), "{}", i(7.0, 8.0) % 3.0);
        assert!(super::super::close_to(i(-8.0, -7.0) % -3.0, i(-2.0, -1.0)), "{}", i(-8.0, -7.0) % -3.0);
        // several quotients: |r| < mag(y), sign of x.
        assert!(super::super::close_to(i(-10.0, 20.0) % i(2.0, 3.0), i(-3.0, 3.0)), "{}", i(-10.0, 20.0) % i(2.0, 3.0));
        assert!(super::super::close_to(i(5.0, 20.0) % 3.0, i(0.0, 3.0)), "{}", i(5.0, 20.0) % 3.0);
        assert_eq!(i(1.0, 2.0) % i(-1.0, 1.0), Interval::ENTIRE);
        let mut r = i(7.0, 8.0);
        r %= i(3.0, 3.0);
        assert!(super::super::close_to(r, i(1.0, 2.0)), "{}", r);
    }

    #[test]
    fn conversions_and_parsing() {
        assert_eq!(Interval::from_i32(-7), Some(p(-7.0)));
        // 2^53 + 1 is not a double: its two neighbours.
        let big = Interval::from_u64((1 << 53) + 1).unwrap();
        assert_eq!(big, i(2f64.powi(53), 2f64.powi(53) + 2.0));
        assert_eq!(Interval::from_i128(i128::MIN), Some(p(-(2f64.powi(127)))));
        assert!(Interval::from_u128(u128::MAX).unwrap().hi() == 2f64.powi(128));
        assert_eq!(Interval::from_f64(0.25), Some(p(0.25)));
        let tenth = Interval::from_str_radix("0.1", 10).unwrap();
        assert!(tenth.contains(0.1) && tenth.hi() <= tenth.lo().next_up().next_up().next_up());
        assert_eq!(Interval::from_str_radix("-2.5", 10).unwrap(), p(-2.5));
        assert_eq!(Interval::from_str_radix("ff.8", 16).unwrap(), p(255.5));
        let e = Interval::from_str_radix("1e-3", 10).unwrap();
        assert!(e.contains(1e-3) && !e.is_point());
        assert!(Interval::from_str_radix("1p3", 16).is_err() && Interval::from_str_radix("", 10).is_err());
        assert!(Interval::from_str_radix("x", 10).is_err());
    }

    #[test]
    fn num_dual_plumbing() {
        assert!(
            super::super::close_to([p(1.0), i(2.0, 3.0)].into_iter().sum::<Interval>(), i(3.0, 4.0)),
            "{}",
            [p(1.0), i(2.0, 3.0)].into_iter().sum::<Interval>()
        );
        assert!(
            super::super::close_to([p(2.0), i(2.0, 3.0)].into_iter().product::<Interval>(), i(4.0, 6.0)),
            "{}",
            [p(2.0), i(2.0, 3.0)].into_iter().product::<Interval>()
        );
        assert!(super::super::close_to(i(2.0, 4.0).inv(), i(0.25, 0.5)), "{}", i(2.0, 4.0).inv());
        assert_eq!(i(1.0, 3.0).re(), 2.0);
        assert_eq!(i(1.0, 3.0).map_dual(|x| x.hi()), 3.0);
        assert!(
            super::super::close_to(DualNum::mul_add(&i(1.0, 2.0), p(3.0), p(1.0)), i(4.0, 7.0)),
            "{}",
            DualNum::mul_add(&i(1.0, 2.0), p(3.0), p(1.0))
        );
        assert!(
            super::super::close_to(DualNum::scale(i(1.0, 2.0), &p(-2.0)), i(-4.0, -2.0)),
            "{}",
            DualNum::scale(i(1.0, 2.0), &p(-2.0))
        );
        assert!(
            super::super::close_to(<Interval as DualNum>::from_re(p(1.5)), p(1.5)),
            "{}",
            <Interval as DualNum>::from_re(p(1.5))
        );
        assert_eq!(format!("{}", i(1.0, 2.0)), "[1, 2]");
        let (s, c) = DualNum::sin_cos(&p(0.0));
        assert!(s.contains(0.0) && c.contains(1.0));
        assert!(super::super::close_to(Interval::zero(), p(0.0)), "{}", Interval::zero());
        assert!(Interval::one().is_one() && !i(0.0, 1.0).is_zero());
    }
}
