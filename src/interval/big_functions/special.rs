//! More functions on [`BigInterval`]s, in the same manner: `atan` by
//! argument halving (`atan z = 2 atan(z / (1 + sqrt(1 + z^2)))`) and its
//! alternating series, `sinh` from `expm1` (no cancellation near 0),
//! `cosh` from `exp`, and `erf` from the series of positive terms
//! `erf x = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!`
//! (Abramowitz and Stegun 7.1.6), which does not cancel, or past
//! [`ERF_TAIL_FROM`] from `0 < erfc x <= e^(-x^2)`.

use super::{Big, GUARD, increasing, negligible, relative_bits};
use crate::interval::big::{BigInterval, Dyadic, Prec};

/// From this argument on, `erf x` is enclosed by `[1 - 2^(-x^2), 1]`: with
/// `x^2 >= 256` that is within `2^-256` of 1.
pub const ERF_TAIL_FROM: f64 = 16.0;

impl Big {
    /// `atan x` (increasing).
    pub fn atan(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| Some(self.atan_point(t)))
    }

    fn atan_point(&self, x: &Dyadic) -> BigInterval {
        if x.signum() < 0 {
            return self.atan_point(&x.neg()).neg();
        }
        let w = self.w();
        let xi = BigInterval::point(x.clone());
        let r = if x.approx() > 1.0 {
            // atan x = pi/2 - atan(1/x) for x > 0.
            let inv = w.recip(&xi).expect("x > 1");
            w.sub(&self.pi.shl(-1), &atan_series(w, &inv))
        } else {
            atan_series(w, &xi)
        };
        self.p.round(&r)
    }

    /// `sinh x` (increasing).
    pub fn sinh(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| self.sinh_point(t))
    }

    fn sinh_point(&self, x: &Dyadic) -> Option<BigInterval> {
        if x.signum() < 0 {
            return Some(self.sinh_point(&x.neg())?.neg());
        }
        let w = self.w();
        // e^x - e^-x = (1 + m) - 1/(1 + m) = m + m/(1 + m) with m = expm1(x) >= 0.
        let m = self.expm1_point(x)?;
        let q = w.div(&m, &w.add(&BigInterval::int(1), &m))?;
        Some(self.p.round(&w.add(&m, &q).shl(-1)))
    }

    /// `cosh x`: even, its minimum 1 at 0.
    pub fn cosh(&self, x: &BigInterval) -> Option<BigInterval> {
        let (a, b) = (self.cosh_point(x.lo())?, self.cosh_point(x.hi())?);
        let hi = a.hi().clone().max(b.hi().clone());
        let lo = if x.contains_zero() { Dyadic::int(1) } else { a.lo().clone().min(b.lo().clone()) };
        Some(BigInterval::new(lo, hi))
    }

    fn cosh_point(&self, x: &Dyadic) -> Option<BigInterval> {
        let w = self.w();
        // From |x|, so that cosh is exactly even.
        let e = self.exp_point(&if x.signum() < 0 { x.neg() } else { x.clone() })?;
        let r = self.p.round(&w.add(&e, &w.recip(&e)?).shl(-1));
        // cosh >= 1: near 0 the rounding may reach below it.
        Some(BigInterval::new(r.lo().clone().max(Dyadic::int(1)), r.hi().clone()))
    }

    /// `2 / sqrt(pi)`.
    fn two_over_root_pi(&self) -> BigInterval {
        let w = self.w();
        let root = w.sqrt(&self.pi).expect("pi > 0");
        w.div(&BigInterval::int(2), &root).expect("sqrt pi > 0")
    }

    /// `erf x` (increasing).
    pub fn erf(&self, x: &BigInterval) -> Option<BigInterval> {
        increasing(x, |t| Some(self.erf_point(t)))
    }

    fn erf_point(&self, x: &Dyadic) -> BigInterval {
        if x.signum() < 0 {
            return self.erf_point(&x.neg()).neg();
        }
        let w = self.w();
        let a = x.approx();
        if a >= ERF_TAIL_FROM {
            // erfc x = 2/sqrt(pi) int_0^inf e^(-(x+s)^2) ds <= e^(-x^2) (as
            // (x+s)^2 >= x^2 + s^2), and e^(-x^2) = 2^(-x^2 log2 e) <= 2^-k for
            // k <= x^2 (the rounding of a^2 is far inside the factor log2 e);
            // k is capped where more bits would not show.
            let k = (a * a).floor().min((self.p.0 + 2 * GUARD) as f64) as i64;
            let lo = Dyadic::int(1).add(&Dyadic::int(1).shl(-k).neg());
            return BigInterval::new(lo, Dyadic::int(1));
        }
        let xi = BigInterval::point(x.clone());
        let x2 = x.mul(x);
        let two_x2 = BigInterval::point(x2.shl(1));
        let (mut term, mut sum) = (xi.clone(), xi.clone());
        let mut n = 0i64;
        loop {
            n += 1;
            term = w.div_int(&w.mul(&term, &two_x2), 2 * n + 1);
            sum = w.add(&sum, &term);
            // From here on the ratio of consecutive terms, 2x^2 / (2m + 1),
            // is at most 1/2, so the tail is at most the last term.
            if x2.shl(2) <= Dyadic::int(2 * n + 3) && negligible(&term, relative_bits(w, &xi)) {
                sum = w.add(&sum, &BigInterval::new(Dyadic::zero(), term.hi().clone()));
                break;
            }
        }
        let e = self.exp_point(&x2.neg()).expect("x^2 < 256");
        let r = self.p.round(&w.mul(&w.mul(&self.two_over_root_pi(), &e), &sum));
        // erf < 1: near 1 the rounding may reach past it.
        BigInterval::new(r.lo().clone(), r.hi().clone().min(Dyadic::int(1)))
    }

    /// `erf'(x) = 2/sqrt(pi) e^(-x^2)` (which underflows to a tiny interval
    /// instead of failing).
    pub fn erf_slope(&self, x: &BigInterval) -> Option<BigInterval> {
        let w = self.w();
        let x2 = w.sqr(x);
        // e^(-t) decreases in t >= 0.
        let (lo, hi) = (self.exp_of_minus_abs(x2.hi())?, self.exp_of_minus_abs(x2.lo())?);
        let e = BigInterval::new(lo.lo().clone(), hi.hi().clone());
        Some(self.p.round(&w.mul(&self.two_over_root_pi(), &e)))
    }
}

