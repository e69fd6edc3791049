//! Majorizers and their minimization.
//!
//! This layer owns the three MM step rules: [`safe_rate`] (one direction),
//! [`safe_combination`] (a few directions over a box in the non-negative
//! orthant) and [`full_mm`] (every coordinate over a box around the point);
//! kink handling: the separable kink terms of a loss ([`kinks`]), proximal
//! MM that keeps them exact ([`prox`]: full MM's box, the proximal gradient
//! ray) and the exact minimization along a ray ([`ray`]); exact steps for a
//! network's last linear layer ([`last_layer`]); the trust-region
//! adaptation ([`trust`]); and the small quadratic programs they solve,
//! with faer ([`quadratic`]); and the diagnosis of a step ([`diagnose`]). Each rule returns a plan
//! whose bound promises a strict decrease, or a zero step. It uses the
//! `interval`, `tensor`, `expr`, `plan`, `eval` (for the last layer's
//! input) and `bound` layers; the optimizers that run these plans live in
//! `optim`.
//!
//! ```
//! use majorize::{Tensor, bound::Bounder, lang, mm};
//! let m = lang::parse_inline("(x - 1)^2").unwrap();
//! let b = Bounder::new(&m.graph, m.loss);
//! // Along v = 2 from x = 0: h(eta) = 1 - 4 eta + 4 eta^2, minimized at 1/2.
//! let p = mm::safe_rate::plan(&b, &[Tensor::scalar(0.0)], &[Tensor::scalar(2.0)], 1e12);
//! assert!((p.eta - 0.5).abs() < 1e-15);
//! ```

pub mod diagnose;
pub mod full_mm;
pub mod kinks;
pub mod last_layer;
pub mod prox;
pub mod quadratic;
pub mod ray;
pub mod safe_combination;
pub mod safe_rate;
pub mod trust;
