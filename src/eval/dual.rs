//! Evaluation of an all-scalar graph over any num-dual number type: dual
//! numbers give exact derivatives for cross-checks, and the bounding layer
//! runs it over intervals for derivative ranges.

use num_dual::DualNum;

use super::func;
use crate::expr::{Graph, NodeId, Op};
use crate::tensor::Shape;

/// The value of `root` with every parameter a scalar of type `T`, or `None`
/// if a node the root depends on is not a scalar (or is a matrix product).
pub fn eval_scalar<T: DualNum<Primitive = f64>>(graph: &Graph, root: NodeId, params: &[T]) -> Option<T> {
    let mut values: Vec<Option<T>> = vec![None; root.index() + 1];
    for id in graph.reachable(root) {
        let node = graph.node(id);
        if node.shape != Shape::Scalar {
            return None;
        }
        let v = |n: NodeId| values[n.index()].clone().expect("children come first");
        let out = match node.op {
            Op::Param(i) => params[i].clone(),
            Op::Data(i) => T::from(graph.data_tensors()[i].value.item()),
            Op::Const(c) => T::from(c.get()),
            Op::Neg(a) => -v(a),
            Op::Add(a, b) => v(a) + v(b),
            Op::Sub(a, b) => v(a) - v(b),
            Op::Mul(a, b) => v(a) * v(b),
            Op::Div(a, b) => v(a) / v(b),
            Op::PowI(a, n) => v(a).powi(n),
            Op::PowF(a, p) => v(a).powf(p.get()),
            Op::Func(f, a) => func::apply(f, &v(a)),
            Op::Sum(a, _) | Op::Mean(a, _) | Op::LogSumExp(a, _) => v(a),
            Op::MatMul(..) => return None,
        };
        values[id.index()] = Some(out);
    }
    values[root.index()].take()
}
