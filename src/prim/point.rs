//! Each primitive's value and derivative at a point, in f64 and generically
//! over num-dual's [`DualNum`] (dual numbers, and intervals in the bounding
//! layer). Every formula is stable for large arguments.

use num_dual::DualNum;

use super::special::Erf;
use crate::expr::Func;

/// `sigmoid(x) = 1 / (1 + e^-x)`, without overflow for any x.
pub fn sigmoid(x: f64) -> f64 {
    sigmoid_from(x, (-x.abs()).exp())
}

/// `softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|)`.
pub fn softplus(x: f64) -> f64 {
    softplus_from(x, (-x.abs()).exp())
}

/// `(softplus(x), sigmoid(x))` from one exponential.
pub fn softplus_sigmoid(x: f64) -> (f64, f64) {
    let e = (-x.abs()).exp();
    (softplus_from(x, e), sigmoid_from(x, e))
}

/// sigmoid from `e = e^-|x|`: `1 / (1 + e)` for `x >= 0`, `e / (1 + e)` below.
#[inline(always)]
fn sigmoid_from(x: f64, e: f64) -> f64 {
    if x >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) }
}

/// softplus from `e = e^-|x|`.
#[inline(always)]
fn softplus_from(x: f64, e: f64) -> f64 {
    x.max(0.0) + e.ln_1p()
}

/// `sigmoid'(x) = sigmoid(x) sigmoid(-x)`, to full relative accuracy: from
/// `y = sigmoid(x)` where neither factor is near 1, else from
/// `u = e^-|x|` as `u / (1 + u)^2` (`y (1 - y)` cancels where `y` is near 1).
pub fn sigmoid_slope(x: f64, y: f64) -> f64 {
    if x.abs() < 1.0 {
        y * (1.0 - y)
    } else {
        let u = (-x.abs()).exp();
        u / ((1.0 + u) * (1.0 + u))
    }
}

/// `tanh'(x) = 1 - tanh(x)^2` from `y = tanh(x)` where `|y|` is small, else
/// `4 u / (1 + u)^2` with `u = e^(-2|x|)`, which does not cancel.
pub fn tanh_slope(x: f64, y: f64) -> f64 {
    if x.abs() < 0.5 {
        1.0 - y * y
    } else {
        let u = (-2.0 * x.abs()).exp();
        4.0 * u / ((1.0 + u) * (1.0 + u))
    }
}

/// The sign of `x`, with `sign(0) = 0` (Rust's `signum` gives 1 at 0):
/// the derivative of `abs`, with the subgradient 0 at the kink.
#[inline(always)]
pub fn sign(x: f64) -> f64 {
    crate::interval::sign(x)
}

/// `max(x, 0)`, NaN staying NaN.
#[inline(always)]
pub fn relu(x: f64) -> f64 {
    if x > 0.0 || x.is_nan() { x } else { 0.0 }
}

/// The derivative of `relu`, with the subgradient 0 at the kink.
#[inline(always)]
pub fn relu_slope(x: f64) -> f64 {
    if x > 0.0 { 1.0 } else { 0.0 }
}

/// The value of `f` at `x`.
pub fn value(f: Func, x: f64) -> f64 {
    match f {
        Func::Exp => x.exp(),
        Func::Log => x.ln(),
        Func::Sqrt => x.sqrt(),
        Func::Cbrt => x.cbrt(),
        Func::Rsqrt => 1.0 / x.sqrt(),
        Func::Abs => x.abs(),
        Func::Sigmoid => sigmoid(x),
        Func::Softplus => softplus(x),
        Func::Tanh => x.tanh(),
        Func::Relu => relu(x),
        Func::Swish => x * sigmoid(x),
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Log1p => x.ln_1p(),
        Func::Expm1 => x.exp_m1(),
        Func::Atan => x.atan(),
        Func::Erf => libm::erf(x),
        Func::Tan => x.tan(),
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
    }
}

