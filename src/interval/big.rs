//! Intervals of dyadic numbers at a chosen precision: the slow, tight
//! arithmetic behind the point coefficients of `majorize bound` and the
//! exact checks of a printed enclosure.
//!
//! A [`Dyadic`] is `m 2^e` with a big integer `m`, so sums and products are
//! exact; a [`BigInterval`] rounds its ends outward to `prec` significant
//! bits after every operation (the lower end toward -inf, the upper toward
//! +inf, by floor and ceiling of the shifted mantissa). Conversions from
//! `f64` are exact, conversions to `f64` directed. Operations that have no
//! finite answer (a division by an interval holding 0, a logarithm of a
//! non-positive number) return `None`; callers fall back to plain `f64`
//! intervals.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

/// An exact dyadic rational `m 2^e`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dyadic {
    m: BigInt,
    e: i64,
}

impl Dyadic {
    /// Zero.
    pub fn zero() -> Self {
        Dyadic { m: BigInt::zero(), e: 0 }
    }

    /// The integer `n`.
    pub fn int(n: i64) -> Self {
        Dyadic { m: BigInt::from(n), e: 0 }
    }

    /// The double `x` exactly (`None` for NaN and infinities).
    pub fn from_f64(x: f64) -> Option<Self> {
        if !x.is_finite() {
            return None;
        }
        if x == 0.0 {
            return Some(Self::zero());
        }
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let frac = (bits & ((1u64 << 52) - 1)) as i64;
        let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | (1i64 << 52), exp - 1075) };
        let m = if x < 0.0 { -m } else { m };
        Some(Dyadic { m: BigInt::from(m), e })
    }

    /// Whether this is 0.
    pub fn is_zero(&self) -> bool {
        self.m.is_zero()
    }

    /// The sign: -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        if self.m.is_zero() {
            0
        } else if self.m.is_negative() {
            -1
        } else {
            1
        }
    }

    /// `-x`.
    pub fn neg(&self) -> Self {
        Dyadic { m: -&self.m, e: self.e }
    }

    /// `x 2^k`, exactly.
    pub fn shl(&self, k: i64) -> Self {
        Dyadic { m: self.m.clone(), e: self.e + k }
    }

    /// `floor(log2 |x|)` (for `x != 0`).
    pub fn log2_floor(&self) -> i64 {
        self.m.bits() as i64 - 1 + self.e
    }

    /// The exact sum.
    pub fn add(&self, o: &Self) -> Self {
        if self.m.is_zero() {
            return o.clone();
        }
        if o.m.is_zero() {
            return self.clone();
        }
        let e = self.e.min(o.e);
        let a = &self.m << (self.e - e) as u64;
        let b = &o.m << (o.e - e) as u64;
        Dyadic { m: a + b, e }
    }

    /// The exact product.
    pub fn mul(&self, o: &Self) -> Self {
        Dyadic { m: &self.m * &o.m, e: self.e + o.e }
    }

    /// Rounded to at most `prec` significant bits, toward +inf when `up`,
    /// toward -inf otherwise.
    pub fn round(&self, prec: u64, up: bool) -> Self {
        let bits = self.m.bits();
        if bits <= prec {
            return self.clone();
        }
        let s = bits - prec;
        // `>>` on a BigInt rounds toward -inf; the ceiling is -floor(-x).
        let m = if up { -((-&self.m) >> s) } else { &self.m >> s };
        Dyadic { m, e: self.e + s as i64 }
    }

    /// The quotient `self / o` (`o != 0`) rounded to `prec` bits, toward
    /// +inf when `up`.
    pub fn div(&self, o: &Self, prec: u64, up: bool) -> Self {
        assert!(!o.m.is_zero(), "division by zero");
        if self.m.is_zero() {
            return Self::zero();
        }
        // Scale the dividend so the integer quotient has prec + 2 bits.
        let shift = (prec + 2 + o.m.bits()).saturating_sub(self.m.bits()) as i64;
        let num = &self.m << shift as u64;
        let (q, r) = num.div_mod_floor(&o.m);
        let q = if up && !r.is_zero() { q + 1 } else { q };
        Dyadic { m: q, e: self.e - o.e - shift }.round(prec, up)
    }

    /// `sqrt(x)` for `x >= 0`, rounded to `prec` bits toward +inf when `up`.
    pub fn sqrt(&self, prec: u64, up: bool) -> Self {
        self.root(2, prec, up)
    }

    /// The real cube root, rounded to `prec` bits toward +inf when `up`.
    pub fn cbrt(&self, prec: u64, up: bool) -> Self {
        if self.m.is_negative() {
            return self.neg().root(3, prec, !up).neg();
        }
        self.root(3, prec, up)
    }

    /// The `n`-th root of `x >= 0` by the integer root of a scaled mantissa.
    fn root(&self, n: u32, prec: u64, up: bool) -> Self {
        assert!(!self.m.is_negative(), "root of a negative number");
        if self.m.is_zero() {
            return Self::zero();
        }
        let n64 = i64::from(n);
        // m' = m 2^t with e - t divisible by n and m' of at least n (prec + 2) bits.
        let want = (u64::from(n) * (prec + 2)).saturating_sub(self.m.bits()) as i64;
        let mut t = want.max(0);
        t += (self.e - t).rem_euclid(n64);
        let m = &self.m << t as u64;
        let r = m.nth_root(n);
        let exact = r.pow(n) == m;
        let r = if up && !exact { r + 1 } else { r };
        Dyadic { m: r, e: (self.e - t) / n64 }.round(prec, up)
    }

    /// The nearest double at or below (`up == false`) or at or above this
    /// number; beyond the double range, the largest finite double or an
    /// infinity on the far side.
    pub fn to_f64(&self, up: bool) -> f64 {
        if self.m.is_zero() {
            return 0.0;
        }
        let negative = self.m.is_negative();
        let l = self.log2_floor();
        if l > 1023 {
            return match (negative, up) {
                (false, true) => f64::INFINITY,
                (false, false) => f64::MAX,
                (true, true) => -f64::MAX,
                (true, false) => f64::NEG_INFINITY,
            };
        }
        if l < -1075 {
            let tiny = f64::from_bits(1);
            return match (negative, up) {
                (false, true) => tiny,
                (true, false) => -tiny,
                _ => 0.0,
            };
        }
        // Significant bits available at this exponent: 53 for normal
        // numbers, fewer for subnormal ones.
        let prec = if l >= -1022 { 53 } else { (l + 1075) as u64 };
        let r = self.round(prec.max(1), up);
        let m: i64 = i64::try_from(&r.m).expect("at most 54 bits");
        libm::ldexp(m as f64, r.e as i32)
    }

    /// An approximation as a double (for choosing reductions, never for bounds).
    pub fn approx(&self) -> f64 {
        self.to_f64(false)
    }
}