/// `atan z`: halved until `|z| < 1/16`, then the alternating series
/// `sum_j (-1)^j z^(2j+1) / (2j+1)`, whose terms shrink for `|z| < 1`, so
/// its tail is below the next term.
fn atan_series(w: Prec, z: &BigInterval) -> BigInterval {
    let one = BigInterval::int(1);
    let mut z = z.clone();
    let mut halvings = 0;
    while !negligible(&z, 4) {
        let root = w.sqrt(&w.add(&one, &w.sqr(&z))).expect("1 + z^2 > 0");
        z = w.div(&z, &w.add(&one, &root)).expect("1 + sqrt(1 + z^2) > 0");
        halvings += 1;
    }
    let z2 = w.sqr(&z);
    let mut power = z.clone();
    let mut sum = z.clone();
    let mut j = 1;
    loop {
        power = w.mul(&power, &z2);
        let term = w.div_int(&power, 2 * j + 1);
        sum = if j % 2 == 1 { w.sub(&sum, &term) } else { w.add(&sum, &term) };
        if negligible(&term, relative_bits(w, &z)) {
            let next = w.div_int(&w.mul(&power, &z2), 2 * j + 3);
            return w.add(&sum, &BigInterval::symmetric(&next.mag())).shl(halvings);
        }
        j += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::decimal;
    use super::*;
    use crate::interval::Interval;

    /// Whether `got` is within `2^-bits` of `want` (absolutely).
    fn near(b: &Big, got: &BigInterval, want: &BigInterval, bits: i64) -> bool {
        let d = b.w().sub(got, want).mag();
        d.is_zero() || d.log2_floor() < -bits
    }

    /// Reference values from mpmath at 80 digits, rounded to 60
    /// (`mp.atan(0.5)`, `mp.atan(3)`, `mp.atan(mpf(-1e-10))`, `mp.sinh(0.5)`,
    /// `mp.sinh(mpf(1e-30))`, `mp.cosh(2)`, `mp.erf(0.5)`, `mp.erf(3)`,
    /// `mp.erf(mpf(1e-20))`, `mp.erfc(10)`, `mp.erfc(15.5)`; the doubles'
    /// exact values).
    #[test]
    fn functions_against_mpmath() {
        let b = Big::new(192);
        let p = |x: f64| BigInterval::from_f64(x).unwrap();
        let rel: Vec<(BigInterval, &str, i64)> = vec![
            (b.atan(&p(0.5)).unwrap(), "463647609000806116214256231461214402028537054286120263810933", -60),
            (b.atan(&p(3.0)).unwrap(), "124904577239825442582991707728109012307782940412989671905467", -59),
            (b.atan(&p(-1e-10)).unwrap().neg(), "100000000000000003642886398216440824546791175911132884659601", -69),
            (b.sinh(&p(0.5)).unwrap(), "521095305493747361622425626411491559105928982611480527946094", -60),
            (b.sinh(&p(1e-30)).unwrap(), "100000000000000008333642060758598535093133602686865450236451", -89),
            (b.cosh(&p(2.0)).unwrap(), "376219569108363145956221347777374610829397355823071160277764", -59),
            (b.erf(&p(0.5)).unwrap(), "520499877813046537682746653891964528736451575757963700058806", -60),
            (b.erf(&p(3.0)).unwrap(), "999977909503001414558627223870417679620152292912600750342761", -60),
            (b.erf(&p(1e-20)).unwrap(), "112837916709551251200825302870886806230103891977760222206267", -79),
        ];
        for (i, (got, digits, exp)) in rel.iter().enumerate() {
            let want = decimal(&b, digits, *exp);
            let scale = want.mag().log2_floor();
            assert!(near(&b, got, &want, 180 - scale), "case {i}: {got:?}");
        }
        // 1 - erf x = erfc x, to the absolute precision.
        let one = BigInterval::int(1);
        for (x, digits, exp) in [
            (10.0, "208848758376254475700078629495778861156081811932116372701221", -104),
            (15.5, "166320164004887233414910274117732407042283956042353147664058", -165),
        ] {
            let erfc = b.w().sub(&one, &b.erf(&p(x)).unwrap());
            assert!(near(&b, &erfc, &decimal(&b, digits, exp), 185), "erfc({x}) = {erfc:?}");
        }
        let tail = b.erf(&p(20.0)).unwrap();
        assert!(tail.hi() == &Dyadic::int(1) && near(&b, &tail, &one, 190), "{tail:?}");
        assert!(b.erf(&p(-20.0)).unwrap().lo() == &Dyadic::int(-1));
    }

    /// Identities: atan x + atan(1/x) = pi/2, cosh^2 - sinh^2 = 1, erf and
    /// sinh odd, cosh even, erf' against the slope of the series.
    #[test]
    fn identities() {
        let b = Big::new(160);
        let w = b.w();
        for x in [0.3, 2.5, 7.25, 100.0, 1e-9, 40.0, 0.999] {
            let xi = BigInterval::from_f64(x).unwrap();
            let sum = w.add(&b.atan(&xi).unwrap(), &b.atan(&w.recip(&xi).unwrap()).unwrap());
            assert!(near(&b, &sum, &b.pi().shl(-1), 150), "atan at {x}");
            let (s, c) = (b.sinh(&xi).unwrap(), b.cosh(&xi).unwrap());
            let one = w.sub(&w.sqr(&c), &w.sqr(&s));
            let scale = c.mag().log2_floor() * 2;
            assert!(near(&b, &one, &BigInterval::int(1), 150 - scale), "cosh^2 - sinh^2 at {x}: {one:?}");
            assert_eq!(b.sinh(&xi.neg()).unwrap(), s.neg());
            assert_eq!(b.cosh(&xi.neg()).unwrap(), c);
            assert_eq!(b.erf(&xi.neg()).unwrap(), b.erf(&xi).unwrap().neg());
        }
        // cosh over an interval across 0 starts at 1.
        let across = BigInterval::new(Dyadic::from_f64(-1.0).unwrap(), Dyadic::from_f64(2.0).unwrap());
        assert_eq!(b.cosh(&across).unwrap().lo(), &Dyadic::int(1));
        // erf(x + h) - erf(x - h) ~ 2 h erf'(x) within h^3 erf'''/3.
        let (x, h) = (0.7, 2f64.powi(-40));
        let (up, down) = (b.erf(&BigInterval::from_f64(x + h).unwrap()), b.erf(&BigInterval::from_f64(x - h).unwrap()));
        let slope = w.div(&w.sub(&up.unwrap(), &down.unwrap()), &BigInterval::from_f64(2.0 * h).unwrap()).unwrap();
        assert!(near(&b, &slope, &b.erf_slope(&BigInterval::from_f64(x).unwrap()).unwrap(), 75));
    }

    /// The libraries' f64 functions, which the `f64` interval functions
    /// widen by `LIBM_ULPS`, against these references: the largest error
    /// in ulps over grids of arguments (near 0, moderate, large).
    #[test]
    fn libm_errors_are_within_the_widening() {
        use crate::interval::round::LIBM_ULPS;
        let b = Big::new(128);
        let ulps = |got: f64, want: BigInterval| -> f64 {
            let (lo, hi) = want.to_f64();
            if got >= lo && got <= hi {
                return 0.0;
            }
            let nearest = if got < lo { lo } else { hi };
            (got - nearest).abs() / (nearest.abs() * f64::EPSILON).max(f64::from_bits(1))
        };
        let grid = |lo: f64, hi: f64, n: u32| (0..=n).map(move |i| lo + (hi - lo) * f64::from(i) / f64::from(n));
        let mut pts: Vec<f64> = grid(-6.0, 6.0, 3001).collect();
        pts.extend(grid(-1e-6, 1e-6, 501));
        pts.extend((0..200).map(|i| 1.37f64.powi(i - 100)));
        type Case<'a> = (&'a str, fn(f64) -> f64, &'a dyn Fn(&BigInterval) -> Option<BigInterval>);
        let tan = |x: &BigInterval| b.p.div(&b.sin(x)?, &b.cos(x)?);
        let cases: [Case; 5] = [
            ("erf", libm::erf, &|x| b.erf(x)),
            ("atan", f64::atan, &|x| b.atan(x)),
            ("tan", f64::tan, &tan),
            ("sinh", f64::sinh, &|x| b.sinh(x)),
            ("cosh", f64::cosh, &|x| b.cosh(x)),
        ];
        for (name, f, reference) in cases {
            let worst = pts
                .iter()
                .filter(|x| x.abs() < 700.0)
                .filter_map(|&x| Some(ulps(f(x), reference(&BigInterval::from_f64(x)?)?)))
                .fold(0.0, f64::max);
            println!("{name}: at most {worst} ulps");
            assert!(worst <= f64::from(LIBM_ULPS) / 2.0, "{name}: {worst} ulps");
        }
    }

    /// The `f64` interval versions enclose the 128-bit values at extreme
    /// arguments (subnormal, tiny, huge, past overflow, at the doubles
    /// beside tan's pole pi/2) and over intervals between them; an interval
    /// holding a pole gives the whole line.
    #[test]
    fn f64_enclosures_hold_at_extreme_arguments() {
        use std::f64::consts::FRAC_PI_2;
        let b = Big::new(128);
        let tan = |x: &BigInterval| b.p.div(&b.sin(x)?, &b.cos(x)?);
        type Case<'a> = (&'a str, fn(Interval) -> Interval, &'a dyn Fn(&BigInterval) -> Option<BigInterval>, Vec<f64>);
        let common = [1e-310, 1e-300, 1e-20, 1e-8, 0.5, 1.0, 3.0];
        let with = |extra: &[f64]| common.iter().chain(extra).flat_map(|&x| [x, -x]).collect::<Vec<f64>>();
        let cases: [Case; 5] = [
            ("atan", Interval::atan, &|x| b.atan(x), with(&[1e8, 1e300, f64::MAX])),
            ("erf", Interval::erf, &|x| b.erf(x), with(&[5.9, 6.0, 15.9, 16.0, 27.0, 1e300])),
            ("sinh", Interval::sinh, &|x| b.sinh(x), with(&[700.0, 710.4, 711.0, 1e4])),
            ("cosh", Interval::cosh, &|x| b.cosh(x), with(&[700.0, 710.4, 711.0, 1e4])),
            ("tan", Interval::tan, &tan, with(&[FRAC_PI_2, FRAC_PI_2.next_up(), FRAC_PI_2 - 1e-7, 1e5, 1e15])),
        ];
        for (name, f, reference, points) in cases {
            let exact = |x: f64| {
                let (lo, hi) = reference(&BigInterval::from_f64(x).unwrap()).unwrap().to_f64();
                Interval::new(lo, hi)
            };
            for &x in &points {
                let got = f(Interval::point(x));
                assert!(got.encloses(exact(x)), "{name}({x}) = {got}, exact {}", exact(x));
            }
            let mut sorted = points.clone();
            sorted.sort_by(f64::total_cmp);
            for w in sorted.windows(2) {
                let got = f(Interval::new(w[0], w[1]));
                assert!(got.encloses(exact(w[0]).hull(exact(w[1]))), "{name} over [{}, {}] = {got}", w[0], w[1]);
            }
        }
        // tan's pole pi/2 lies between FRAC_PI_2 and the next double.
        assert_eq!(Interval::new(1.5, FRAC_PI_2.next_up()).tan(), Interval::ENTIRE);
        assert_eq!(Interval::new(FRAC_PI_2, FRAC_PI_2.next_up()).tan(), Interval::ENTIRE);
        let below = Interval::new(1.5, FRAC_PI_2 - 1e-9).tan();
        assert!(below.is_finite() && below.hi() > 9.9e8, "{below}");
        assert_eq!(Interval::new(-2.0, -1.0).tan(), Interval::ENTIRE, "-pi/2 inside");
    }
}
