//! Row blocks: where a loss is a sum or mean over independent data rows
//! (every loss of `bench/`), the part below those reductions is compiled
//! once per block of rows, so that a block flows through every operation
//! while it is in cache, and blocks run on separate threads.
//!
//! A node is *row-wise* when row `i` of its value depends only on row `i`
//! of the data: the data with the most rows (`n`, rows of a matrix or
//! elements of a vector), what is computed from such values elementwise,
//! broadcast against row-independent values, by a product with a
//! row-independent matrix on the right, or reduced along a row. A *cut*
//! is a sum or mean over all the elements of a row-wise node. When the
//! loss is affine in its cuts, with constant coefficients (`mean(...)`,
//! `mean(...) + 1e-3 * sum(W^2)`), it is
//!
//! `loss = rest + sum_k a_k cut_k`,
//!
//! where `rest` is the loss with every cut set to 0. Each block's plan
//! computes `sum_k w_k sum_(its rows) child_k` (`w_k = a_k`, or `a_k /
//! count` for a mean); the loss and its gradient are `rest`'s plus the
//! blocks', added in block order, so the result does not depend on the
//! number of threads. Anything else (a reduction across rows that is not
//! a cut, a row-wise value used any other way, a loss not affine in its
//! cuts) leaves the loss unblocked.

use std::sync::Arc;

use super::Plan;
use super::walk::{self, Binary, Domain, Reduce};
use crate::expr::{ExprError, Func, Graph, NodeId, Op};
use crate::tensor::{Shape, Tensor};

/// The fewest rows in a block.
const MIN_ROWS: usize = 64;

/// The fewest elements, over every varying row-wise node, for blocks.
const MIN_WORK: usize = 65_536;

/// About how many elements the widest row-wise node of a block holds.
const BLOCK_ELEMENTS: usize = 65_536;

/// How a node relates to the data rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Does not depend on the rows.
    Free,
    /// A matrix whose row `i` belongs to data row `i`.
    Rows,
    /// A vector whose element `i` belongs to data row `i`.
    Elems,
    /// A sum or mean over every element of a row-wise node.
    Cut,
}

/// The plans of a loss split into row blocks.
#[derive(Debug)]
pub struct RowBlocks {
    /// One plan per block of rows: its share of the loss.
    pub blocks: Vec<Arc<Plan>>,
    /// The loss with every cut set to 0.
    pub rest: Arc<Plan>,
}

impl RowBlocks {
    /// The row blocks of `plan` (compiled from `graph`), or `None` where the
    /// loss has no such structure or too few rows for two blocks.
    pub fn new(graph: &Graph, plan: &Plan) -> Option<Self> {
        let rows = |s: Shape| match s {
            Shape::Matrix(r, _) => r,
            Shape::Vector(r) => r,
            Shape::Scalar => 1,
        };
        let n = plan.data.iter().map(|d| rows(d.shape())).max()?;
        if n < 2 * MIN_ROWS {
            return None;
        }
        let kinds = classify(plan, n)?;
        let cuts = affine_cuts(plan, &kinds)?;
        // Blocks only where the row-wise work is worth a hand-off to another
        // thread (MIN_WORK elements over every varying row-wise node); then
        // about BLOCK_ELEMENTS elements of the widest such node per block,
        // an even number of blocks (two cores share them evenly; the count
        // never depends on the threads), each of at least MIN_ROWS rows.
        let widths: Vec<usize> = plan
            .varying()
            .iter()
            .filter(|id| matches!(kinds[id.index()], Kind::Rows | Kind::Elems))
            .map(|id| if kinds[id.index()] == Kind::Rows { plan.shape(*id).dims2().1 } else { 1 })
            .collect();
        let width = widths.iter().copied().max().unwrap_or(1);
        if n * widths.iter().sum::<usize>() < MIN_WORK {
            return None;
        }
        let count = (n * width).div_ceil(BLOCK_ELEMENTS).next_multiple_of(2).min(n / MIN_ROWS);
        if count < 2 {
            return None;
        }
        // Near-equal blocks, each of at least MIN_ROWS rows.
        let bounds: Vec<usize> = (0..=count).map(|b| b * n / count).collect();
        let blocks = bounds
            .windows(2)
            .map(|r| block_plan(graph, plan, &kinds, &cuts, (r[0], r[1])).map(Arc::new))
            .collect::<Option<Vec<_>>>()?;
        let rest = Arc::new(rest_plan(graph, plan, &kinds)?);
        Some(RowBlocks { blocks, rest })
    }
}

