//! The error function on every number type the primitives run on.
//! num-dual's [`DualNum`] has no `erf`, so [`Erf`] adds it: `libm::erf` on
//! `f64`, the enclosure [`Interval::erf`] on intervals, and on num-dual's
//! dual numbers the chain rule with
//! `erf' = 2/sqrt(pi) e^(-x^2)`, `erf'' = -2x erf'`, `erf''' = (4x^2 - 2) erf'`
//! in the inner type (so nested duals over intervals give ranges of every
//! derivative, as num-dual's own functions do).

use num_dual::{Dual, Dual2, Dual3, DualNum, HyperDual};

use crate::interval::Interval;

/// A number type with the error function.
pub trait Erf: DualNum<Primitive = f64> {
    /// `2 / sqrt(pi)` in this type (enclosed, for intervals).
    fn two_over_root_pi() -> Self;

    /// `erf(self)`.
    fn erf(&self) -> Self;
}

/// `erf'(x) = 2/sqrt(pi) e^(-x^2)`.
pub fn erf_slope<T: Erf>(x: &T) -> T {
    (-x.powi(2)).exp() * T::two_over_root_pi()
}

impl Erf for f64 {
    fn two_over_root_pi() -> Self {
        std::f64::consts::FRAC_2_SQRT_PI
    }

    fn erf(&self) -> Self {
        libm::erf(*self)
    }
}

impl Erf for Interval {
    fn two_over_root_pi() -> Self {
        // The constant is rounded to nearest: the true value is within half an ulp.
        let c = std::f64::consts::FRAC_2_SQRT_PI;
        Interval::new(c.next_down(), c.next_up())
    }

    fn erf(&self) -> Self {
        Interval::erf(*self)
    }
}

/// `(erf, erf', erf'', erf''')` at the inner value `x`.
fn erf_parts<T: Erf>(x: &T) -> [T; 4] {
    let f1 = erf_slope(x);
    let f2 = f1.clone() * x.clone() * -2.0;
    let f3 = f1.clone() * (x.powi(2) * 4.0 - 2.0);
    [x.erf(), f1, f2, f3]
}

impl<T: Erf> Erf for Dual<T> {
    fn two_over_root_pi() -> Self {
        Dual::from_re(T::two_over_root_pi())
    }

    fn erf(&self) -> Self {
        let [f0, f1, ..] = erf_parts(&self.re);
        Dual::new(f0, self.eps.clone() * f1)
    }
}

impl<T: Erf> Erf for Dual2<T> {
    fn two_over_root_pi() -> Self {
        Dual2::from_re(T::two_over_root_pi())
    }

    fn erf(&self) -> Self {
        let [f0, f1, f2, _] = erf_parts(&self.re);
        let v1 = self.v1.clone();
        Dual2::new(f0, v1.clone() * f1.clone(), self.v2.clone() * f1 + v1.clone() * v1 * f2)
    }
}

impl<T: Erf> Erf for Dual3<T> {
    fn two_over_root_pi() -> Self {
        Dual3::from_re(T::two_over_root_pi())
    }

    fn erf(&self) -> Self {
        let [f0, f1, f2, f3] = erf_parts(&self.re);
        let (v1, v2, v3) = (self.v1.clone(), self.v2.clone(), self.v3.clone());
        let d2 = f2.clone() * v1.clone() * v1.clone() + f1.clone() * v2.clone();
        let d3 = f3 * v1.clone() * v1.clone() * v1.clone() + f2 * v1.clone() * v2 * 3.0 + f1.clone() * v3;
        Dual3::new(f0, f1 * v1, d2, d3)
    }
}

impl<T: Erf> Erf for HyperDual<T> {
    fn two_over_root_pi() -> Self {
        HyperDual::from_re(T::two_over_root_pi())
    }

    fn erf(&self) -> Self {
        let [f0, f1, f2, _] = erf_parts(&self.re);
        let (e1, e2) = (self.eps1.clone(), self.eps2.clone());
        let e12 = self.eps1eps2.clone() * f1.clone() + e1.clone() * e2.clone() * f2;
        HyperDual::new(f0, e1 * f1.clone(), e2 * f1, e12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual3_64, HyperDual64};

    /// erf and its derivatives at 0.5 against closed forms: erf(0.5) =
    /// 0.5204998778130465 (mpmath, `mp.erf(0.5)` at 30 digits), erf' =
    /// 2/sqrt(pi) e^(-1/4), erf'' = -erf', erf''' = (4/4 - 2) erf' = -erf'.
    #[test]
    fn derivatives_by_the_chain_rule() {
        let d1 = std::f64::consts::FRAC_2_SQRT_PI * (-0.25f64).exp();
        let d = Dual3_64::new(0.5, 1.0, 0.0, 0.0).erf();
        let want = [0.520_499_877_813_046_5, d1, -d1, -d1];
        for (got, want) in [d.re, d.v1, d.v2, d.v3].into_iter().zip(want) {
            assert!((got - want).abs() <= 4e-16, "{got} vs {want}");
        }
        let h = HyperDual64::new(0.5, 1.0, 1.0, 0.0).erf();
        assert!((h.eps1eps2 + d1).abs() <= 4e-16 && (h.eps1 - d1).abs() <= 4e-16);
        let d2 = Dual2::new(0.5, 1.0, 0.0).erf();
        assert!((d2.v2 + d1).abs() <= 4e-16);
    }

    /// Over an interval, each part encloses the derivative at every point.
    #[test]
    fn interval_duals_enclose_the_derivatives() {
        let x = Interval::new(-0.3, 1.2);
        let d = Dual3::new(x, Interval::ONE, Interval::ZERO, Interval::ZERO).erf();
        for k in 0..=30 {
            let t = -0.3 + 1.5 * f64::from(k) / 30.0;
            let p = Dual3_64::new(t, 1.0, 0.0, 0.0).erf();
            for (range, v) in [(d.re, p.re), (d.v1, p.v1), (d.v2, p.v2), (d.v3, p.v3)] {
                assert!(range.contains(v), "{range} misses {v} at {t}");
            }
        }
        assert!(Interval::two_over_root_pi().contains(std::f64::consts::FRAC_2_SQRT_PI));
    }
}
