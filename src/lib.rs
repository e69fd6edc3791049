//! # majorize
//!
//! Minimize losses written as expressions by majorization-minimization, with
//! majorizers derived automatically: no learning rate, and the loss never
//! increases.
//!
//! ```
//! use majorize::optim::{self, RunOptions};
//! use majorize::{Problem, Tensor, lang};
//!
//! let mut model = lang::parse_inline("(1-x)^2 + 100*(y-x^2)^2").unwrap();
//! model.set_init("x", Tensor::scalar(-1.2)).unwrap();
//! model.set_init("y", Tensor::scalar(1.0)).unwrap();
//! let mut problem = Problem::new(&model);
//! // Full MM: a quadratic upper bound in every coordinate, minimized over a box.
//! let mut opt = optim::FullMm::default();
//! let result = optim::run(&mut opt, &mut problem, model.init.clone(), &RunOptions::default(), |_| {});
//! assert!(result.trace.windows(2).all(|w| w[1].loss <= w[0].loss)); // monotone
//! assert!(result.loss() < 1e-10);
//! ```
//!
//! A loss is an expression graph over tensors of rank 0 to 2, written in a
//! small language ([`lang`]) or built from Rust ([`Builder`]).
//! [`simplify`] rewrites it by equality saturation into an equivalent graph
//! with fewer repeated parameters (tighter bounds) and less work. [`Evaluator`]
//! computes its value and reverse-mode gradient; [`bound`] encloses it over
//! a trust region with rigorous Taylor enclosures; [`mm`] turns those into
//! steps ([`mm::safe_rate`], [`mm::safe_combination`], [`mm::full_mm`]); and
//! [`optim`] runs them, beside the baseline optimizers, behind one
//! [`Optimizer`] trait (`examples/embed.rs` steps one in its own loop).
//!
//! Layers, each using only those before it: `interval`, `tensor`, `expr`,
//! `prim` (the table of primitives: every fact about each function), [`lang`], [`simplify`], [`plan`], [`eval`], [`bound`], [`mm`], [`optim`], [`bench`](mod@bench)
//! ([`plan`] computes its constant nodes through [`eval`]'s value domain,
//! the one edge back). `testing` (the `testing` feature, on by default)
//! states the crate's promises as properties of any loss or optimizer.
//! See `docs/` for the language, the command line, the methods,
//! `docs/testing.md` for property-based testing and `docs/performance.md`
//! for the engine's speed.

#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod bench;
pub mod bound;
mod error;
pub mod eval;
mod expr;
mod interval;
pub mod lang;
pub mod mm;
pub mod optim;
pub mod plan;
mod prim;
pub mod simplify;
mod tensor;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::Error;
pub use eval::{Evaluator, eval_scalar};
pub use expr::{
    Axis, Builder, DataInfo, Expr, ExprError, F64Key, Footprint, Func, GatherInfo, Graph, Model, Node, NodeId, Op,
    ParamInfo, Pass, Sel,
};
pub use interval::Interval;
pub use optim::{OptimError, Optimizer, Problem};
pub use prim::special::Erf;
pub use tensor::{Shape, Tensor, memory};