impl PartialOrd for Dyadic {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Dyadic {
    fn cmp(&self, o: &Self) -> Ordering {
        let (a, b) = (self.signum(), o.signum());
        if a != b || a == 0 {
            return a.cmp(&b);
        }
        self.add(&o.neg()).m.sign().cmp(&num_bigint::Sign::NoSign)
    }
}

/// A closed interval of dyadic numbers with finite ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigInterval {
    lo: Dyadic,
    hi: Dyadic,
}

impl BigInterval {
    /// `[lo, hi]` (`lo <= hi`).
    pub fn new(lo: Dyadic, hi: Dyadic) -> Self {
        debug_assert!(lo <= hi, "ends in order");
        BigInterval { lo, hi }
    }

    /// The point `x`.
    pub fn point(x: Dyadic) -> Self {
        BigInterval { lo: x.clone(), hi: x }
    }

    /// The double `x` (`None` if not finite).
    pub fn from_f64(x: f64) -> Option<Self> {
        Dyadic::from_f64(x).map(Self::point)
    }

    /// The integer `n`.
    pub fn int(n: i64) -> Self {
        Self::point(Dyadic::int(n))
    }

    /// The lower end.
    pub fn lo(&self) -> &Dyadic {
        &self.lo
    }

    /// The upper end.
    pub fn hi(&self) -> &Dyadic {
        &self.hi
    }

    /// Whether 0 lies inside.
    pub fn contains_zero(&self) -> bool {
        self.lo.signum() <= 0 && self.hi.signum() >= 0
    }

    /// Whether every member is positive.
    pub fn is_positive(&self) -> bool {
        self.lo.signum() > 0
    }

    /// Whether every member is negative.
    pub fn is_negative(&self) -> bool {
        self.hi.signum() < 0
    }

    /// The smallest interval holding both.
    pub fn hull(&self, o: &Self) -> Self {
        BigInterval { lo: self.lo.clone().min(o.lo.clone()), hi: self.hi.clone().max(o.hi.clone()) }
    }