/// Each node's kind, or `None` where a row-wise value is used in a way that
/// mixes rows.
fn classify(plan: &Plan, n: usize) -> Option<Vec<Kind>> {
    let mut kinds = vec![Kind::Free; plan.len()];
    let by_shape = |s: Shape| match s {
        Shape::Matrix(r, _) if r == n => Kind::Rows,
        Shape::Vector(r) if r == n => Kind::Elems,
        _ => Kind::Free,
    };
    let row_wise = |k: Kind| matches!(k, Kind::Rows | Kind::Elems);
    for &id in plan.order() {
        let shape = plan.shape(id);
        let k = |c: NodeId| kinds[c.index()];
        let kind = if plan.constant(id).is_some() {
            by_shape(shape)
        } else {
            match plan.op(id) {
                Op::Param(_) => Kind::Free,
                Op::Data(_) | Op::Const(_) => unreachable!("data and constants are constant"),
                Op::Neg(a) | Op::PowI(a, _) | Op::PowF(a, _) | Op::Func(_, a) => match k(a) {
                    Kind::Cut => Kind::Free,
                    other => other,
                },
                Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) => {
                    let free = |c: NodeId, along: Kind| match along {
                        // Broadcast along the rows: a scalar or a row vector.
                        Kind::Rows => plan.shape(c).dims2().0 == 1,
                        _ => plan.shape(c) == Shape::Scalar,
                    };
                    // A cut's value is the whole loss's, not a block's: it
                    // must not meet a row-wise value.
                    match (k(a), k(b)) {
                        (x, y) if x == y && row_wise(x) => x,
                        (x, Kind::Free) if row_wise(x) && free(b, x) => x,
                        (Kind::Free, y) if row_wise(y) && free(a, y) => y,
                        (x, y) if !row_wise(x) && !row_wise(y) => Kind::Free,
                        _ => return None,
                    }
                }
                Op::MatMul(a, b) => match (k(a), k(b)) {
                    (Kind::Rows, Kind::Free) => by_shape(shape),
                    (x, y) if !row_wise(x) && !row_wise(y) => Kind::Free,
                    _ => return None,
                },
                Op::Sum(a, axis) | Op::Mean(a, axis) => match (k(a), axis.map(usize::from)) {
                    (Kind::Rows, Some(1)) => Kind::Elems,
                    (Kind::Rows | Kind::Elems, None) => Kind::Cut,
                    (Kind::Elems, Some(0)) => Kind::Cut,
                    (x, _) if !row_wise(x) => Kind::Free,
                    _ => return None,
                },
                Op::LogSumExp(a, axis) => match (k(a), axis.map(usize::from)) {
                    (Kind::Rows, Some(1)) => Kind::Elems,
                    (x, _) if !row_wise(x) => Kind::Free,
                    _ => return None,
                },
                // A gather may move elements across rows: a varying
                // row-wise operand leaves the loss unblocked.
                Op::Gather(a, _) => match k(a) {
                    x if row_wise(x) => return None,
                    _ => Kind::Free,
                },
            }
        };
        kinds[id.index()] = kind;
    }
    (!row_wise(kinds[plan.root().index()])).then_some(kinds)
}

