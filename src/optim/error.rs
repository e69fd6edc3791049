//! Errors of the optimizer layer.

/// An error in configuring or running an optimizer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptimError {
    /// A hyperparameter outside its allowed range.
    #[error("{optimizer}: `{key}` = {value} is invalid: it must be {allowed}")]
    Invalid {
        /// The optimizer.
        optimizer: String,
        /// The hyperparameter.
        key: String,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// No optimizer of that name.
    #[error("unknown optimizer `{name}`{hint} (`majorize optimizers` lists them)")]
    UnknownOptimizer {
        /// The name asked for.
        name: String,
        /// A suggestion, or empty.
        hint: String,
    },
    /// A key the optimizer does not have.
    #[error("{optimizer} has no option `{key}` (its options: {keys})")]
    UnknownKey {
        /// The optimizer.
        optimizer: String,
        /// The key given.
        key: String,
        /// The keys it has.
        keys: String,
    },
    /// A value that does not parse as the key's type.
    #[error("{optimizer}: `{key}={value}` is not a {kind}")]
    BadValue {
        /// The optimizer.
        optimizer: String,
        /// The key.
        key: String,
        /// The text given.
        value: String,
        /// What was expected.
        kind: String,
    },
    /// The loss, a gradient or an update became NaN or infinite; the
    /// parameters are left as they were before the step.
    #[error(
        "step {step}: the {what} is not finite (NaN or infinite); stopping at the last parameters with a finite loss"
    )]
    NonFinite {
        /// The step at which it happened (1-based).
        step: usize,
        /// `loss`, `gradient` or `update`.
        what: &'static str,
    },
    /// An option that does not apply to this optimizer.
    #[error("{0}")]
    NotApplicable(String),
}
