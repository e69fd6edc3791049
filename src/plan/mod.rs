//! A graph compiled once into an owned program, and the walker that runs it
//! in a domain.
//!
//! A [`Plan`] holds what every pass over a loss needs and nothing borrowed:
//! the nodes the root depends on, in topological order; which of them vary
//! with the parameters; the values of the others (data, constants and what is
//! computed from them alone), computed once at compilation; the parameter
//! shapes. It is `Send + Sync`, so one plan can serve several threads
//! through an `Arc`.
//!
//! [`walk`] holds the only `match` over [`Op`] for the
//! passes that run on a plan: a [`walk::Domain`] says what each kind of
//! operation does to its values (or, run in reverse, to its adjoints), and
//! the compiler checks that every domain covers every operation.
//!
//! [`rows`] splits a loss that is a sum or mean over data rows into a plan
//! per block of rows, for the evaluator's threads.
//!
//! ```
//! use majorize::plan::Plan;
//! let m = majorize::lang::parse_inline("sum(exp(w) * 2)").unwrap();
//! let plan = Plan::new(&m.graph, m.loss);
//! assert_eq!(plan.varying().len(), 4); // w, exp(w), 2 exp(w) and the sum; 2 is constant
//! ```

pub mod rows;
pub mod walk;

use std::sync::Arc;

use crate::eval::ValueDomain;
use crate::expr::{Graph, Node, NodeId, Op};
use crate::tensor::{Shape, Strides, Tensor};

/// A graph compiled for repeated passes at changing parameters.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The graph's nodes up to the root (unreachable ones stay, unvisited).
    nodes: Vec<Node>,
    /// The nodes the root depends on, in topological order.
    order: Vec<NodeId>,
    /// The reachable nodes that vary, in topological order.
    varying: Vec<NodeId>,
    /// The reachable nodes that do not vary, in topological order.
    fixed: Vec<NodeId>,
    /// The value of each reachable constant node.
    constants: Vec<Option<Arc<Tensor>>>,
    /// The data tensors, by index.
    data: Vec<Arc<Tensor>>,
    /// The index tables of the gather nodes, by number.
    gathers: Vec<Arc<[usize]>>,
    params: Vec<Shape>,
    root: NodeId,
}

impl Plan {
    /// Compiles the part of `graph` that `root` depends on, computing its
    /// constant nodes.
    pub fn new(graph: &Graph, root: NodeId) -> Self {
        let nodes = graph.nodes()[..=root.index()].to_vec();
        let data = graph.data_tensors().iter().map(|d| d.value.clone()).collect();
        let params = graph.params().iter().map(|p| p.shape).collect();
        let gathers = graph.gathers().iter().map(|g| g.index.clone()).collect();
        let order = graph.reachable(root);
        let (varying, fixed) = order.iter().partition(|&&id| nodes[id.index()].varying);
        let constants = vec![None; root.index() + 1];
        let mut plan = Plan { nodes, order, varying, fixed, constants, data, gathers, params, root };
        let mut vals = vec![Tensor::scalar(0.0); plan.len()];
        walk::forward(&plan, &plan.fixed, &mut ValueDomain::new(&plan, &[], &mut vals));
        for id in plan.fixed.clone() {
            plan.constants[id.index()] = Some(match plan.op(id) {
                Op::Data(i) => plan.data[i].clone(),
                _ => Arc::new(std::mem::replace(&mut vals[id.index()], Tensor::scalar(0.0))),
            });
        }
        plan
    }

    /// The node behind `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The operation of `id`.
    pub fn op(&self, id: NodeId) -> Op {
        self.nodes[id.index()].op
    }

    /// The shape of `id`'s value.
    pub fn shape(&self, id: NodeId) -> Shape {
        self.nodes[id.index()].shape
    }

    /// The root.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// The nodes the root depends on, in topological order.
    pub fn order(&self) -> &[NodeId] {
        &self.order
    }

    /// The reachable nodes that depend on a parameter, in topological order.
    pub fn varying(&self) -> &[NodeId] {
        &self.varying
    }

    /// The reachable nodes that do not depend on a parameter, in
    /// topological order.
    pub fn fixed(&self) -> &[NodeId] {
        &self.fixed
    }

    /// The element pairs `(i, j)` of `a` and `b` that a binary node of shape
    /// `out` combines, in `out`'s order (its broadcast map).
    pub fn pairs(&self, out: NodeId, a: NodeId, b: NodeId) -> Vec<(usize, usize)> {
        let (sa, sb) = (Strides::new(self.shape(a), self.shape(out)), Strides::new(self.shape(b), self.shape(out)));
        let (rows, cols) = self.shape(out).dims2();
        (0..rows).flat_map(|i| (0..cols).map(move |j| (sa.at(i, j), sb.at(i, j)))).collect()
    }

    /// The groups of `a`'s elements that a reduction over `axis` combines,
    /// in the output's order.
    pub fn groups(&self, a: NodeId, axis: Option<usize>) -> Vec<Vec<usize>> {
        let shape = self.shape(a);
        let (r, c) = shape.dims2();
        match (shape, axis) {
            (Shape::Matrix(..), Some(0)) => (0..c).map(|j| (0..r).map(|i| i * c + j).collect()).collect(),
            (Shape::Matrix(..), Some(1)) => (0..r).map(|i| (0..c).map(|j| i * c + j).collect()).collect(),
            _ => vec![(0..shape.len()).collect()],
        }
    }

    /// The value of a reachable node that does not vary (`None` for the
    /// others and for unreachable nodes).
    pub fn constant(&self, id: NodeId) -> Option<&Arc<Tensor>> {
        self.constants.get(id.index()).and_then(Option::as_ref)
    }

    /// The index table of gather `t` (see [`Op::Gather`]).
    pub fn gather_index(&self, t: u32) -> &[usize] {
        &self.gathers[t as usize]
    }

    /// Data tensor `i`.
    pub fn data(&self, i: usize) -> &Arc<Tensor> {
        &self.data[i]
    }

    /// The parameter shapes, by index.
    pub fn params(&self) -> &[Shape] {
        &self.params
    }

    /// The number of node slots (every index up to the root).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the plan has no node (never: it has at least its root).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn a_plan_is_owned_and_shareable() {
        assert_send_sync::<Plan>();
        let m = crate::lang::parse_inline("sum(exp(w) * 2) + log(3)").unwrap();
        let plan = Arc::new(Plan::new(&m.graph, m.loss));
        drop(m);
        // Every varying node is reachable and after its children.
        for (k, &id) in plan.varying().iter().enumerate() {
            for c in plan.op(id).children() {
                assert!(c < id);
                assert!(plan.node(c).varying == plan.varying()[..k].contains(&c));
            }
        }
        let three = plan.varying().iter().find(|&&id| plan.op(id).children().count() == 2);
        assert!(three.is_some());
        let logs: Vec<f64> = (0..plan.len())
            .filter_map(|i| plan.constant(NodeId(i as u32)))
            .filter(|t| t.shape() == Shape::Scalar)
            .map(|t| t.item())
            .collect();
        assert!(logs.contains(&3f64.ln()), "{logs:?}");
    }
}
