//! The operations a graph node can hold.

use std::fmt;

/// Identifier of a node in a [`Graph`](super::Graph): its index in the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The node's index in the arena (nodes come after their children).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A scalar elementwise primitive of the loss language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Func {
    Exp,
    Log,
    Sqrt,
    Cbrt,
    Rsqrt,
    Abs,
    Sigmoid,
    Softplus,
    Tanh,
    Relu,
    Swish,
    Sin,
    Cos,
    Log1p,
    Expm1,
    Atan,
    Erf,
    Tan,
    Sinh,
    Cosh,
}

impl Func {
    /// Every primitive, in a fixed order.
    pub const ALL: [Func; 20] = [
        Func::Exp,
        Func::Log,
        Func::Sqrt,
        Func::Cbrt,
        Func::Rsqrt,
        Func::Abs,
        Func::Sigmoid,
        Func::Softplus,
        Func::Tanh,
        Func::Relu,
        Func::Swish,
        Func::Sin,
        Func::Cos,
        Func::Log1p,
        Func::Expm1,
        Func::Atan,
        Func::Erf,
        Func::Tan,
        Func::Sinh,
        Func::Cosh,
    ];

    /// The name used in the loss language.
    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Cbrt => "cbrt",
            Func::Rsqrt => "rsqrt",
            Func::Abs => "abs",
            Func::Sigmoid => "sigmoid",
            Func::Softplus => "softplus",
            Func::Tanh => "tanh",
            Func::Relu => "relu",
            Func::Swish => "swish",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Log1p => "log1p",
            Func::Expm1 => "expm1",
            Func::Atan => "atan",
            Func::Erf => "erf",
            Func::Tan => "tan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
        }
    }

    /// The primitive with this language name.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An f64 stored by its bits so that nodes can be hashed; `-0.0` and every
/// NaN are canonicalized so that equal constants share a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct F64Key(u64);

impl F64Key {
    /// The key of `v`.
    pub fn new(v: f64) -> Self {
        let v = if v == 0.0 {
            0.0
        } else if v.is_nan() {
            f64::NAN
        } else {
            v
        };
        F64Key(v.to_bits())
    }

    /// The value.
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// A reduction axis: `None` reduces over every element.
pub type Axis = Option<u8>;

/// The operation of a node, with its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Op {
    /// The parameter with this index.
    Param(usize),
    /// The data tensor with this index.
    Data(usize),
    /// A scalar constant.
    Const(F64Key),
    Neg(NodeId),
    Add(NodeId, NodeId),
    Sub(NodeId, NodeId),
    Mul(NodeId, NodeId),
    Div(NodeId, NodeId),
    /// Integer power.
    PowI(NodeId, i32),
    /// Real power with a non-integer exponent.
    PowF(NodeId, F64Key),
    Func(Func, NodeId),
    Sum(NodeId, Axis),
    Mean(NodeId, Axis),
    LogSumExp(NodeId, Axis),
    MatMul(NodeId, NodeId),
    /// `out[k] = a[index[k]]` (row-major), with the index table and the
    /// output shape stored in the graph under this number: transposes,
    /// slices, indexing and reshapes.
    Gather(NodeId, u32),
}

impl Op {
    /// The children of this operation, in order.
    pub fn children(&self) -> impl Iterator<Item = NodeId> {
        let (a, b) = match *self {
            Op::Param(_) | Op::Data(_) | Op::Const(_) => (None, None),
            Op::Neg(a)
            | Op::PowI(a, _)
            | Op::PowF(a, _)
            | Op::Func(_, a)
            | Op::Sum(a, _)
            | Op::Mean(a, _)
            | Op::LogSumExp(a, _)
            | Op::Gather(a, _) => (Some(a), None),
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::MatMul(a, b) => (Some(a), Some(b)),
        };
        a.into_iter().chain(b)
    }
}