/// The derivative of `f` at `x`, given `y = f(x)`. At the kinks of `abs`
/// and `relu` the subgradient 0 is used.
pub fn derivative(f: Func, x: f64, y: f64) -> f64 {
    match f {
        Func::Exp => y,
        Func::Log => 1.0 / x,
        Func::Sqrt => 0.5 / y,
        Func::Cbrt => 1.0 / (3.0 * y * y),
        Func::Rsqrt => -0.5 * y / x,
        Func::Abs => sign(x),
        Func::Sigmoid => sigmoid_slope(x, y),
        Func::Softplus => sigmoid(x),
        Func::Tanh => tanh_slope(x, y),
        Func::Relu => relu_slope(x),
        Func::Swish => {
            let s = sigmoid(x);
            s + x * sigmoid_slope(x, s)
        }
        Func::Sin => x.cos(),
        Func::Cos => -x.sin(),
        Func::Log1p => 1.0 / (1.0 + x),
        // y + 1 cancels where expm1(x) is near -1.
        Func::Expm1 => {
            if x < -0.5 {
                x.exp()
            } else {
                y + 1.0
            }
        }
        Func::Atan => 1.0 / x.mul_add(x, 1.0),
        Func::Erf => std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp(),
        // sec^2 = 1 + tan^2, from the value: no cancellation.
        Func::Tan => y.mul_add(y, 1.0),
        Func::Sinh => x.cosh(),
        Func::Cosh => x.sinh(),
    }
}

/// `f(x)` for any num-dual number. Branches (for the stable forms, and the
/// kinks of `abs` and `relu`) are decided on the real part, as num-dual does;
/// the bounding layer handles kinks itself where that is not sound.
pub fn apply<T: Erf>(f: Func, x: &T) -> T {
    let re = x.re();
    let sig = |x: &T| {
        if x.re() >= 0.0 {
            (x.neg_clone().exp() + 1.0).recip()
        } else {
            let e = x.exp();
            e.clone() / (e + 1.0)
        }
    };
    match f {
        Func::Exp => x.exp(),
        Func::Log => x.ln(),
        Func::Sqrt => x.sqrt(),
        Func::Cbrt => x.cbrt(),
        Func::Rsqrt => x.sqrt().recip(),
        Func::Abs => {
            if re < 0.0 {
                x.neg_clone()
            } else {
                x.clone()
            }
        }
        Func::Sigmoid => sig(x),
        Func::Softplus => {
            if re > 0.0 {
                x.clone() + x.neg_clone().exp().ln_1p()
            } else {
                x.exp().ln_1p()
            }
        }
        Func::Tanh => {
            // -expm1(-2|x|) / (2 + expm1(-2|x|)), odd: no overflow (cosh) and
            // no cancellation near 0.
            let a = if re >= 0.0 { x.clone() } else { x.neg_clone() };
            let m = (a * -2.0).exp_m1();
            let t = m.neg_clone() / (m + 2.0);
            if re >= 0.0 { t } else { t.neg_clone() }
        }
        Func::Relu => {
            if re > 0.0 {
                x.clone()
            } else {
                x.clone() * 0.0
            }
        }
        Func::Swish => x.clone() * sig(x),
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Log1p => x.ln_1p(),
        Func::Expm1 => x.exp_m1(),
        Func::Atan => x.atan(),
        Func::Erf => x.erf(),
        Func::Tan => x.tan(),
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
    }
}

/// Negation through a clone, for types that only negate by value.
trait NegClone {
    fn neg_clone(&self) -> Self;
}

impl<T: DualNum<Primitive = f64>> NegClone for T {
    fn neg_clone(&self) -> Self {
        -self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_forms_do_not_overflow() {
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(softplus(1000.0), 1000.0);
        assert!(softplus(-1000.0) >= 0.0 && softplus(-1000.0) < 1e-300);
        assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-16);
        assert_eq!(value(Func::Swish, -1000.0), -0.0);
        assert_eq!(derivative(Func::Softplus, 1000.0, 1000.0), 1.0);
    }