/// The cuts and their weights in the loss (`w_k` of the module notes), or
/// `None` where the loss is not affine in them with constant coefficients.
fn affine_cuts(plan: &Plan, kinds: &[Kind]) -> Option<Vec<(NodeId, f64)>> {
    // Which nodes depend on a cut.
    let mut dep = vec![false; plan.len()];
    for &id in plan.order() {
        dep[id.index()] = kinds[id.index()] == Kind::Cut || plan.op(id).children().any(|c| dep[c.index()]);
    }
    let scalar =
        |c: NodeId| plan.constant(c).filter(|t| t.shape() == Shape::Scalar).map(|t| t.item()).filter(|v| v.is_finite());
    let mut coef: Vec<Option<f64>> = vec![None; plan.len()];
    coef[plan.root().index()] = Some(1.0);
    let mut cuts = Vec::new();
    for &id in plan.order().iter().rev() {
        let (Some(a), true) = (coef[id.index()], dep[id.index()]) else { continue };
        let mut give = |c: NodeId, w: f64| {
            if dep[c.index()] {
                let slot = &mut coef[c.index()];
                *slot = Some(slot.unwrap_or(0.0) + w);
            }
        };
        match plan.op(id) {
            _ if kinds[id.index()] == Kind::Cut => {
                let (child, mean) = match plan.op(id) {
                    Op::Sum(c, _) => (c, false),
                    Op::Mean(c, _) => (c, true),
                    _ => unreachable!("cuts are sums and means"),
                };
                let count = plan.shape(child).len() as f64;
                cuts.push((id, if mean { a / count } else { a }));
            }
            Op::Add(x, y) => {
                give(x, a);
                give(y, a);
            }
            Op::Sub(x, y) => {
                give(x, a);
                give(y, -a);
            }
            Op::Neg(x) => give(x, -a),
            Op::Mul(x, y) if !dep[y.index()] => give(x, a * scalar(y)?),
            Op::Mul(x, y) if !dep[x.index()] => give(y, a * scalar(x)?),
            Op::Div(x, y) if !dep[y.index()] => give(x, a / scalar(y)?),
            _ => return None,
        }
    }
    cuts.reverse();
    (!cuts.is_empty() && cuts.iter().all(|c| c.1.is_finite())).then_some(cuts)
}

/// The plan of rows `lo..hi`: the sum over them of the cuts' children,
/// weighted.
fn block_plan(
    graph: &Graph,
    plan: &Plan,
    kinds: &[Kind],
    cuts: &[(NodeId, f64)],
    rows: (usize, usize),
) -> Option<Plan> {
    let mut needed = vec![false; plan.len()];
    for &(cut, _) in cuts {
        for c in plan.op(cut).children() {
            needed[c.index()] = true;
        }
    }
    for &id in plan.order().iter().rev() {
        if needed[id.index()] && plan.constant(id).is_none() {
            for c in plan.op(id).children() {
                needed[c.index()] = true;
            }
        }
    }
    let mut r = Rebuild::new(graph, plan, kinds, Some(rows))?;
    let visit: Vec<NodeId> =
        plan.order().iter().copied().filter(|&id| needed[id.index()] && plan.constant(id).is_none()).collect();
    walk::forward(plan, &visit, &mut r);
    let mut root = None;
    for &(cut, w) in cuts {
        let child = plan.op(cut).children().next().expect("a cut has a child");
        let child = r.get(child)?;
        let s = r.g.sum(child, None).ok()?;
        let c = r.g.constant(w);
        let term = r.g.mul(s, c).ok()?;
        root = Some(match root {
            None => term,
            Some(acc) => r.g.add(acc, term).ok()?,
        });
    }
    r.finish(root?)
}

/// The plan of the loss with every cut set to 0.
fn rest_plan(graph: &Graph, plan: &Plan, kinds: &[Kind]) -> Option<Plan> {
    let mut r = Rebuild::new(graph, plan, kinds, None)?;
    let mut needed = vec![false; plan.len()];
    needed[plan.root().index()] = true;
    for &id in plan.order().iter().rev() {
        if !needed[id.index()] {
            continue;
        }
        if kinds[id.index()] == Kind::Cut {
            r.map[id.index()] = Some(r.g.constant(0.0));
            needed[id.index()] = false;
        } else if plan.constant(id).is_none() {
            for c in plan.op(id).children() {
                needed[c.index()] = true;
            }
        }
    }
    let visit: Vec<NodeId> =
        plan.order().iter().copied().filter(|&id| needed[id.index()] && plan.constant(id).is_none()).collect();
    walk::forward(plan, &visit, &mut r);
    let root = r.get(plan.root())?;
    r.finish(root)
}

