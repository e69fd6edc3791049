//! The loss an optimizer works on: its graph, an evaluator and (for the MM
//! methods) a bounder, passed to every step explicitly (as optax passes
//! `value_fn`).

use std::cell::OnceCell;
use std::collections::HashSet;

use crate::bound::Bounder;
use crate::eval::{Evaluator, jet_on};
use crate::expr::{Func, Graph, Model, NodeId, Op};
use crate::mm::kinks;
use crate::mm::last_layer::{self, LastLayer};
use crate::mm::prox::Smooth;
use crate::tensor::Tensor;

/// How close to 0 (relative to the largest magnitude among its elements,
/// or 1) a kink function's argument counts as on the kink, for
/// [`Problem::kinks_at`].
pub const NEAR_KINK: f64 = 1e-9;

/// A loss to minimize: the graph, its scalar root, an evaluator that keeps
/// the constant part of the graph computed, and a bounder made on first
/// use.
#[derive(Clone, Debug)]
pub struct Problem<'g> {
    evaluator: Evaluator<'g>,
    bounder: OnceCell<Bounder<'g>>,
    /// The smooth part when the loss has separable kink terms.
    smooth: OnceCell<Option<Smooth<'g>>>,
    /// The last linear layer, when the loss ends in one.
    last_layer: OnceCell<Option<LastLayer>>,
    /// The parameters of the last forward pass, whose values the evaluator holds.
    forward_at: Option<Vec<Tensor>>,
    evaluations: usize,
    gradients: usize,
    bounds: usize,
    diagnose: bool,
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
            smooth: OnceCell::new(),
            last_layer: OnceCell::new(),
            forward_at: None,
            evaluations: 0,
            gradients: 0,
            bounds: 0,
            diagnose: false,
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

    /// The point Taylor coefficients `[h(0), h'(0), h''(0)/2]` of
    /// `h(t) = f(params + t v)`, in f64 ([`jet_on`]): estimates, for an
    /// optimistic step or a diagnosis, not a bound. Counted as an evaluation.
    pub fn taylor2(&mut self, params: &[Tensor], v: &[Tensor]) -> [f64; 3] {
        self.evaluations += 1;
        jet_on(self.evaluator.plan(), params, v)
    }

    /// Asks the MM methods to diagnose each step ([`Diagnosis`](crate::mm::diagnose::Diagnosis)):
    /// many extra evaluations per step, so off by default.
    pub fn set_diagnose(&mut self, on: bool) {
        self.diagnose = on;
    }

    /// Whether steps are diagnosed.
    pub fn diagnosing(&self) -> bool {
        self.diagnose
    }

    /// The bounder of the loss (its constant part bounded once, here).
    pub fn bounder(&mut self) -> &Bounder<'g> {
        self.bounds += 1;
        let (graph, plan) = (self.evaluator.graph(), self.evaluator.plan());
        self.bounder.get_or_init(|| Bounder::with_plan(graph, plan.clone()))
    }

    /// The smooth part of the loss and its separable kink terms (for
    /// proximal MM), or `None` when the loss has no such terms
    /// ([`kinks::recognise`]). Made on first use.
    pub fn smooth_part(&mut self) -> Option<&Smooth<'g>> {
        self.bounds += 1;
        self.split()
    }

    /// Whether the loss has separable kink terms (see [`smooth_part`](Self::smooth_part)).
    pub fn has_kinks(&self) -> bool {
        self.split().is_some()
    }

    /// The separable kink terms, if any (no bound pass is counted).
    pub fn kinks(&self) -> Option<&kinks::Kinks> {
        self.split().map(|s| &s.kinks)
    }

    fn split(&self) -> Option<&Smooth<'g>> {
        let (graph, root) = (self.evaluator.graph(), self.evaluator.root());
        self.smooth.get_or_init(|| kinks::recognise(graph, root).map(|k| Smooth::new(graph, k))).as_ref()
    }

    /// The loss's last linear layer and its head, or `None` when it has
    /// none ([`last_layer::recognise`]). Recognised on first use.
    pub fn last_layer(&self) -> Option<&LastLayer> {
        let (graph, root) = (self.evaluator.graph(), self.evaluator.root());
        self.last_layer.get_or_init(|| last_layer::recognise(graph, root)).as_ref()
    }

    /// Where the loss sits on a kink at `params`: for each of `abs` and
    /// `relu` (`max`, `min` and `clip` are relu forms), how many elements of
    /// their arguments are 0 or within [`NEAR_KINK`] (relative) of it: at 0
    /// the loss need not be differentiable and no quadratic majorizer of it
    /// exists; just beside it a majorizer's curvature grows like the inverse
    /// of the distance, so an MM step there is tiny. With
    /// `skip_separable`, the separable kink terms ([`smooth_part`](Self::smooth_part)),
    /// which proximal MM keeps exact, are left out.
    pub fn kinks_at(&mut self, params: &[Tensor], skip_separable: bool) -> Vec<(Func, usize)> {
        let graph = self.evaluator.graph();
        let plan = self.evaluator.plan().clone();
        let skip: HashSet<NodeId> = match (skip_separable, self.kinks()) {
            (true, Some(k)) => {
                let smooth: HashSet<NodeId> = k.smooth.iter().flat_map(|&(id, _)| graph.reachable(id)).collect();
                k.terms.iter().flat_map(|&t| graph.reachable(t)).filter(|id| !smooth.contains(id)).collect()
            }
            _ => HashSet::new(),
        };
        self.evaluator.forward(params);
        self.forward_at = Some(params.to_vec());
        let mut out: Vec<(Func, usize)> = Vec::new();
        for &id in plan.varying() {
            if let Op::Func(f @ (Func::Abs | Func::Relu), a) = plan.op(id)
                && !skip.contains(&id)
            {
                let vals = self.evaluator.value(a).data();
                let tol = NEAR_KINK * (1.0 + vals.iter().fold(0.0f64, |m, v| m.max(v.abs())));
                let n = vals.iter().filter(|v| v.abs() <= tol).count();
                match out.iter_mut().find(|(g, _)| *g == f) {
                    Some(slot) => slot.1 += n,
                    None if n > 0 => out.push((f, n)),
                    None => {}
                }
            }
        }
        out
    }

    /// How many loss-only evaluations, gradient evaluations and bound passes
    /// were asked for.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.evaluations, self.gradients, self.bounds)
    }
}
