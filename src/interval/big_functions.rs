//! Elementary functions on [`BigInterval`]s: each from a short series with
//! a rigorous bound on its tail, after an exact or enclosed argument
//! reduction (`exp` by `k ln 2` and halvings, `ln` to `[1/sqrt 2, sqrt 2]`
//! and `atanh`, `sin`/`cos` by `k pi/2`). The constants `ln 2` and `pi`
//! come from the same kind of series (`2 atanh(1/3)`, Machin's formula).
//! The others are written in forms without cancellation: `expm1` and
//! `log1p` by their own series near 0, `tanh` from `expm1`, `sigmoid` and
//! `softplus` from `exp(-|x|)`. `atan`, `sinh`, `cosh` and `erf` are in
//! the submodule `special`.

mod special;

use super::big::{BigInterval, Dyadic, Prec};

/// Extra bits carried inside a function beyond the requested precision.
const GUARD: u64 = 64;

/// Functions at one precision, with its constants.
#[derive(Clone, Debug)]
pub struct Big {
    /// The precision of results.
    pub p: Prec,
    ln2: BigInterval,
    pi: BigInterval,
}

/// An increasing function over `x` from its values at the ends.
fn increasing(x: &BigInterval, f: impl Fn(&Dyadic) -> Option<BigInterval>) -> Option<BigInterval> {
    let (lo, hi) = (f(x.lo())?, f(x.hi())?);
    Some(BigInterval::new(lo.lo().clone(), hi.hi().clone()))
}

/// Whether `x` is below `2^-bits` in magnitude.
fn negligible(x: &BigInterval, bits: u64) -> bool {
    let m = x.mag();
    m.is_zero() || m.log2_floor() < -(bits as i64)
}

/// The bits below which a term is negligible beside `x` at precision `w`.
fn relative_bits(w: Prec, x: &BigInterval) -> u64 {
    let m = x.mag();
    let scale = if m.is_zero() { 0 } else { (-m.log2_floor()).max(0) as u64 };
    w.0 + 4 + scale
}

impl Big {
    /// The context for results of `prec` bits.
    pub fn new(prec: u64) -> Self {
        let w = Prec(prec + 2 * GUARD);
        // ln 2 = 2 atanh(1/3).
        let third = w.div_int(&BigInterval::int(1), 3);
        let ln2 = w.mul(&atanh_series(w, &third), &BigInterval::int(2));
        // pi = 16 atan(1/5) - 4 atan(1/239).
        let a5 = atan_inv(w, 5);
        let a239 = atan_inv(w, 239);
        let pi = w.sub(&w.mul(&a5, &BigInterval::int(16)), &w.mul(&a239, &BigInterval::int(4)));
        Big { p: Prec(prec), ln2, pi }
    }

    fn w(&self) -> Prec {
        Prec(self.p.0 + GUARD)
    }

    /// `pi`.
    #[cfg(test)]
    pub fn pi(&self) -> BigInterval {
        self.p.round(&self.pi)
    }

