//! The loss an optimizer works on: its graph, an evaluator and (for the MM
//! methods) a bounder, passed to every step explicitly (as optax passes
//! `value_fn`).

use std::cell::OnceCell;

use crate::bound::Bounder;
use crate::eval::Evaluator;
use crate::expr::{Graph, Model, NodeId};
use crate::tensor::Tensor;

/// A loss to minimize: the graph, its scalar root, an evaluator that keeps
/// the constant part of the graph computed, and a bounder made on first
/// use.
#[derive(Clone, Debug)]
pub struct Problem<'g> {
    evaluator: Evaluator<'g>,
    bounder: OnceCell<Bounder<'g>>,
    /// The parameters of the last forward pass, whose values the evaluator holds.
    forward_at: Option<Vec<Tensor>>,
    evaluations: usize,
    gradients: usize,
    bounds: usize,
}

impl<'g> Problem<'g> {
    /// The problem of minimizing `model`'s loss.
    pub fn new(model: &'g Model) -> Self {
        Self::from_graph(&model.graph, model.loss)
    }

    /// The problem of minimizing the scalar node `loss` of `graph`.
    pub fn from_graph(graph: &'g Graph, loss: NodeId) -> Self {
        Problem {
            evaluator: Evaluator::new(graph, loss),
            bounder: OnceCell::new(),
            forward_at: None,
            evaluations: 0,
            gradients: 0,
            bounds: 0,
        }
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.evaluator.graph()
    }

    /// The loss node.
    pub fn loss_node(&self) -> NodeId {
        self.evaluator.root()
    }

    /// The loss at `params`.
    pub fn value(&mut self, params: &[Tensor]) -> f64 {
        self.evaluations += 1;
        let v = self.evaluator.loss(params);
        self.forward_at = Some(params.to_vec());
        v
    }

    /// The loss and its gradient at `params`. When the last call evaluated
    /// the loss at these very parameters, only the backward pass runs.
    pub fn value_and_grad(&mut self, params: &[Tensor]) -> (f64, Vec<Tensor>) {
        self.gradients += 1;
        let fresh = self.forward_at.as_deref() == Some(params);
        let out = if fresh { self.evaluator.grad_of_last_forward() } else { self.evaluator.value_and_grad(params) };
        self.forward_at = Some(params.to_vec());
        out
    }

    /// The bounder of the loss (its constant part bounded once, here).
    pub fn bounder(&mut self) -> &Bounder<'g> {
        self.bounds += 1;
        let (graph, plan) = (self.evaluator.graph(), self.evaluator.plan());
        self.bounder.get_or_init(|| Bounder::with_plan(graph, plan.clone()))
    }

    /// How many loss-only evaluations, gradient evaluations and bound passes
    /// were asked for.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.evaluations, self.gradients, self.bounds)
    }
}
