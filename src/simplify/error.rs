//! What can go wrong in simplification. None of it reaches the user as an
//! error: the simplifier keeps the original graph and says why in its report.

use crate::expr::ExprError;

/// A rewritten term that could not be built back into a graph (a bug of a
/// rewrite rule, caught before it could change a result).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimplifyError {
    /// A node whose shapes do not fit.
    #[error("rewritten graph: {0}")]
    Shape(#[from] ExprError),
    /// A term the graph cannot hold.
    #[error("rewritten graph: {0}")]
    Rebuild(&'static str),
}
