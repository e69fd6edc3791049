//! Errors raised while building a graph.

use crate::tensor::Shape;

/// An error in building an expression graph: shapes that do not fit, a bad
/// axis, a duplicate name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExprError {
    /// Operands whose shapes do not fit the operation.
    #[error("shape mismatch in `{op}`: {left} and {right}")]
    Shape {
        /// The operation (`+`, `@`, ...).
        op: &'static str,
        /// Shape of the left operand.
        left: Shape,
        /// Shape of the right operand.
        right: Shape,
    },
    /// A reduction axis that the operand does not have.
    #[error("axis {axis} is out of range for `{op}` of a {shape} operand")]
    Axis {
        /// The reduction.
        op: &'static str,
        /// The operand's shape.
        shape: Shape,
        /// The axis asked for.
        axis: usize,
    },
    /// A name given twice.
    #[error("`{0}` is already defined")]
    Duplicate(String),
    /// A name that is not a parameter.
    #[error("no parameter named `{0}`")]
    UnknownParam(String),
    /// An objective that is not a scalar.
    #[error("the objective must be a scalar, but it has shape {0}")]
    NotScalar(Shape),
    /// A bad argument to `onehot`.
    #[error("onehot: {0}")]
    OneHot(String),
    /// An index or slice outside its operand, or a reshape to another size.
    #[error("{0}")]
    Index(String),
    /// A bad argument to a function (`clip` with `lo > hi`, ...).
    #[error("{0}")]
    Argument(String),
    /// A value that does not fit a parameter's shape.
    #[error("value for `{name}` has shape {got}, but the parameter has shape {want}")]
    ParamShape {
        /// The parameter.
        name: String,
        /// Shape given.
        got: Shape,
        /// Shape of the parameter.
        want: Shape,
    },
}