    /// `e^x` (`None` beyond `|x| = 2^30`).
    pub fn exp(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| self.exp_point(t))
    }

    fn exp_point(&self, x: &Dyadic) -> Option<BigInterval> {
        let xf = x.approx();
        if xf.is_nan() || xf.abs() >= (1u64 << 30) as f64 {
            return None;
        }
        let w = self.w();
        let k = (xf / std::f64::consts::LN_2).round() as i64;
        // r = x - k ln 2, |r| <= 0.35 or so; then r / 2^8.
        let r = w.sub(&BigInterval::point(x.clone()), &w.mul(&BigInterval::int(k), &self.ln2));
        const HALVINGS: i64 = 8;
        let r = r.shl(-HALVINGS);
        let mut sum = BigInterval::int(1);
        let mut term = BigInterval::int(1);
        let mut n = 1;
        loop {
            term = w.div_int(&w.mul(&term, &r), n);
            sum = w.add(&sum, &term);
            if negligible(&term, w.0 + 4) {
                break;
            }
            n += 1;
        }
        // The tail sum_{m > n} r^m / m! is at most 2 |term| |r| / (n + 1).
        let tail = w.div_int(&w.mul(&BigInterval::point(term.mag()), &BigInterval::point(r.mag())), n + 1);
        sum = w.add(&sum, &BigInterval::symmetric(&tail.hi().shl(1)));
        for _ in 0..HALVINGS {
            sum = w.sqr(&sum);
        }
        Some(self.p.round(&sum.shl(k)))
    }

    /// `ln x` for `x > 0` (`None` otherwise).
    pub fn ln(&self, x: &BigInterval) -> Option<BigInterval> {
        if !x.is_positive() {
            return None;
        }
        increasing(x, |t| Some(self.ln_point(t)))
    }

    fn ln_point(&self, x: &Dyadic) -> BigInterval {
        let w = self.w();
        // x = y 2^n with y in [1/sqrt 2, sqrt 2].
        let mut n = x.log2_floor();
        let mut y = x.shl(-n);
        if y.approx() > std::f64::consts::SQRT_2 {
            y = y.shl(-1);
            n += 1;
        }
        let y = BigInterval::point(y);
        let one = BigInterval::int(1);
        let z = w.div(&w.sub(&y, &one), &w.add(&y, &one)).expect("y + 1 > 0");
        let ln_y = w.mul(&atanh_series(w, &z), &BigInterval::int(2));
        self.p.round(&w.add(&ln_y, &w.mul(&BigInterval::int(n), &self.ln2)))
    }

    /// `e^x - 1`.
    pub fn expm1(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| self.expm1_point(t))
    }

    fn expm1_point(&self, x: &Dyadic) -> Option<BigInterval> {
        let w = self.w();
        let xi = BigInterval::point(x.clone());
        if !negligible(&xi, 8) {
            let e = self.exp_point(x)?;
            return Some(self.p.round(&w.sub(&e, &BigInterval::int(1))));
        }
        // sum_{n>=1} x^n / n!, |x| < 2^-8.
        let mut sum = xi.clone();
        let mut term = xi.clone();
        let mut n = 1;
        while !negligible(&term, relative_bits(w, &xi)) {
            n += 1;
            term = w.div_int(&w.mul(&term, &xi), n);
            sum = w.add(&sum, &term);
        }
        let tail = w.div_int(&w.mul(&BigInterval::point(term.mag()), &BigInterval::point(xi.mag())), n + 1);
        Some(self.p.round(&w.add(&sum, &BigInterval::symmetric(&tail.hi().shl(1)))))
    }

    /// `ln(1 + x)` for `x > -1`.
    pub fn log1p(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| self.log1p_point(t))
    }

    fn log1p_point(&self, x: &Dyadic) -> Option<BigInterval> {
        let w = self.w();
        let xi = BigInterval::point(x.clone());
        let one = BigInterval::int(1);
        if !negligible(&xi, 8) {
            let y = w.add(&xi, &one);
            return y.is_positive().then(|| self.ln_point(y.lo()));
        }
        // ln(1 + x) = 2 atanh(x / (2 + x)).
        let z = w.div(&xi, &w.add(&xi, &BigInterval::int(2)))?;
        Some(self.p.round(&w.mul(&atanh_series(w, &z), &BigInterval::int(2))))
    }

    /// `tanh x` (increasing; from `expm1(-2|x|)`, without cancellation).
    pub fn tanh(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| self.tanh_point(t))
    }

    fn tanh_point(&self, x: &Dyadic) -> Option<BigInterval> {
        if x.signum() < 0 {
            return Some(self.tanh_point(&x.neg())?.neg());
        }
        let w = self.w();
        if x.approx() > 1e9 {
            // tanh x = 1 - 2/(e^(2x) + 1) with e^(-2x) below every precision here.
            let one = BigInterval::int(1);
            let gap = BigInterval::pow2(-(w.0 as i64) - 64);
            return Some(self.p.round(&BigInterval::new(w.sub(&one, &gap).lo().clone(), Dyadic::int(1))));
        }
        // tanh x = -m / (2 + m) with m = expm1(-2x) in (-1, 0].
        let m = self.expm1_point(&x.shl(1).neg())?;
        let t = w.div(&m.neg(), &w.add(&m, &BigInterval::int(2)))?;
        Some(self.p.round(&t))
    }

    /// `1 / (1 + e^-x)` (increasing).
    pub fn sigmoid(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| self.sigmoid_point(t))
    }

    fn sigmoid_point(&self, x: &Dyadic) -> Option<BigInterval> {
        let w = self.w();
        let u = self.exp_of_minus_abs(x)?;
        let one = BigInterval::int(1);
        let d = w.add(&one, &u);
        let s = if x.signum() >= 0 { w.recip(&d)? } else { w.div(&u, &d)? };
        Some(self.p.round(&s))
    }

    /// `e^(-|x|)`, which underflows to a tiny interval instead of failing.
    pub fn exp_of_minus_abs(&self, x: &Dyadic) -> Option<BigInterval> {
        let a = if x.signum() < 0 { x.clone() } else { x.neg() };
        if a.approx() <= -((1u64 << 30) as f64) {
            // e^-|x| <= e^(-2^30) < 2^(-2^30).
            return Some(BigInterval::new(Dyadic::zero(), Dyadic::int(1).shl(-(1i64 << 30))));
        }
        self.exp_point(&a)
    }

    /// `ln(1 + e^x)` (increasing), as `max(x, 0) + log1p(e^-|x|)`.
    pub fn softplus(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| self.softplus_point(t))
    }

    fn softplus_point(&self, x: &Dyadic) -> Option<BigInterval> {
        let w = self.w();
        let u = self.exp_of_minus_abs(x)?;
        let l = self.log1p(&u)?;
        let base = if x.signum() > 0 { BigInterval::point(x.clone()) } else { BigInterval::int(0) };
        Some(self.p.round(&w.add(&base, &l)))
    }

    /// `sin x` (`None` beyond `|x| = 2^50`).
    pub fn sin(&self, x: &BigInterval) -> Option<BigInterval> {
        self.periodic(x, 0)
    }

    /// `cos x` (`None` beyond `|x| = 2^50`).
    pub fn cos(&self, x: &BigInterval) -> Option<BigInterval> {
        self.periodic(x, 1)
    }

    /// `sin(x + shift pi/2)` over a thin interval: the ends' values when the
    /// derivative keeps its sign between them, else `[-1, 1]`-wide hull.
    fn periodic(&self, x: &BigInterval, shift: i64) -> Option<BigInterval> {
        let (a, a_slope) = self.sin_cos(x.lo(), shift)?;
        if x.lo() == x.hi() {
            return Some(a);
        }
        let (b, b_slope) = self.sin_cos(x.hi(), shift)?;
        let narrow = x.hi().add(&x.lo().neg()).approx() < 1.0;
        let one_sign =
            (a_slope.is_positive() && b_slope.is_positive()) || (a_slope.is_negative() && b_slope.is_negative());
        if narrow && one_sign {
            return Some(a.hull(&b));
        }
        Some(a.hull(&b).hull(&BigInterval::new(Dyadic::int(-1), Dyadic::int(1))))
    }

    /// `(sin(x + shift pi/2), cos(x + shift pi/2))` at a point.
    fn sin_cos(&self, x: &Dyadic, shift: i64) -> Option<(BigInterval, BigInterval)> {
        let xf = x.approx();
        if xf.is_nan() || xf.abs() >= (1u64 << 50) as f64 {
            return None;
        }
        let w = self.w();
        let half_pi = self.pi.shl(-1);
        let k = (xf / std::f64::consts::FRAC_PI_2).round() as i64;
        let r = w.sub(&BigInterval::point(x.clone()), &w.mul(&BigInterval::int(k), &half_pi));
        let (s, c) = (sin_series(w, &r), cos_series(w, &r));
        // sin(r + q pi/2) for q = k + shift (mod 4), and its derivative.
        let q = (k + shift).rem_euclid(4);
        let (sin, cos) = match q {
            0 => (s, c),
            1 => (c, s.neg()),
            2 => (s.neg(), c.neg()),
            _ => (c.neg(), s),
        };
        Some((self.p.round(&sin), self.p.round(&cos)))
    }

    /// `x^q` for `x > 0` as `exp(q ln x)`, or an integer power.
    pub fn powf(&self, x: &BigInterval, q: f64) -> Option<BigInterval> {
        if q.fract() == 0.0 && q.abs() < 1e9 {
            return self.p.powi(x, q as i64);
        }
        if q == 0.5 {
            return self.p.sqrt(x);
        }
        if q == -0.5 && x.is_positive() {
            return self.p.recip(&self.p.sqrt(x)?);
        }
        let l = self.ln(x)?;
        let ql = self.w().mul(&l, &BigInterval::from_f64(q)?);
        self.exp(&ql)
    }
}

