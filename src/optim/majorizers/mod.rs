//! The MM optimizers: the step rules of the `mm` layer, run against a
//! [`Problem`](crate::optim::Problem) behind the [`Optimizer`](crate::optim::Optimizer)
//! trait. Every accepted step is checked by evaluating the loss: a step
//! whose bound promised a decrease but whose evaluated loss is higher, or
//! not finite (only rounding could do that: the parameters are rounded onto
//! a pole the exact line missed), is refused and the trust region shrinks,
//! so the loss never increases and stays finite.

mod alternating;
mod direction;
mod full_mm;
mod safe_combination;
mod safe_rate;

pub use alternating::Alternating;
pub use direction::Direction;
pub use full_mm::FullMm;
pub use safe_combination::SafeCombination;
pub use safe_rate::SafeRate;

use crate::tensor::Tensor;

/// How many times a refused step is retried with a smaller region.
pub(crate) const MAX_RETRIES: usize = 8;

/// Whether a step from loss `f0` to loss `f_new` is kept: no increase, and
/// finite (a loss of `-inf` at a rounded-onto pole is not a decrease).
pub(crate) fn accepts(f_new: f64, f0: f64) -> bool {
    f_new.is_finite() && f_new <= f0
}

/// `x + sum_i s_i d_i` for lists of tensors.
pub(crate) fn combine(x: &[Tensor], steps: &[(f64, &[Tensor])]) -> Vec<Tensor> {
    let mut out = x.to_vec();
    for &(s, d) in steps {
        if s != 0.0 {
            for (o, t) in out.iter_mut().zip(d) {
                *o = o.zip_with(t, |a, b| a + s * b);
            }
        }
    }
    out
}

/// The diagnosis of a step of `taken` along `v` from `params`, whose bound
/// allowed curvature `c2_bound` (the true one is computed here unless given),
/// with `scale` a first guess of the line minimizer's size.
pub(crate) fn diagnose(
    problem: &mut crate::optim::Problem<'_>,
    params: &[Tensor],
    v: &[Tensor],
    (taken, c2_bound, c2_true): (f64, f64, Option<f64>),
    scale: f64,
) -> crate::mm::diagnose::Diagnosis {
    let c2_true = c2_true.unwrap_or_else(|| problem.taylor2(params, v)[2]);
    let mut h = |t: f64| problem.value(&combine(params, &[(t, v)]));
    crate::mm::diagnose::Diagnosis::of(&mut h, taken, c2_bound, c2_true, scale)
}

/// The norm of the difference of two parameter lists.
pub(crate) fn distance(a: &[Tensor], b: &[Tensor]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x.zip_with(y, |p, q| (p - q) * (p - q)).sum_axis(None).item()).sum::<f64>().sqrt()
}
