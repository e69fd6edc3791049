//! # majorize
//!
//! Minimize losses written as expressions by majorization-minimization, with
//! majorizers derived automatically.
//!
//! A loss is an expression graph over tensors of rank 0 to 2, written in a
//! small language ([`lang`]) or built from Rust ([`Builder`]). [`Evaluator`]
//! computes its value and reverse-mode gradient.
//!
//! ```
//! use majorize::{Evaluator, lang};
//! let mut model = lang::parse_inline("(1-x)^2 + 100*(y-x^2)^2").unwrap();
//! model.set_init("x", majorize::Tensor::scalar(-1.2)).unwrap();
//! model.set_init("y", majorize::Tensor::scalar(1.0)).unwrap();
//! let mut ev = Evaluator::new(&model.graph, model.loss);
//! let (loss, grad) = ev.value_and_grad(&model.init);
//! assert!((loss - 24.2).abs() < 1e-12);
//! assert!((grad[0].item() + 215.6).abs() < 1e-9 && (grad[1].item() + 88.0).abs() < 1e-9);
//! ```
//!
//! Layers, each using only those before it: `tensor`, `expr`, [`lang`],
//! `eval`, [`optim`]. See `docs/` for the language and the command line.

#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod bound;
mod error;
pub mod eval;
mod expr;
mod interval;
pub mod lang;
pub mod optim;
mod tensor;

pub use error::Error;
pub use eval::{Evaluator, eval_scalar};
pub use expr::{Axis, Builder, DataInfo, Expr, ExprError, F64Key, Func, Graph, Model, Node, NodeId, Op, ParamInfo};
pub use interval::Interval;
pub use optim::{OptimError, Optimizer, Problem};
pub use tensor::{Shape, Tensor};
