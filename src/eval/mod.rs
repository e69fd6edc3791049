//! Forward evaluation and reverse-mode gradients.
//!
//! This layer holds the vectorized [`kernels`] of the primitives (whose
//! point values, [`func`], are the primitive table's), the [`Evaluator`]
//! that computes a graph's value and gradient, and [`eval_dual`], which
//! runs a graph over num-dual's numbers ([`directional_derivative`] checks
//! reverse mode by forward mode with it). It uses the `tensor`,
//! `expr`, `prim` and `plan` layers.
//!
//! ```
//! use majorize::{Builder, Evaluator};
//! let b = Builder::new();
//! let x = b.scalar_param("x", 3.0).unwrap();
//! let model = b.minimize(x.powi(2) + x.sin()).unwrap();
//! let mut ev = Evaluator::new(&model.graph, model.loss);
//! let (f, g) = ev.value_and_grad(&model.init);
//! assert_eq!(f, 9.0 + 3f64.sin());
//! assert_eq!(g[0].item(), 6.0 + 3f64.cos());
//! ```

mod adjoint;
mod dual;
mod dual_ops;
mod forward;
mod jet;

pub mod kernels;
mod value;

pub use crate::prim::point as func;
pub use adjoint::AdjointDomain;
pub use dual::{directional_derivative, eval_dual, eval_scalar};
pub use forward::Evaluator;
pub use jet::{jet_on, taylor2};
pub use value::ValueDomain;