    /// `[-r, r]` for `r = max(|lo|, |hi|)`.
    pub fn symmetric(r: &Dyadic) -> Self {
        let r = if r.signum() < 0 { r.neg() } else { r.clone() };
        BigInterval { lo: r.neg(), hi: r }
    }

    /// `max(|lo|, |hi|)`.
    pub fn mag(&self) -> Dyadic {
        let (a, b) = (self.lo.clone(), self.hi.clone());
        let a = if a.signum() < 0 { a.neg() } else { a };
        let b = if b.signum() < 0 { b.neg() } else { b };
        a.max(b)
    }

    /// The `f64` interval holding this one (ends rounded outward).
    pub fn to_f64(&self) -> (f64, f64) {
        (self.lo.to_f64(false), self.hi.to_f64(true))
    }

    /// `-x`.
    pub fn neg(&self) -> Self {
        BigInterval { lo: self.hi.neg(), hi: self.lo.neg() }
    }

    /// `x 2^k`, exactly.
    pub fn shl(&self, k: i64) -> Self {
        BigInterval { lo: self.lo.shl(k), hi: self.hi.shl(k) }
    }
}

/// The working precision of a computation: every result is rounded outward
/// to `prec` significant bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prec(pub u64);

impl Prec {
    fn out(self, lo: Dyadic, hi: Dyadic) -> BigInterval {
        BigInterval { lo: lo.round(self.0, false), hi: hi.round(self.0, true) }
    }

    /// `a + b`.
    pub fn add(self, a: &BigInterval, b: &BigInterval) -> BigInterval {
        self.out(a.lo.add(&b.lo), a.hi.add(&b.hi))
    }

    /// `a - b`.
    pub fn sub(self, a: &BigInterval, b: &BigInterval) -> BigInterval {
        self.out(a.lo.add(&b.hi.neg()), a.hi.add(&b.lo.neg()))
    }

    /// `a b`.
    pub fn mul(self, a: &BigInterval, b: &BigInterval) -> BigInterval {
        let p = [a.lo.mul(&b.lo), a.lo.mul(&b.hi), a.hi.mul(&b.lo), a.hi.mul(&b.hi)];
        let lo = p.iter().min().expect("four").clone();
        let hi = p.iter().max().expect("four").clone();
        self.out(lo, hi)
    }

    /// `a^2` (sharp: never below 0).
    pub fn sqr(self, a: &BigInterval) -> BigInterval {
        if a.contains_zero() {
            let m = a.mag();
            return self.out(Dyadic::zero(), m.mul(&m));
        }
        self.mul(a, a)
    }

    /// `1 / a`, or `None` when `a` holds 0.
    pub fn recip(self, a: &BigInterval) -> Option<BigInterval> {
        if a.contains_zero() {
            return None;
        }
        let one = Dyadic::int(1);
        Some(BigInterval { lo: one.div(&a.hi, self.0, false), hi: one.div(&a.lo, self.0, true) })
    }

    /// `a / b`, or `None` when `b` holds 0.
    pub fn div(self, a: &BigInterval, b: &BigInterval) -> Option<BigInterval> {
        if b.contains_zero() {
            return None;
        }
        if a.lo == a.hi && b.lo == b.hi {
            return Some(BigInterval { lo: a.lo.div(&b.lo, self.0, false), hi: a.lo.div(&b.lo, self.0, true) });
        }
        Some(self.mul(a, &self.recip(b)?))
    }

    /// `a / n` for a positive integer `n`.
    pub fn div_int(self, a: &BigInterval, n: i64) -> BigInterval {
        let d = Dyadic::int(n);
        BigInterval { lo: a.lo.div(&d, self.0, n < 0), hi: a.hi.div(&d, self.0, n >= 0) }.ordered()
    }

    /// `a^n` for an integer `n` (`None` for a negative power of an interval
    /// holding 0).
    pub fn powi(self, a: &BigInterval, n: i64) -> Option<BigInterval> {
        if n < 0 {
            return self.recip(&self.powi(a, -n)?);
        }
        let mut result = BigInterval::int(1);
        let mut base = a.clone();
        let mut k = n;
        // Even powers of an interval across 0 start at 0.
        if k % 2 == 0 && k > 0 && a.contains_zero() {
            let m = self.powi(&BigInterval::point(a.mag()), k)?;
            return Some(BigInterval { lo: Dyadic::zero(), hi: m.hi });
        }
        while k > 0 {
            if k & 1 == 1 {
                result = self.mul(&result, &base);
            }
            k >>= 1;
            if k > 0 {
                base = self.sqr(&base);
            }
        }
        Some(result)
    }