    /// Values and slopes of atan, erf, tan, sinh and cosh against closed
    /// forms, and against mpmath at 30 digits where there is none
    /// (`mp.erf(1)`, `mp.erf(2)`, `mp.erf(0.5)`, `mp.sinh(710)`, and
    /// `mp.tan(1.5707963267948966)`, the double just below pi/2).
    #[test]
    fn new_primitives_by_formula() {
        use std::f64::consts::{E, FRAC_2_SQRT_PI, FRAC_PI_2, FRAC_PI_3, FRAC_PI_4};
        let s3 = 3f64.sqrt();
        let (sh1, ch1) = ((E - 1.0 / E) / 2.0, (E + 1.0 / E) / 2.0);
        let t_pole = 1.633_123_935_319_537e16;
        // (f, x, f(x), f'(x), relative tolerance)
        let rows: &[(Func, f64, f64, f64, f64)] = &[
            (Func::Atan, 1.0, FRAC_PI_4, 0.5, 4e-16),
            (Func::Atan, -s3, -FRAC_PI_3, 0.25, 4e-16),
            (Func::Atan, 1e300, FRAC_PI_2, 0.0, 4e-16),
            (Func::Atan, 1e-300, 1e-300, 1.0, 0.0),
            (Func::Erf, 0.5, 0.520_499_877_813_046_5, FRAC_2_SQRT_PI * (-0.25f64).exp(), 4e-16),
            (Func::Erf, 1.0, 0.842_700_792_949_714_9, FRAC_2_SQRT_PI / E, 4e-16),
            (Func::Erf, -2.0, -0.995_322_265_018_952_7, FRAC_2_SQRT_PI * (-4f64).exp(), 4e-16),
            (Func::Erf, 1e-300, FRAC_2_SQRT_PI * 1e-300, FRAC_2_SQRT_PI, 4e-16),
            (Func::Erf, 30.0, 1.0, 0.0, 0.0),
            (Func::Tan, FRAC_PI_4, 1.0, 2.0, 4e-16),
            (Func::Tan, -FRAC_PI_3, -s3, 4.0, 1e-15),
            (Func::Tan, FRAC_PI_2, t_pole, t_pole * t_pole, 1e-15),
            (Func::Sinh, 1.0, sh1, ch1, 4e-16),
            (Func::Sinh, -1e-200, -1e-200, 1.0, 0.0),
            (Func::Sinh, 710.0, 1.116_997_383_080_855_5e308, 1.116_997_383_080_855_5e308, 1e-15),
            (Func::Cosh, 1.0, ch1, sh1, 4e-16),
            (Func::Cosh, 0.0, 1.0, 0.0, 0.0),
            (Func::Cosh, -3.0, 10.067_661_995_777_765, -10.017_874_927_409_903, 4e-16),
        ];
        for &(f, x, v, d, tol) in rows {
            let y = value(f, x);
            assert!((y - v).abs() <= tol * v.abs(), "{f}({x}) = {y}, want {v}");
            let dy = derivative(f, x, y);
            assert!((dy - d).abs() <= tol * d.abs(), "{f}'({x}) = {dy}, want {d}");
            // The generic form through a dual number gives the same slope.
            let dual = apply(f, &num_dual::Dual64::new(x, 1.0));
            assert!((dual.eps - d).abs() <= 2.0 * tol.max(4e-16) * d.abs(), "{f}' by num-dual at {x}: {}", dual.eps);
        }
    }

    #[test]
    fn generic_apply_agrees_with_f64_values() {
        for f in Func::ALL {
            for x in [0.3, 1.7, 2.5] {
                let a = apply(f, &x);
                let b = value(f, x);
                assert!((a - b).abs() <= 1e-15 * b.abs().max(1.0), "{f} at {x}: {a} vs {b}");
            }
        }
    }
}
