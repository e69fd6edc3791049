//! Forward evaluation of a graph, with the constant part computed once.

use super::func;
use crate::expr::{Graph, Node, NodeId, Op};
use crate::tensor::Tensor;

/// Evaluates one root of a graph, repeatedly, at changing parameter values.
///
/// Nodes that do not depend on a parameter (data, constants and everything
/// computed from them alone) are evaluated once, in [`Evaluator::new`].
/// Each [`forward`](Evaluator::forward) recomputes only the varying nodes.
#[derive(Clone, Debug)]
pub struct Evaluator<'g> {
    pub(super) graph: &'g Graph,
    pub(super) root: NodeId,
    /// The varying nodes the root depends on, in topological order.
    pub(super) varying: Vec<NodeId>,
    /// The value of every node the root depends on (others stay empty).
    pub(super) values: Vec<Tensor>,
}

/// Evaluates one node from its children's values.
pub(super) fn eval_node(graph: &Graph, node: &Node, values: &[Tensor], params: &[Tensor]) -> Tensor {
    let v = |id: NodeId| &values[id.index()];
    match node.op {
        Op::Param(i) => params[i].clone(),
        Op::Data(i) => (*graph.data_tensors()[i].value).clone(),
        Op::Const(c) => Tensor::scalar(c.get()),
        Op::Neg(a) => v(a).map(|x| -x),
        Op::Add(a, b) => v(a).zip_with(v(b), |x, y| x + y),
        Op::Sub(a, b) => v(a).zip_with(v(b), |x, y| x - y),
        Op::Mul(a, b) => v(a).zip_with(v(b), |x, y| x * y),
        Op::Div(a, b) => v(a).zip_with(v(b), |x, y| x / y),
        Op::PowI(a, n) => v(a).map(|x| x.powi(n)),
        Op::PowF(a, p) => {
            let p = p.get();
            // A real power is defined on x >= 0 only; f64's powf would give
            // a number at x = -inf.
            v(a).map(|x| if x < 0.0 { f64::NAN } else { x.powf(p) })
        }
        Op::Func(f, a) => v(a).map(|x| func::value(f, x)),
        Op::Sum(a, axis) => v(a).sum_axis(axis.map(usize::from)),
        Op::Mean(a, axis) => v(a).mean_axis(axis.map(usize::from)),
        Op::LogSumExp(a, axis) => v(a).logsumexp_axis(axis.map(usize::from)),
        Op::MatMul(a, b) => v(a).matmul(v(b)),
    }
}

impl<'g> Evaluator<'g> {
    /// An evaluator of `root`, with its constant part already computed.
    pub fn new(graph: &'g Graph, root: NodeId) -> Self {
        let mut values = vec![Tensor::scalar(0.0); root.index() + 1];
        let mut varying = Vec::new();
        for id in graph.reachable(root) {
            let node = graph.node(id);
            if node.varying {
                varying.push(id);
            } else {
                values[id.index()] = eval_node(graph, node, &values, &[]);
            }
        }
        Evaluator { graph, root, varying, values }
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// Evaluates every varying node at `params` (one tensor per parameter,
    /// shaped as the graph says) and returns the root's value.
    ///
    /// # Panics
    /// If a parameter tensor has the wrong shape.
    #[track_caller]
    pub fn forward(&mut self, params: &[Tensor]) -> &Tensor {
        for (p, info) in params.iter().zip(self.graph.params()) {
            assert_eq!(p.shape(), info.shape, "parameter `{}` has the wrong shape", info.name);
        }
        for &id in &self.varying {
            self.values[id.index()] = eval_node(self.graph, self.graph.node(id), &self.values, params);
        }
        &self.values[self.root.index()]
    }

    /// The value of a node computed by the last [`forward`](Self::forward)
    /// (or by [`new`](Self::new) for a constant node).
    pub fn value(&self, id: NodeId) -> &Tensor {
        &self.values[id.index()]
    }
}