/// `atanh z = sum z^(2j+1) / (2j+1)` for `|z| <= 1/3`, with its tail
/// `|z|^(2N+3) / ((2N+3)(1 - z^2)) <= 2 |z|^(2N+3) / (2N+3)`.
fn atanh_series(w: Prec, z: &BigInterval) -> BigInterval {
    let z2 = w.sqr(z);
    let mut power = z.clone();
    let mut sum = z.clone();
    let mut j = 1;
    loop {
        power = w.mul(&power, &z2);
        let term = w.div_int(&power, 2 * j + 1);
        sum = w.add(&sum, &term);
        if negligible(&term, relative_bits(w, z)) {
            break;
        }
        j += 1;
    }
    let next = w.div_int(&w.mul(&BigInterval::point(power.mag()), &BigInterval::point(z2.mag())), 2 * j + 3);
    w.add(&sum, &BigInterval::symmetric(&next.hi().shl(1)))
}

/// `atan(1/q)` by its alternating series (the tail is below the next term).
fn atan_inv(w: Prec, q: i64) -> BigInterval {
    let x = w.div_int(&BigInterval::int(1), q);
    let x2 = w.sqr(&x);
    let mut power = x.clone();
    let mut sum = x;
    let mut j = 1;
    loop {
        power = w.mul(&power, &x2);
        let term = w.div_int(&power, 2 * j + 1);
        sum = if j % 2 == 1 { w.sub(&sum, &term) } else { w.add(&sum, &term) };
        if negligible(&term, w.0 + 4) {
            let next = w.div_int(&w.mul(&power, &x2), 2 * j + 3);
            return w.add(&sum, &BigInterval::symmetric(next.hi()));
        }
        j += 1;
    }
}

