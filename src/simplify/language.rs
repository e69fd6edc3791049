//! The egg language of the expression graph, and conversion both ways.
//!
//! Every [`Op`] has one e-node: elementwise arithmetic, `pow` (whose
//! exponent is a constant child), one node per primitive, one per
//! reduction and axis (`sum`, `sum0`, `sum1`, ...), `@`, constants and
//! leaves (`p3` is parameter 3, `d0` data tensor 0), and gathers by
//! table (`(take2 a)`).

use std::fmt;
use std::str::FromStr;

use egg::{Id, RecExpr, define_language};

use super::SimplifyError;
use crate::expr::{F64Key, Func, Graph, NodeId, Op};

/// A leaf of the e-graph: a parameter or a data tensor, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Leaf {
    /// Parameter `i`, printed `p{i}`.
    Param(u32),
    /// Data tensor `i`, printed `d{i}`.
    Data(u32),
}

impl fmt::Display for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leaf::Param(i) => write!(f, "p{i}"),
            Leaf::Data(i) => write!(f, "d{i}"),
        }
    }
}

impl FromStr for Leaf {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let index = |t: &str| t.parse::<u32>().map_err(|_| ());
        match s.split_at_checked(1) {
            Some(("p", t)) => Ok(Leaf::Param(index(t)?)),
            Some(("d", t)) => Ok(Leaf::Data(index(t)?)),
            _ => Err(()),
        }
    }
}

/// The gather table of a graph, by number, printed `take{t}`: the operator
/// of a gather e-node `(take3 a)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Take(pub u32);

impl fmt::Display for Take {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "take{}", self.0)
    }
}

impl FromStr for Take {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        s.strip_prefix("take").and_then(|t| t.parse().ok()).map(Take).ok_or(())
    }
}

/// A scalar constant of the e-graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Num(pub F64Key);

impl Num {
    /// The constant `v`.
    pub fn new(v: f64) -> Self {
        Num(F64Key::new(v))
    }

    /// Its value.
    pub fn get(self) -> f64 {
        self.0.get()
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.get())
    }
}

impl FromStr for Num {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        // Only numerals: "inf" and "nan" would otherwise parse as f64.
        if !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
            return Err(());
        }
        s.parse::<f64>().map(Num::new).map_err(|_| ())
    }
}

define_language! {
    /// The operations of [`Graph`] as an egg language (one variant per
    /// operation, primitive and reduction axis; see the module docs).
    #[allow(missing_docs)]
    pub enum Math {
        "+" = Add([Id; 2]),
        "-" = Sub([Id; 2]),
        "*" = Mul([Id; 2]),
        "/" = Div([Id; 2]),
        "neg" = Neg(Id),
        "pow" = Pow([Id; 2]),
        "exp" = Exp(Id),
        "log" = Log(Id),
        "sqrt" = Sqrt(Id),
        "cbrt" = Cbrt(Id),
        "rsqrt" = Rsqrt(Id),
        "abs" = Abs(Id),
        "sigmoid" = Sigmoid(Id),
        "softplus" = Softplus(Id),
        "tanh" = Tanh(Id),
        "relu" = Relu(Id),
        "swish" = Swish(Id),
        "sin" = Sin(Id),
        "cos" = Cos(Id),
        "log1p" = Log1p(Id),
        "expm1" = Expm1(Id),
        "atan" = Atan(Id),
        "erf" = Erf(Id),
        "tan" = Tan(Id),
        "sinh" = Sinh(Id),
        "cosh" = Cosh(Id),
        "sum" = Sum(Id),
        "sum0" = Sum0(Id),
        "sum1" = Sum1(Id),
        "mean" = Mean(Id),
        "mean0" = Mean0(Id),
        "mean1" = Mean1(Id),
        "lse" = Lse(Id),
        "lse0" = Lse0(Id),
        "lse1" = Lse1(Id),
        "@" = MatMul([Id; 2]),
        Gather(Take, Id),
        Num(Num),
        Leaf(Leaf),
    }
}

/// The kind of a reduction node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    /// `sum`.
    Sum,
    /// `mean`.
    Mean,
    /// `logsumexp`.
    LogSumExp,
}

impl Math {
    /// The e-node of `f(a)`.
    pub fn func(f: Func, a: Id) -> Math {
        match f {
            Func::Exp => Math::Exp(a),
            Func::Log => Math::Log(a),
            Func::Sqrt => Math::Sqrt(a),
            Func::Cbrt => Math::Cbrt(a),
            Func::Rsqrt => Math::Rsqrt(a),
            Func::Abs => Math::Abs(a),
            Func::Sigmoid => Math::Sigmoid(a),
            Func::Softplus => Math::Softplus(a),
            Func::Tanh => Math::Tanh(a),
            Func::Relu => Math::Relu(a),
            Func::Swish => Math::Swish(a),
            Func::Sin => Math::Sin(a),
            Func::Cos => Math::Cos(a),
            Func::Log1p => Math::Log1p(a),
            Func::Expm1 => Math::Expm1(a),
            Func::Atan => Math::Atan(a),
            Func::Erf => Math::Erf(a),
            Func::Tan => Math::Tan(a),
            Func::Sinh => Math::Sinh(a),
            Func::Cosh => Math::Cosh(a),
        }
    }

