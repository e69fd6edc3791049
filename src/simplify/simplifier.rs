//! The simplifier: equality saturation under limits, then extraction.

use std::fmt;
use std::time::{Duration, Instant};

use egg::{Extractor, Runner};

use super::analysis::{Domain, MathGraph};
use super::cost::{BoundsThenWork, Cost, term_cost};
use super::language::{from_rec_expr, to_rec_expr};
use super::rules::rules;
use crate::expr::{Graph, Model, NodeId};

/// Why saturation stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum StopReason {
    /// No rule could add anything: the e-graph holds every rewrite.
    Saturated,
    /// The iteration limit was reached.
    IterationLimit(usize),
    /// The e-graph reached its node limit.
    NodeLimit(usize),
    /// The time limit was reached (in seconds).
    TimeLimit(f64),
    /// The extracted term could not be built back (a bug caught: the
    /// original graph is kept).
    Failed(String),
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Saturated => f.write_str("saturated"),
            StopReason::IterationLimit(n) => write!(f, "iteration limit ({n})"),
            StopReason::NodeLimit(n) => write!(f, "node limit ({n})"),
            StopReason::TimeLimit(s) => write!(f, "time limit ({s} s)"),
            StopReason::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// What one simplification did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Why saturation stopped.
    pub stop_reason: StopReason,
    /// Iterations of rule application.
    pub iterations: usize,
    /// E-nodes in the final e-graph.
    pub egraph_nodes: usize,
    /// E-classes in the final e-graph.
    pub egraph_classes: usize,
    /// Cost of the original expression.
    pub cost_before: Cost,
    /// Cost of the result (the original's, if it was kept).
    pub cost_after: Cost,
    /// Graph nodes the objective depends on, before.
    pub nodes_before: usize,
    /// Graph nodes the objective depends on, after.
    pub nodes_after: usize,
    /// Whether the expression changed (only when the cost went down).
    pub changed: bool,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// A simplified expression: a new graph with the same parameters and data.
#[derive(Clone, Debug)]
pub struct Simplified {
    /// The graph.
    pub graph: Graph,
    /// The rewritten objective.
    pub root: NodeId,
    /// What was done.
    pub report: Report,
}

/// Equality saturation with egg under iteration, node and time limits, then
/// extraction of the cheapest equivalent term by [`Cost`].
///
/// The limits keep simplification cheap (the digits MLP takes a few
/// milliseconds); the time limit is a safety net only, so that results do
/// not depend on the machine's speed in ordinary use.
///
/// ```
/// use majorize::lang;
/// use majorize::simplify::Simplifier;
/// let m = lang::parse_inline("log(1 + exp(-3*x))").unwrap();
/// let s = Simplifier::default().run(&m.graph, m.loss);
/// assert_eq!(s.graph.display(s.root), "softplus(-3 * x)");
/// ```
#[derive(Clone, Debug)]
pub struct Simplifier {
    iter_limit: usize,
    node_limit: usize,
    time_limit: Duration,
}

impl Default for Simplifier {
    fn default() -> Self {
        Simplifier { iter_limit: 12, node_limit: 8_000, time_limit: Duration::from_secs(2) }
    }
}

impl Simplifier {
    /// The maximum number of iterations (default 12).
    pub fn with_iter_limit(mut self, n: usize) -> Self {
        self.iter_limit = n;
        self
    }

    /// The maximum number of e-nodes (default 8000).
    pub fn with_node_limit(mut self, n: usize) -> Self {
        self.node_limit = n;
        self
    }

    /// The time limit (default 2 s).
    pub fn with_time_limit(mut self, t: Duration) -> Self {
        self.time_limit = t;
        self
    }

    /// Simplifies the expression of `root`. The result's graph has the same
    /// parameters and data tensors (same indices); it is the original
    /// graph, unchanged, unless the cost went down.
    pub fn run(&self, graph: &Graph, root: NodeId) -> Simplified {
        let start = Instant::now();
        let expr = to_rec_expr(graph, root);
        let domain = Domain::new(graph);
        let cost_before = term_cost(&domain, &expr);
        let runner = Runner::default()
            .with_egraph(MathGraph::new(domain))
            .with_expr(&expr)
            .with_iter_limit(self.iter_limit)
            .with_node_limit(self.node_limit)
            .with_time_limit(self.time_limit)
            .run(rules());
        let stop_reason = match runner.stop_reason {
            Some(egg::StopReason::IterationLimit(n)) => StopReason::IterationLimit(n),
            Some(egg::StopReason::NodeLimit(n)) => StopReason::NodeLimit(n),
            Some(egg::StopReason::TimeLimit(s)) => StopReason::TimeLimit(s),
            Some(egg::StopReason::Other(why)) => StopReason::Failed(why),
            Some(egg::StopReason::Saturated) | None => StopReason::Saturated,
        };
        let extractor = Extractor::new(&runner.egraph, BoundsThenWork { egraph: &runner.egraph });
        let (cost_after, best) = extractor.find_best(runner.roots[0]);
        let nodes_before = graph.reachable(root).len();
        let mut report = Report {
            stop_reason,
            iterations: runner.iterations.len(),
            egraph_nodes: runner.egraph.total_number_of_nodes(),
            egraph_classes: runner.egraph.number_of_classes(),
            cost_before,
            cost_after: cost_before,
            nodes_before,
            nodes_after: nodes_before,
            changed: false,
            seconds: 0.0,
        };
        let mut result = (graph.clone(), root);
        if cost_after < cost_before {
            match from_rec_expr(graph, &best) {
                Ok((g, r)) => {
                    report.nodes_after = g.reachable(r).len();
                    report.cost_after = cost_after;
                    report.changed = true;
                    result = (g, r);
                }
                Err(e) => report.stop_reason = StopReason::Failed(e.to_string()),
            }
        }
        report.seconds = start.elapsed().as_secs_f64();
        Simplified { graph: result.0, root: result.1, report }
    }

    /// Simplifies a model's objective; parameters and initial values are kept.
    pub fn run_model(&self, model: &Model) -> (Model, Report) {
        let s = self.run(&model.graph, model.loss);
        (Model { graph: s.graph, loss: s.root, init: model.init.clone() }, s.report)
    }
}