/// `sin r` for `|r| < 1`.
fn sin_series(w: Prec, r: &BigInterval) -> BigInterval {
    alternating(w, r, r.clone(), 1)
}

/// `cos r` for `|r| < 1`.
fn cos_series(w: Prec, r: &BigInterval) -> BigInterval {
    alternating(w, r, BigInterval::int(1), 0)
}

/// `sum_j (-1)^j first r^(2j) n! / (n + 2j)!`, the series of sin (`first =
/// r`, `n = 1`) and cos (`first = 1`, `n = 0`): alternating with shrinking
/// terms for `|r| < 1`, so the tail is below the next term.
fn alternating(w: Prec, r: &BigInterval, first: BigInterval, mut n: i64) -> BigInterval {
    let r2 = w.sqr(r);
    let mut term = first.clone();
    let mut sum = first;
    loop {
        term = w.div_int(&w.mul(&term, &r2), (n + 1) * (n + 2)).neg();
        n += 2;
        sum = w.add(&sum, &term);
        if negligible(&term, relative_bits(w, r)) {
            let next = w.div_int(&w.mul(&BigInterval::point(term.mag()), &r2), (n + 1) * (n + 2));
            return w.add(&sum, &BigInterval::symmetric(next.hi()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An exact decimal as a tight interval: `digits` times 10^`exp`.
    pub(super) fn decimal(b: &Big, digits: &str, exp: i64) -> BigInterval {
        let mut v = BigInterval::int(0);
        for ch in digits.chars().filter(char::is_ascii_digit) {
            v = b.w().add(&b.w().mul(&v, &BigInterval::int(10)), &BigInterval::int(i64::from(ch as u8 - b'0')));
        }
        let ten = BigInterval::int(10);
        let scale = b.w().powi(&ten, exp.abs()).unwrap();
        if exp >= 0 { b.w().mul(&v, &scale) } else { b.w().div(&v, &scale).unwrap() }
    }

    fn overlaps(a: &BigInterval, b: &BigInterval) -> bool {
        a.lo() <= b.hi() && b.lo() <= a.hi()
    }

    fn width_bits(a: &BigInterval) -> i64 {
        let w = a.hi().add(&a.lo().neg());
        if w.is_zero() { i64::MIN } else { w.log2_floor() }
    }

    /// Reference values from mpmath at 60 digits (`mp.dps = 60`; `mp.nstr(v, 60)`
    /// of exp(1), pi, log(2), sin(1), cos(10), tanh(0.5), expm1(-30)).
    #[test]
    fn constants_and_functions_against_mpmath() {
        let b = Big::new(192);
        let p = |x: f64| BigInterval::from_f64(x).unwrap();
        let cases: Vec<(BigInterval, &str, i64)> = vec![
            (b.exp(&p(1.0)).unwrap(), "271828182845904523536028747135266249775724709369995957496697", -59),
            (b.pi(), "314159265358979323846264338327950288419716939937510582097494", -59),
            (b.ln(&p(2.0)).unwrap(), "69314718055994530941723212145817656807550013436025525412068", -59),
            (b.sin(&p(1.0)).unwrap(), "841470984807896506652502321630298999622563060798371065672752", -60),
            (b.cos(&p(10.0)).unwrap().neg(), "839071529076452452258863947824064834519930165133168546835954", -60),
            (b.tanh(&p(0.5)).unwrap(), "462117157260009758502318483643672548730289280330113038552732", -60),
            (b.expm1(&p(-30.0)).unwrap().neg(), "999999999999906423770311598253950841677766212932550416773111", -60),
        ];
        for (i, (got, digits, exp)) in cases.iter().enumerate() {
            let want = decimal(&b, digits, *exp);
            assert!(overlaps(got, &want), "case {i}: {got:?}");
            assert!(width_bits(got) < -180, "case {i} is {} bits wide", width_bits(got));
        }
        // log1p(1e-20) = x - x^2/2 + x^3/3 - ...: within x^3/3 of x - x^2/2.
        let l = b.log1p(&p(1e-20)).unwrap();
        let x = Dyadic::from_f64(1e-20).unwrap();
        let want = x.add(&x.mul(&x).shl(-1).neg());
        let diff = b.w().sub(&l, &BigInterval::point(want));
        assert!(negligible(&diff, 190), "log1p keeps its relative accuracy: {diff:?}");
    }

    /// Identities that hold exactly: exp(ln x) = x, sin^2 + cos^2 = 1,
    /// sigmoid(x) + sigmoid(-x) = 1, softplus(x) - softplus(-x) = x.
    #[test]
    fn identities() {
        let b = Big::new(160);
        let w = b.w();
        for x in [0.3, 2.5, -7.25, 100.0, 1e-9, 700.0, -40.0] {
            let xi = BigInterval::from_f64(x).unwrap();
            if x > 0.0 {
                let back = b.exp(&b.ln(&xi).unwrap()).unwrap();
                assert!(back.contains(xi.lo()), "exp(ln {x})");
            }
            let s = b.sin(&xi).unwrap();
            let c = b.cos(&xi).unwrap();
            assert!(w.add(&w.sqr(&s), &w.sqr(&c)).contains(&Dyadic::int(1)), "sin^2 + cos^2 at {x}");
            let sum = w.add(&b.sigmoid(&xi).unwrap(), &b.sigmoid(&xi.neg()).unwrap());
            assert!(sum.contains(&Dyadic::int(1)), "sigmoid at {x}");
            let diff = w.sub(&b.softplus(&xi).unwrap(), &b.softplus(&xi.neg()).unwrap());
            assert!(diff.contains(xi.lo()), "softplus at {x}");
            let t = b.tanh(&xi).unwrap();
            let via = w.sub(&w.mul(&b.sigmoid(&xi.shl(1)).unwrap(), &BigInterval::int(2)), &BigInterval::int(1));
            assert!(overlaps(&t, &via), "tanh at {x}");
        }
        // Beyond the range of doubles, exp still gives an interval.
        let big = b.exp(&BigInterval::from_f64(1e5).unwrap()).unwrap();
        assert_eq!(big.to_f64().1, f64::INFINITY);
    }
}