    /// `sqrt(a)` for `a >= 0` (`None` if `a` reaches below 0).
    pub fn sqrt(self, a: &BigInterval) -> Option<BigInterval> {
        if a.lo.signum() < 0 {
            return None;
        }
        Some(BigInterval { lo: a.lo.sqrt(self.0, false), hi: a.hi.sqrt(self.0, true) })
    }

    /// The real cube root (increasing).
    pub fn cbrt(self, a: &BigInterval) -> BigInterval {
        BigInterval { lo: a.lo.cbrt(self.0, false), hi: a.hi.cbrt(self.0, true) }
    }

    /// `a` rounded outward to this precision.
    pub fn round(self, a: &BigInterval) -> BigInterval {
        self.out(a.lo.clone(), a.hi.clone())
    }
}

impl BigInterval {
    fn ordered(self) -> Self {
        if self.lo <= self.hi { self } else { BigInterval { lo: self.hi, hi: self.lo } }
    }

    /// Whether `x` (exact) lies inside.
    #[cfg(test)]
    pub fn contains(&self, x: &Dyadic) -> bool {
        &self.lo <= x && x <= &self.hi
    }

    /// `2^-k` as a point.
    pub fn pow2(k: i64) -> Self {
        Self::point(Dyadic { m: BigInt::one(), e: k })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_conversions_and_directed_rounding() {
        for x in [1.0, -2.5, 0.1, 1e-310, f64::MAX, -f64::MIN_POSITIVE, 3.0e300] {
            let d = Dyadic::from_f64(x).unwrap();
            assert_eq!(d.to_f64(false), x);
            assert_eq!(d.to_f64(true), x);
        }
        // 1/3 rounded: the two neighbouring doubles around the true value
        // (the nearest double 1.0 / 3.0 lies below it: 1/3 - fl(1/3) = 1.85e-17).
        let (one, three) = (Dyadic::int(1), Dyadic::int(3));
        let (lo, hi) = (one.div(&three, 200, false).to_f64(false), one.div(&three, 200, true).to_f64(true));
        assert_eq!((lo, hi), (1.0 / 3.0, (1.0f64 / 3.0).next_up()));
        // 0.1 + 0.2 exactly is above the double 0.30000000000000004's predecessor.
        let s = Dyadic::from_f64(0.1).unwrap().add(&Dyadic::from_f64(0.2).unwrap());
        assert!(s.to_f64(false) <= 0.1 + 0.2 && 0.1 + 0.2 <= s.to_f64(true));
    }

    #[test]
    fn roots_and_products_enclose_their_values() {
        let p = Prec(128);
        let two = BigInterval::int(2);
        let r = p.sqrt(&two).unwrap();
        // r^2 brackets 2, and r is within 2^-126 of sqrt(2).
        let sq = p.mul(&r, &r);
        assert!(sq.contains(&Dyadic::int(2)));
        let (lo, hi) = r.to_f64();
        assert!(lo <= std::f64::consts::SQRT_2 && std::f64::consts::SQRT_2 <= hi && hi.next_down() <= lo);
        let c = p.cbrt(&BigInterval::int(-27));
        assert_eq!(c.to_f64(), (-3.0, -3.0));
        let q = p.div(&BigInterval::int(1), &BigInterval::int(7)).unwrap();
        assert!(p.mul(&q, &BigInterval::int(7)).contains(&Dyadic::int(1)));
        assert!(p.div(&two, &BigInterval::new(Dyadic::int(-1), Dyadic::int(1))).is_none());
        assert_eq!(p.powi(&BigInterval::new(Dyadic::int(-2), Dyadic::int(1)), 2).unwrap().to_f64(), (0.0, 4.0));
    }

    #[test]
    fn doubles_beyond_the_range() {
        let big = Dyadic::int(1).shl(2000);
        assert_eq!((big.to_f64(false), big.to_f64(true)), (f64::MAX, f64::INFINITY));
        let tiny = Dyadic::int(1).shl(-2000);
        assert_eq!((tiny.to_f64(false), tiny.to_f64(true)), (0.0, f64::from_bits(1)));
    }
}