    /// The primitive and operand, if this is a primitive's node.
    pub fn as_func(&self) -> Option<(Func, Id)> {
        Some(match *self {
            Math::Exp(a) => (Func::Exp, a),
            Math::Log(a) => (Func::Log, a),
            Math::Sqrt(a) => (Func::Sqrt, a),
            Math::Cbrt(a) => (Func::Cbrt, a),
            Math::Rsqrt(a) => (Func::Rsqrt, a),
            Math::Abs(a) => (Func::Abs, a),
            Math::Sigmoid(a) => (Func::Sigmoid, a),
            Math::Softplus(a) => (Func::Softplus, a),
            Math::Tanh(a) => (Func::Tanh, a),
            Math::Relu(a) => (Func::Relu, a),
            Math::Swish(a) => (Func::Swish, a),
            Math::Sin(a) => (Func::Sin, a),
            Math::Cos(a) => (Func::Cos, a),
            Math::Log1p(a) => (Func::Log1p, a),
            Math::Expm1(a) => (Func::Expm1, a),
            Math::Atan(a) => (Func::Atan, a),
            Math::Erf(a) => (Func::Erf, a),
            Math::Tan(a) => (Func::Tan, a),
            Math::Sinh(a) => (Func::Sinh, a),
            Math::Cosh(a) => (Func::Cosh, a),
            _ => return None,
        })
    }

    /// The e-node of a reduction over every element (`None`) or one axis.
    pub fn reduce(kind: Reduce, a: Id, axis: Option<u8>) -> Math {
        match (kind, axis) {
            (Reduce::Sum, None) => Math::Sum(a),
            (Reduce::Sum, Some(0)) => Math::Sum0(a),
            (Reduce::Sum, Some(_)) => Math::Sum1(a),
            (Reduce::Mean, None) => Math::Mean(a),
            (Reduce::Mean, Some(0)) => Math::Mean0(a),
            (Reduce::Mean, Some(_)) => Math::Mean1(a),
            (Reduce::LogSumExp, None) => Math::Lse(a),
            (Reduce::LogSumExp, Some(0)) => Math::Lse0(a),
            (Reduce::LogSumExp, Some(_)) => Math::Lse1(a),
        }
    }

    /// The kind, operand and axis, if this is a reduction's node.
    pub fn as_reduce(&self) -> Option<(Reduce, Id, Option<u8>)> {
        Some(match *self {
            Math::Sum(a) => (Reduce::Sum, a, None),
            Math::Sum0(a) => (Reduce::Sum, a, Some(0)),
            Math::Sum1(a) => (Reduce::Sum, a, Some(1)),
            Math::Mean(a) => (Reduce::Mean, a, None),
            Math::Mean0(a) => (Reduce::Mean, a, Some(0)),
            Math::Mean1(a) => (Reduce::Mean, a, Some(1)),
            Math::Lse(a) => (Reduce::LogSumExp, a, None),
            Math::Lse0(a) => (Reduce::LogSumExp, a, Some(0)),
            Math::Lse1(a) => (Reduce::LogSumExp, a, Some(1)),
            _ => return None,
        })
    }
}

/// The expression of `root` as an egg term (each reachable node once).
pub fn to_rec_expr(graph: &Graph, root: NodeId) -> RecExpr<Math> {
    let mut expr = RecExpr::default();
    let mut ids: Vec<Option<Id>> = vec![None; root.index() + 1];
    for n in graph.reachable(root) {
        let id = |c: NodeId| ids[c.index()].expect("children come first");
        let node = match graph.node(n).op {
            Op::Param(i) => Math::Leaf(Leaf::Param(i as u32)),
            Op::Data(i) => Math::Leaf(Leaf::Data(i as u32)),
            Op::Const(c) => Math::Num(Num(c)),
            Op::Neg(a) => Math::Neg(id(a)),
            Op::Add(a, b) => Math::Add([id(a), id(b)]),
            Op::Sub(a, b) => Math::Sub([id(a), id(b)]),
            Op::Mul(a, b) => Math::Mul([id(a), id(b)]),
            Op::Div(a, b) => Math::Div([id(a), id(b)]),
            Op::PowI(a, k) => Math::Pow([id(a), expr.add(Math::Num(Num::new(f64::from(k))))]),
            Op::PowF(a, p) => Math::Pow([id(a), expr.add(Math::Num(Num(p)))]),
            Op::Func(f, a) => Math::func(f, id(a)),
            Op::Sum(a, x) => Math::reduce(Reduce::Sum, id(a), x),
            Op::Mean(a, x) => Math::reduce(Reduce::Mean, id(a), x),
            Op::LogSumExp(a, x) => Math::reduce(Reduce::LogSumExp, id(a), x),
            Op::MatMul(a, b) => Math::MatMul([id(a), id(b)]),
            Op::Gather(a, t) => Math::Gather(Take(t), id(a)),
        };
        ids[n.index()] = Some(expr.add(node));
    }
    expr
}

