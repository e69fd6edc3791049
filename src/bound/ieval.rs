//! Plain interval evaluation of a graph: every node's value range when the
//! parameters range over intervals. It bounds the constant part of a graph
//! rigorously, and gives the second range that range propagation
//! intersects with an enclosure's own.

use super::derivs::Prim;
use crate::expr::{Graph, NodeId, Op};
use crate::interval::Interval;
use crate::tensor::{ITensor, Shape, Strides};

/// One node's intervals, row-major, with its shape.
pub type IVal = Vec<Interval>;

/// Applies `f` to matching elements of `a` (shape `sa`) and `b` (shape
/// `sb`), broadcast to `out`.
pub fn broadcast2<T: Copy, U>(
    a: &[T],
    sa: Shape,
    b: &[T],
    sb: Shape,
    out: Shape,
    mut f: impl FnMut(T, T) -> U,
) -> Vec<U> {
    let (ia, ib) = (Strides::new(sa, out), Strides::new(sb, out));
    let (rows, cols) = out.dims2();
    let mut v = Vec::with_capacity(out.len());
    for i in 0..rows {
        for j in 0..cols {
            v.push(f(a[ia.at(i, j)], b[ib.at(i, j)]));
        }
    }
    v
}

/// The groups of element indices that a reduction over `axis` combines, in
/// output order.
pub fn groups(shape: Shape, axis: Option<u8>) -> Vec<Vec<usize>> {
    let (r, c) = shape.dims2();
    match (shape, axis) {
        (Shape::Matrix(..), Some(0)) => (0..c).map(|j| (0..r).map(|i| i * c + j).collect()).collect(),
        (Shape::Matrix(..), Some(1)) => (0..r).map(|i| (0..c).map(|j| i * c + j).collect()).collect(),
        _ => vec![(0..shape.len()).collect()],
    }
}

/// The interval value of node `id` from its children's values (`vals`,
/// indexed by node) and the parameters' intervals.
pub fn eval_node(graph: &Graph, id: NodeId, vals: &[Option<IVal>], params: &[IVal]) -> IVal {
    let node = graph.node(id);
    let v = |n: NodeId| vals[n.index()].as_deref().expect("children are evaluated first");
    let s = |n: NodeId| graph.shape(n);
    let out = node.shape;
    match node.op {
        Op::Param(i) => params[i].clone(),
        Op::Data(i) => graph.data_tensors()[i].value.data().iter().map(|&x| Interval::point(x)).collect(),
        Op::Const(c) => vec![Interval::point(c.get())],
        Op::Neg(a) => v(a).iter().map(|&x| -x).collect(),
        Op::Add(a, b) => broadcast2(v(a), s(a), v(b), s(b), out, |x, y| x + y),
        Op::Sub(a, b) => broadcast2(v(a), s(a), v(b), s(b), out, |x, y| x - y),
        Op::Mul(a, b) => broadcast2(v(a), s(a), v(b), s(b), out, |x, y| x * y),
        Op::Div(a, b) => broadcast2(v(a), s(a), v(b), s(b), out, |x, y| x / y),
        Op::PowI(a, n) => v(a).iter().map(|x| x.powi(n)).collect(),
        Op::PowF(a, p) => v(a).iter().map(|x| x.powf(p.get())).collect(),
        Op::Func(f, a) => v(a).iter().map(|&x| Prim::of(f).value(x)).collect(),
        Op::Sum(a, axis) | Op::Mean(a, axis) => {
            let scale = matches!(node.op, Op::Mean(..));
            groups(s(a), axis)
                .iter()
                .map(|g| {
                    let total: Interval = g.iter().map(|&e| v(a)[e]).sum();
                    if scale { total / g.len() as f64 } else { total }
                })
                .collect()
        }
        Op::LogSumExp(a, axis) => groups(s(a), axis)
            .iter()
            .map(|g| {
                // m + log(sum exp(x - m)) with m the largest lower end: exact shift.
                let m = g.iter().map(|&e| v(a)[e].lo()).fold(f64::NEG_INFINITY, f64::max);
                if !m.is_finite() {
                    return Interval::ENTIRE;
                }
                let sum: Interval = g.iter().map(|&e| (v(a)[e] - m).exp()).sum();
                sum.ln() + m
            })
            .collect(),
        Op::MatMul(a, b) => {
            let ta = ITensor::from_intervals(s(a), v(a));
            let tb = ITensor::from_intervals(s(b), v(b));
            ta.matmul(&tb).intervals()
        }
    }
}

/// Interval values of every node `root` depends on.
#[cfg(test)]
pub fn eval_all(graph: &Graph, root: NodeId, params: &[IVal]) -> Vec<Option<IVal>> {
    let mut vals: Vec<Option<IVal>> = vec![None; root.index() + 1];
    for id in graph.reachable(root) {
        vals[id.index()] = Some(eval_node(graph, id, &vals, params));
    }
    vals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_inline;

    #[test]
    fn interval_evaluation_encloses_the_function() {
        let m = parse_inline("x * exp(-x) + logsumexp(x) - 1/(2 + x^2)").unwrap();
        let x = Interval::new(-1.0, 2.0);
        let vals = eval_all(&m.graph, m.loss, &[vec![x]]);
        let r = vals[m.loss.index()].as_ref().unwrap()[0];
        for i in 0..=30 {
            let t = -1.0 + 3.0 * f64::from(i) / 30.0;
            let f = t * (-t).exp() + t - 1.0 / (2.0 + t * t);
            assert!(r.contains(f), "{r} misses {f}");
        }
    }
}
