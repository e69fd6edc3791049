//! The expression graph.
//!
//! This layer owns the arena of hash-consed nodes ([`Graph`], [`NodeId`]),
//! their operations ([`Op`], [`Func`]), shape inference and checking at
//! construction ([`ExprError`]), a builder that reads well from Rust
//! ([`Builder`], [`Expr`]) and the [`Model`] it produces. It uses the `tensor`
//! layer only.
//!
//! ```
//! use majorize::{Builder, Shape, Tensor};
//! let b = Builder::new();
//! let x = b.data("X", Tensor::zeros(Shape::Matrix(10, 3))).unwrap();
//! let w = b.param("w", Tensor::zeros(Shape::Vector(3))).unwrap();
//! let z = x.matmul(w);
//! assert_eq!(z.shape(), Shape::Vector(10));
//! assert_eq!((z.softplus() - z).mean().shape(), Shape::Scalar);
//! ```

mod builder;
mod derived;
mod display;
mod error;
mod footprint;
mod gather;
mod graph;
mod op;

pub use builder::{Builder, Expr, Model};
pub use error::ExprError;
pub use footprint::{Footprint, Pass};
pub use gather::Sel;
pub use graph::{DataInfo, GatherInfo, Graph, Node, ParamInfo};
pub use op::{Axis, F64Key, Func, NodeId, Op};
