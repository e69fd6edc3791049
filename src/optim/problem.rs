//! The loss an optimizer works on: its graph and an evaluator, passed to
//! every step explicitly (as optax passes `value_fn`).

use crate::eval::Evaluator;
use crate::expr::{Graph, Model, NodeId};
use crate::tensor::Tensor;

/// A loss to minimize: the graph, its scalar root, and an evaluator that
/// keeps the constant part of the graph computed.
#[derive(Clone, Debug)]
pub struct Problem<'g> {
    evaluator: Evaluator<'g>,
    evaluations: usize,
    gradients: usize,
}

impl<'g> Problem<'g> {
    /// The problem of minimizing `model`'s loss.
    pub fn new(model: &'g Model) -> Self {
        Self::from_graph(&model.graph, model.loss)
    }

    /// The problem of minimizing the scalar node `loss` of `graph`.
    pub fn from_graph(graph: &'g Graph, loss: NodeId) -> Self {
        Problem { evaluator: Evaluator::new(graph, loss), evaluations: 0, gradients: 0 }
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
        self.evaluator.forward(params).item()
    }

    /// The loss and its gradient at `params`.
    pub fn value_and_grad(&mut self, params: &[Tensor]) -> (f64, Vec<Tensor>) {
        self.gradients += 1;
        self.evaluator.value_and_grad(params)
    }

    /// How many loss-only evaluations and gradient evaluations were made.
    pub fn counts(&self) -> (usize, usize) {
        (self.evaluations, self.gradients)
    }
}
