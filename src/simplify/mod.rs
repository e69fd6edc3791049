//! Simplification by equality saturation (egg).
//!
//! This layer rewrites an expression graph into an equivalent one with
//! fewer occurrences of the parameters (so interval bounds come out
//! tighter: the dependency problem) and less work (so evaluation is
//! cheaper). It owns the egg language of the graph ([`Math`]), the
//! interval-range analysis that proves the rules' domain conditions
//! ([`Facts`]), the rule table ([`RULES`]), the extraction cost
//! ([`Cost`]) and the [`Simplifier`] that runs them under limits. It uses
//! the `expr`, `tensor` and `interval` layers; `bound`, `eval` and the
//! command line run it first unless told not to (`--no-simplify`).
//!
//! Rules never change a shape, never extend or shrink the domain of what
//! they match, and fold constants only when the f64 result is exact, so the
//! rewritten graph is the same function as the original.
//!
//! ```
//! use majorize::lang;
//! use majorize::simplify::Simplifier;
//! let m = lang::parse_inline("x*x + softplus(y) - y").unwrap();
//! let s = Simplifier::default().run(&m.graph, m.loss);
//! assert!(s.report.changed);
//! assert_eq!(s.report.cost_after.occurrences, 2.0); // x^2 + softplus(-y)
//! ```

mod analysis;
mod cost;
mod error;
mod language;
mod rules;
mod simplifier;

pub use analysis::{Domain, Facts};
pub use cost::Cost;
pub use error::SimplifyError;
pub use language::{Leaf, Math, Num};
pub(crate) use language::{from_rec_expr, to_rec_expr};
pub use rules::{Condition, RULES, RuleSpec};
pub use simplifier::{Report, Simplified, Simplifier, StopReason};
