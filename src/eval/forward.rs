//! The evaluator: a compiled [`Plan`] and the buffers of its value and
//! adjoint passes.

use std::sync::Arc;

use super::adjoint::AdjointDomain;
use super::value::{ValueDomain, Values};
use crate::expr::{Graph, NodeId, Op};
use crate::plan::{Plan, walk};
use crate::tensor::Tensor;

/// Evaluates one root of a graph, repeatedly, at changing parameter values.
///
/// The graph is compiled once into a [`Plan`], whose constant part (data,
/// constants and everything computed from them alone) is evaluated there.
/// Each [`forward`](Evaluator::forward) recomputes only the varying nodes,
/// into buffers that stay allocated between passes.
#[derive(Clone, Debug)]
pub struct Evaluator<'g> {
    graph: &'g Graph,
    plan: Arc<Plan>,
    /// The parameters of the last forward pass.
    params: Vec<Tensor>,
    /// The value of every varying node (others stay empty).
    vals: Vec<Tensor>,
    /// The adjoint buffers of the last backward pass, and which are live.
    adj: Vec<Tensor>,
    live: Vec<bool>,
}

impl<'g> Evaluator<'g> {
    /// An evaluator of `root`, with its constant part already computed.
    pub fn new(graph: &'g Graph, root: NodeId) -> Self {
        Self::with_plan(graph, Arc::new(Plan::new(graph, root)))
    }

    /// An evaluator running `plan`, compiled from `graph`.
    pub fn with_plan(graph: &'g Graph, plan: Arc<Plan>) -> Self {
        let n = plan.len();
        let params = plan.params().iter().map(|&s| Tensor::zeros(s)).collect();
        let empty = || vec![Tensor::scalar(0.0); n];
        Evaluator { graph, plan, params, vals: empty(), adj: empty(), live: vec![false; n] }
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The compiled plan.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        self.plan.root()
    }

    /// Evaluates every varying node at `params` (one tensor per parameter,
    /// shaped as the graph says) and returns the root's value.
    ///
    /// # Panics
    /// If a parameter tensor has the wrong shape.
    #[track_caller]
    pub fn forward(&mut self, params: &[Tensor]) -> &Tensor {
        assert_eq!(params.len(), self.params.len(), "wrong number of parameters");
        for ((p, mine), info) in params.iter().zip(&mut self.params).zip(self.graph.params()) {
            assert_eq!(p.shape(), info.shape, "parameter `{}` has the wrong shape", info.name);
            mine.data_mut().copy_from_slice(p.data());
        }
        let plan = &*self.plan;
        walk::forward(plan, plan.varying(), &mut ValueDomain::new(plan, &self.params, &mut self.vals));
        self.value(plan.root())
    }

    /// The value of a node computed by the last [`forward`](Self::forward)
    /// (or by [`new`](Self::new) for a constant node).
    pub fn value(&self, id: NodeId) -> &Tensor {
        Values { plan: &self.plan, params: &self.params, vals: &self.vals }.get(id)
    }

    /// The root's value and its gradient with respect to every parameter, at
    /// `params`. Runs a forward pass first.
    ///
    /// # Panics
    /// If the root is not a scalar (a [`Model`](crate::Model)'s loss always is).
    #[track_caller]
    pub fn value_and_grad(&mut self, params: &[Tensor]) -> (f64, Vec<Tensor>) {
        self.forward(params);
        self.grad_of_last_forward()
    }

    /// The root's value and gradient at the parameters of the last
    /// [`forward`](Self::forward) (the backward pass alone).
    ///
    /// # Panics
    /// If the root is not a scalar.
    #[track_caller]
    pub fn grad_of_last_forward(&mut self) -> (f64, Vec<Tensor>) {
        let plan = &*self.plan;
        let root = plan.root();
        assert_eq!(plan.shape(root).len(), 1, "gradients need a scalar root");
        let values = Values { plan, params: &self.params, vals: &self.vals };
        let value = values.get(root).item();
        walk::reverse(plan, plan.varying(), &mut AdjointDomain::new(values, &mut self.adj, &mut self.live));
        let mut grads: Vec<Tensor> = plan.params().iter().map(|&s| Tensor::zeros(s)).collect();
        for &id in plan.varying() {
            if let Op::Param(i) = plan.op(id)
                && self.live[id.index()]
            {
                grads[i] = self.adj[id.index()].clone();
            }
        }
        (value, grads)
    }
}
