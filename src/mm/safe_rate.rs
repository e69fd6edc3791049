//! SafeRate: the step size along one direction that minimizes the
//! degree-2 upper bound of `h(eta) = f(x + eta v)` over `[0, eta_max]`.

use super::quadratic::argmin_on_segment;
use crate::bound::Bounder;
use crate::interval::Interval;
use crate::tensor::Tensor;

/// How many times a trust region is halved when its bound is not finite.
pub const MAX_HALVINGS: usize = 60;

/// The plan of one SafeRate step.
#[derive(Clone, Debug, PartialEq)]
pub struct LinePlan {
    /// The step size (0: no decrease is promised).
    pub eta: f64,
    /// The trust radius the bound was made over.
    pub eta_max: f64,
    /// `(c0, c1, C2)` of `h(eta) in c0 + c1 eta + C2 eta^2` on `[0, eta_max]`.
    pub coefficients: [Interval; 3],
    /// An upper bound on `f(x + eta v)`.
    pub upper: f64,
}

impl LinePlan {
    /// The decrease the bound guarantees: `lower(f(x)) - upper(f(x + eta v))`.
    pub fn promised(&self) -> f64 {
        self.coefficients[0].lo() - self.upper
    }
}

/// The SafeRate step from `x` along `v` with trust radius `eta_max`:
/// bound `h(eta) = f(x + eta v)` at degree 2 over `[0, eta_max]` and step to
/// the clipped minimizer of its upper quadratic `c0 + c1 eta + C2_hi eta^2`
/// (every `eta^2 >= 0`). Where the bound is not finite, the radius halves,
/// at most [`MAX_HALVINGS`] times. A step whose bound does not promise a
/// strict decrease is 0.
pub fn plan(bounder: &Bounder<'_>, x: &[Tensor], v: &[Tensor], eta_max: f64) -> LinePlan {
    let mut e = eta_max;
    let mut coefficients = [Interval::ENTIRE; 3];
    for _ in 0..MAX_HALVINGS {
        coefficients = bounder.line2(x, v, e);
        let [c0, c1, c2] = coefficients;
        if c0.is_finite() && c1.is_finite() && c2.is_finite() {
            let eta = argmin_on_segment(c1.hi(), c2.hi(), e);
            let upper = (c0 + c1 * eta + c2 * (Interval::point(eta).sqr())).hi();
            let plan = LinePlan { eta, eta_max: e, coefficients, upper };
            return if eta > 0.0 && plan.promised() > 0.0 {
                plan
            } else {
                LinePlan { eta: 0.0, upper: c0.hi(), ..plan }
            };
        }
        e /= 2.0;
    }
    LinePlan { eta: 0.0, eta_max: e, coefficients, upper: f64::INFINITY }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_inline;

    #[test]
    fn the_reference_checks() {
        // (x - 1)^2 from 0 along v = 2 with a huge radius: h = 1 - 4 eta + 4 eta^2
        // exactly, so eta = 1/2 and x = 1.
        let m = parse_inline("(x - 1)^2").unwrap();
        let b = Bounder::new(&m.graph, m.loss);
        let p = plan(&b, &[Tensor::scalar(0.0)], &[Tensor::scalar(2.0)], 1e12);
        // 1/2 up to the outward rounding of the bound's coefficients.
        assert!((p.eta - 0.5).abs() < 1e-15, "{}", p.eta);
        assert!(p.promised() > 0.99);
        // (x - 3)^4 from 0 along v = 108 over [0, 1]: sharp truncation gives
        // C2 = [209952, 121562208] and eta = 11664 / (2 * 121562208) = 4.79754e-5.
        let m = parse_inline("(x - 3)^4").unwrap();
        let b = Bounder::new(&m.graph, m.loss);
        let p = plan(&b, &[Tensor::scalar(0.0)], &[Tensor::scalar(108.0)], 1.0);
        let c2 = p.coefficients[2];
        assert!((c2.lo() - 209952.0).abs() < 1e-6 && (c2.hi() - 121562208.0).abs() < 1e-4, "{c2}");
        assert!((p.eta - 11664.0 / (2.0 * 121562208.0)).abs() < 1e-15, "{}", p.eta);
    }

    #[test]
    fn infinite_bounds_shrink_the_region() {
        // log(x) from 1 along -1: over [0, e] with e >= 1 the region reaches 0.
        let m = parse_inline("log(x) + x^2").unwrap();
        let b = Bounder::new(&m.graph, m.loss);
        let p = plan(&b, &[Tensor::scalar(1.0)], &[Tensor::scalar(-1.0)], 4.0);
        assert!(p.eta_max < 1.0 && p.coefficients[2].is_finite(), "{p:?}");
    }
}
