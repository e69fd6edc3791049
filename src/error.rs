//! The crate-level error: every layer's error, wrapped.

use crate::bench::BenchError;
use crate::expr::ExprError;
use crate::lang::LangError;
use crate::optim::OptimError;

/// Any error of the crate. The binary prints it on stderr and exits with
/// status 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A located error in a loss program or expression; its message is the
    /// `file:line:column: message` line, then the offending line and a caret.
    #[error("{}", .0.render())]
    Lang(#[from] LangError),
    /// A graph error (shapes, names).
    #[error(transparent)]
    Expr(#[from] ExprError),
    /// An optimizer error (configuration, or a run that became non-finite).
    #[error(transparent)]
    Optim(#[from] OptimError),
    /// A benchmark error (suite, problem files, output).
    #[error(transparent)]
    Bench(#[from] BenchError),
    /// A file that cannot be read or written.
    #[error("cannot {action} `{path}`: {message}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The path.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A bad command-line value.
    #[error("{0}")]
    Usage(String),
}