/// Builds the term `expr` into a copy of `inputs` (a graph with the same
/// parameters and data, as [`Graph::with_same_inputs`] makes) and returns
/// the new graph and the node of the term's root.
///
/// # Errors
/// [`SimplifyError`] if a node's shapes do not fit or a power's exponent is
/// not a constant: both would be bugs of the rewrite rules, and the caller
/// keeps the original graph.
pub fn from_rec_expr(inputs: &Graph, expr: &RecExpr<Math>) -> Result<(Graph, NodeId), SimplifyError> {
    let mut g = inputs.with_same_inputs();
    let mut ids: Vec<NodeId> = Vec::with_capacity(expr.len());
    for node in expr.iter() {
        let id = |c: &Id| ids[usize::from(*c)];
        let new = match node {
            Math::Leaf(Leaf::Param(i)) => g.param_node(*i as usize).ok_or_else(|| internal("unknown parameter"))?,
            Math::Leaf(Leaf::Data(i)) => {
                let i = *i as usize;
                g.data_node(i).ok_or_else(|| internal("unknown data tensor"))?
            }
            Math::Num(c) => g.constant(c.get()),
            Math::Neg(a) => g.neg(id(a)),
            Math::Add([a, b]) => g.add(id(a), id(b))?,
            Math::Sub([a, b]) => g.sub(id(a), id(b))?,
            Math::Mul([a, b]) => g.mul(id(a), id(b))?,
            Math::Div([a, b]) => g.div(id(a), id(b))?,
            Math::Pow([a, p]) => match expr[*p] {
                Math::Num(p) => g.powf(id(a), p.get()),
                _ => return Err(internal("a power's exponent is not a constant")),
            },
            Math::MatMul([a, b]) => g.matmul(id(a), id(b))?,
            Math::Gather(Take(t), a) => {
                let info = g.gathers().get(*t as usize).ok_or_else(|| internal("unknown gather table"))?.clone();
                g.gather(id(a), info.index.to_vec(), info.shape)?
            }
            other => {
                if let Some((f, a)) = other.as_func() {
                    g.func(f, id(&a))
                } else if let Some((kind, a, axis)) = other.as_reduce() {
                    let axis = axis.map(usize::from);
                    match kind {
                        Reduce::Sum => g.sum(id(&a), axis)?,
                        Reduce::Mean => g.mean(id(&a), axis)?,
                        Reduce::LogSumExp => g.logsumexp(id(&a), axis)?,
                    }
                } else {
                    return Err(internal("an e-node without a graph operation"));
                }
            }
        };
        ids.push(new);
    }
    let root = *ids.last().ok_or_else(|| internal("an empty term"))?;
    Ok((g, root))
}

fn internal(what: &'static str) -> SimplifyError {
    SimplifyError::Rebuild(what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang;

    #[test]
    fn round_trip_keeps_the_expression() {
        for src in [
            "(1-x)^2 + 100*(y-x^2)^2",
            "log(1 + exp(-3*x)) / sqrt(x^0.5)",
            "softplus(x) - x + cbrt(y)",
            "sum(exp(transpose(ones(2, 3) * x))[1:3, 0]) + y",
        ] {
            let m = lang::parse_inline(src).unwrap();
            let expr = to_rec_expr(&m.graph, m.loss);
            let (g, root) = from_rec_expr(&m.graph, &expr).unwrap();
            assert_eq!(g.display(root), m.graph.display(m.loss), "{src}");
        }
    }

    #[test]
    fn leaves_and_numbers_parse_back() {
        assert_eq!("p3".parse::<Leaf>(), Ok(Leaf::Param(3)));
        assert_eq!("d0".parse::<Leaf>(), Ok(Leaf::Data(0)));
        assert!("x".parse::<Leaf>().is_err());
        assert_eq!("-0.5".parse::<Num>(), Ok(Num::new(-0.5)));
        assert!("inf".parse::<Num>().is_err());
        let e: RecExpr<Math> = "(+ (* 2 p0) (sum0 d1))".parse().unwrap();
        assert_eq!(e.to_string(), "(+ (* 2.0 p0) (sum0 d1))");
        let e: RecExpr<Math> = "(take2 p0)".parse().unwrap();
        assert_eq!(e.to_string(), "(take2 p0)");
    }
}
