//! What can go wrong in a benchmark.

/// A benchmark failure: an unknown suite, a problem that does not load, a
/// file that cannot be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// A suite name that is neither a suite nor a problem.
    #[error("no suite or problem named `{name}`{hint} (known: {known})")]
    UnknownSuite {
        /// The name given.
        name: String,
        /// A "did you mean" hint, or empty.
        hint: String,
        /// The names that exist.
        known: String,
    },
    /// An `--only` label that no contender of the suite has.
    #[error("no contender of this suite is labelled `{name}`{hint} (see `majorize optimizers`)")]
    UnknownContender {
        /// The label given.
        name: String,
        /// A "did you mean" hint, or empty.
        hint: String,
    },
    /// A problem file that does not parse or load (its located message).
    #[error("problem {name}: {message}")]
    Problem {
        /// The problem.
        name: String,
        /// The rendered language error.
        message: String,
    },
    /// A file that cannot be read, parsed or written.
    #[error("cannot {action} `{path}`: {message}")]
    Io {
        /// What was attempted.
        action: &'static str,
        /// The path.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A plot file name without `.png` or `.svg`.
    #[error("cannot plot to `{0}`: the file name must end in .png or .svg")]
    PlotFormat(String),
}
