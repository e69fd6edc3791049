//! The evaluator: a compiled [`Plan`] and the buffers of its value and
//! adjoint passes.

use std::sync::Arc;

use super::adjoint::AdjointDomain;
use super::value::{ValueDomain, Values};
use crate::expr::{Graph, NodeId, Op};
use crate::plan::rows::RowBlocks;
use crate::plan::{Plan, walk};
use crate::tensor::Tensor;

/// Evaluates one root of a graph, repeatedly, at changing parameter values.
///
/// The graph is compiled once into a [`Plan`], whose constant part (data,
/// constants and everything computed from them alone) is evaluated there.
/// Each [`forward`](Evaluator::forward) recomputes only the varying nodes,
/// into buffers that stay allocated between passes. Where the loss is a sum
/// or mean over data rows, [`loss`](Evaluator::loss) and
/// [`value_and_grad`](Evaluator::value_and_grad) run it by blocks of rows
/// ([`RowBlocks`]), on rayon's threads, with the same result at any number
/// of threads.
#[derive(Clone, Debug)]
pub struct Evaluator<'g> {
    graph: &'g Graph,
    /// The parameters of the last pass.
    params: Vec<Tensor>,
    /// The whole plan's pass.
    whole: Run,
    /// The row blocks' passes (the rest of the loss first), once compiled;
    /// `None` inside where the loss has no row blocks.
    blocks: Option<Option<Vec<Run>>>,
    /// Whether the last pass ran by blocks.
    last_blocked: bool,
}

/// One plan's pass: the values of its varying nodes and their adjoints.
#[derive(Clone, Debug)]
struct Run {
    plan: Arc<Plan>,
    vals: Vec<Tensor>,
    /// The adjoint buffers of the last backward pass, and which are live.
    adj: Vec<Tensor>,
    live: Vec<bool>,
}

impl Run {
    fn new(plan: Arc<Plan>) -> Self {
        let n = plan.len();
        let empty = || vec![Tensor::scalar(0.0); n];
        Run { plan, vals: empty(), adj: empty(), live: vec![false; n] }
    }

    fn values<'a>(&'a self, params: &'a [Tensor]) -> Values<'a> {
        Values { plan: &self.plan, params, vals: &self.vals }
    }

    fn forward(&mut self, params: &[Tensor]) -> f64 {
        let plan = &*self.plan;
        walk::forward(plan, plan.varying(), &mut ValueDomain::new(plan, params, &mut self.vals));
        self.values(params).get(plan.root()).item()
    }