/// A domain that copies the nodes it visits into a new graph, the
/// constants as data (the row-wise ones sliced to a block's rows).
struct Rebuild<'a> {
    plan: &'a Plan,
    kinds: &'a [Kind],
    rows: Option<(usize, usize)>,
    g: Graph,
    map: Vec<Option<NodeId>>,
    failed: bool,
}

impl<'a> Rebuild<'a> {
    fn new(graph: &Graph, plan: &'a Plan, kinds: &'a [Kind], rows: Option<(usize, usize)>) -> Option<Self> {
        let mut g = Graph::new();
        for p in graph.params() {
            g.param(&p.name, p.shape).ok()?;
        }
        Some(Rebuild { plan, kinds, rows, g, map: vec![None; plan.len()], failed: false })
    }

    fn get(&self, id: NodeId) -> Option<NodeId> {
        self.map[id.index()]
    }

    fn ok(&mut self, r: Result<NodeId, ExprError>) -> Option<NodeId> {
        r.map_err(|_| self.failed = true).ok()
    }

    fn set(&mut self, out: NodeId, r: Result<NodeId, ExprError>) {
        self.map[out.index()] = self.ok(r);
    }

    /// A constant node's value, sliced to the block's rows where it is row-wise.
    fn leaf(&mut self, out: NodeId) {
        let value = self.plan.constant(out).expect("a constant").clone();
        let value = match (self.rows, self.kinds[out.index()]) {
            (Some((lo, hi)), Kind::Rows) => {
                let c = value.shape().dims2().1;
                Arc::new(Tensor::new(Shape::Matrix(hi - lo, c), value.data()[lo * c..hi * c].to_vec()))
            }
            (Some((lo, hi)), Kind::Elems) => {
                Arc::new(Tensor::new(Shape::Vector(hi - lo), value.data()[lo..hi].to_vec()))
            }
            _ => value,
        };
        let r = self.g.data_shared(&format!("#{}", out.index()), value);
        self.set(out, r);
    }

    /// The children of a varying node, rebuilt (a constant child on first use).
    fn child(&mut self, c: NodeId) -> Option<NodeId> {
        if self.map[c.index()].is_none() && self.plan.constant(c).is_some() {
            self.leaf(c);
        }
        let got = self.get(c);
        if got.is_none() {
            self.failed = true;
        }
        got
    }

    fn finish(self, root: NodeId) -> Option<Plan> {
        (!self.failed).then(|| Plan::new(&self.g, root))
    }
}

impl Domain for Rebuild<'_> {
    fn param(&mut self, out: NodeId, index: usize) {
        self.map[out.index()] = self.g.param_node(index);
    }

    fn data(&mut self, _: NodeId, _: usize) {}

    fn constant(&mut self, _: NodeId, _: f64) {}

    fn neg(&mut self, out: NodeId, a: NodeId) {
        let Some(a) = self.child(a) else { return };
        self.map[out.index()] = Some(self.g.neg(a));
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let (Some(a), Some(b)) = (self.child(a), self.child(b)) else { return };
        let r = match op {
            Binary::Add => self.g.add(a, b),
            Binary::Sub => self.g.sub(a, b),
            Binary::Mul => self.g.mul(a, b),
            Binary::Div => self.g.div(a, b),
        };
        self.set(out, r);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        let Some(a) = self.child(a) else { return };
        self.map[out.index()] = Some(self.g.powi(a, n));
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        let Some(a) = self.child(a) else { return };
        self.map[out.index()] = Some(self.g.powf(a, p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        let Some(a) = self.child(a) else { return };
        self.map[out.index()] = Some(self.g.func(f, a));
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let Some(a) = self.child(a) else { return };
        let r = match op {
            Reduce::Sum => self.g.sum(a, axis),
            Reduce::Mean => self.g.mean(a, axis),
            Reduce::LogSumExp => self.g.logsumexp(a, axis),
        };
        self.set(out, r);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let (Some(a), Some(b)) = (self.child(a), self.child(b)) else { return };
        let r = self.g.matmul(a, b);
        self.set(out, r);
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let Some(a) = self.child(a) else { return };
        let r = self.g.gather(a, index.to_vec(), self.plan.shape(out));
        self.set(out, r);
    }

    fn stopped(&self) -> bool {
        self.failed
    }
}