    /// The root's value and gradient at the parameters of the last forward pass.
    fn backward(&mut self, params: &[Tensor]) -> (f64, Vec<Tensor>) {
        let plan = &*self.plan;
        let root = plan.root();
        assert_eq!(plan.shape(root).len(), 1, "gradients need a scalar root");
        let values = Values { plan, params, vals: &self.vals };
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

/// The sum of the runs' values and gradients, in order.
fn combine(parts: Vec<(f64, Vec<Tensor>)>) -> (f64, Vec<Tensor>) {
    let mut parts = parts.into_iter();
    let (mut value, mut grads) = parts.next().expect("at least the rest of the loss");
    for (v, g) in parts {
        value += v;
        for (acc, t) in grads.iter_mut().zip(&g) {
            acc.data_mut().iter_mut().zip(t.data()).for_each(|(a, b)| *a += b);
        }
    }
    (value, grads)
}

impl<'g> Evaluator<'g> {
    /// An evaluator of `root`, with its constant part already computed.
    pub fn new(graph: &'g Graph, root: NodeId) -> Self {
        Self::with_plan(graph, Arc::new(Plan::new(graph, root)))
    }

    /// An evaluator running `plan`, compiled from `graph`.
    pub fn with_plan(graph: &'g Graph, plan: Arc<Plan>) -> Self {
        let params = plan.params().iter().map(|&s| Tensor::zeros(s)).collect();
        Evaluator { graph, params, whole: Run::new(plan), blocks: None, last_blocked: false }
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The compiled plan.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.whole.plan
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        self.whole.plan.root()
    }

    /// Whether [`loss`](Self::loss) and [`value_and_grad`](Self::value_and_grad)
    /// run by row blocks, and how many.
    pub fn row_blocks(&mut self) -> Option<usize> {
        self.blocks().map(|b| b.len() - 1)
    }

    /// The row blocks' runs, compiled on first use.
    fn blocks(&mut self) -> Option<&mut Vec<Run>> {
        let (graph, plan) = (self.graph, &self.whole.plan);
        self.blocks
            .get_or_insert_with(|| {
                RowBlocks::new(graph, plan).map(|b| std::iter::once(b.rest).chain(b.blocks).map(Run::new).collect())
            })
            .as_mut()
    }

    #[track_caller]
    fn set_params(&mut self, params: &[Tensor]) {
        assert_eq!(params.len(), self.params.len(), "wrong number of parameters");
        for ((p, mine), info) in params.iter().zip(&mut self.params).zip(self.graph.params()) {
            assert_eq!(p.shape(), info.shape, "parameter `{}` has the wrong shape", info.name);
            mine.data_mut().copy_from_slice(p.data());
        }
    }

    /// Evaluates every varying node at `params` (one tensor per parameter,
    /// shaped as the graph says) and returns the root's value.
    ///
    /// # Panics
    /// If a parameter tensor has the wrong shape.
    #[track_caller]
    pub fn forward(&mut self, params: &[Tensor]) -> &Tensor {
        self.set_params(params);
        self.whole.forward(&self.params);
        self.last_blocked = false;
        self.value(self.root())
    }

    /// The value of a node computed by the last [`forward`](Self::forward)
    /// (or by [`new`](Self::new) for a constant node).
    pub fn value(&self, id: NodeId) -> &Tensor {
        self.whole.values(&self.params).get(id)
    }

    /// The scalar root's value at `params`: [`forward`](Self::forward)'s,
    /// by row blocks where the loss has them (then `value` of an inner node
    /// is not computed).
    ///
    /// # Panics
    /// If a parameter tensor has the wrong shape.
    #[track_caller]
    pub fn loss(&mut self, params: &[Tensor]) -> f64 {
        use rayon::prelude::*;
        self.set_params(params);
        let p = std::mem::take(&mut self.params);
        let value = match self.blocks() {
            Some(runs) => {
                let parts: Vec<f64> = runs.par_iter_mut().map(|r| r.forward(&p)).collect();
                Some(parts.into_iter().fold(0.0, |acc, v| acc + v))
            }
            None => None,
        };
        self.params = p;
        self.last_blocked = value.is_some();
        value.unwrap_or_else(|| self.whole.forward(&self.params))
    }

    /// The root's value and its gradient with respect to every parameter, at
    /// `params`. Runs a forward pass first.
    ///
    /// # Panics
    /// If the root is not a scalar (a [`Model`](crate::Model)'s loss always is).
    #[track_caller]
    pub fn value_and_grad(&mut self, params: &[Tensor]) -> (f64, Vec<Tensor>) {
        use rayon::prelude::*;
        self.set_params(params);
        let p = std::mem::take(&mut self.params);
        // By blocks: each block's forward and backward passes in one task.
        let out = self.blocks().map(|runs| {
            combine(
                runs.par_iter_mut()
                    .map(|r| {
                        r.forward(&p);
                        r.backward(&p)
                    })
                    .collect(),
            )
        });
        self.params = p;
        self.last_blocked = out.is_some();
        out.unwrap_or_else(|| {
            self.whole.forward(&self.params);
            self.whole.backward(&self.params)
        })
    }

    /// The root's value and gradient at the parameters of the last
    /// [`forward`](Self::forward) or [`loss`](Self::loss) (the backward
    /// pass alone).
    ///
    /// # Panics
    /// If the root is not a scalar.
    #[track_caller]
    pub fn grad_of_last_forward(&mut self) -> (f64, Vec<Tensor>) {
        use rayon::prelude::*;
        let p = std::mem::take(&mut self.params);
        let out = match (self.last_blocked, self.blocks.as_mut().and_then(Option::as_mut)) {
            (true, Some(runs)) => combine(runs.par_iter_mut().map(|r| r.backward(&p)).collect()),
            _ => self.whole.backward(&p),
        };
        self.params = p;
        out
    }
}
