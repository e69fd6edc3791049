//! The walker: the one `match` over operations for the passes that run on a
//! [`Plan`]. A domain implements one method per kind of operation; the
//! walker visits nodes in order (or in reverse, for adjoints) and calls them
//! with the node and its children, so that a domain resolves values itself
//! (from its buffers, the plan's constants or the parameters).

use super::Plan;
use crate::expr::{Func, NodeId, Op};

/// An elementwise operation of two operands (broadcast to the node's shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
}

/// A reduction over all elements or one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Reduce {
    Sum,
    Mean,
    LogSumExp,
}

/// What a pass does at each kind of node. `out` is the node; the other ids
/// are its children (visited before it in a forward pass, after it in a
/// reverse one).
#[allow(missing_docs)]
pub trait Domain {
    fn param(&mut self, out: NodeId, index: usize);
    fn data(&mut self, out: NodeId, index: usize);
    fn constant(&mut self, out: NodeId, value: f64);
    fn neg(&mut self, out: NodeId, a: NodeId);
    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId);
    fn powi(&mut self, out: NodeId, a: NodeId, n: i32);
    fn powf(&mut self, out: NodeId, a: NodeId, p: f64);
    fn func(&mut self, out: NodeId, f: Func, a: NodeId);
    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>);
    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId);
    /// `out[k] = a[index[k]]`, `out` of the node's shape (see [`Op::Gather`]).
    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]);
    /// Whether the pass has stopped (it cannot go on): the walker then
    /// visits no further node.
    fn stopped(&self) -> bool {
        false
    }
}

/// Runs `domain` over `visit` (nodes of `plan`, children first).
pub fn forward<D: Domain>(plan: &Plan, visit: &[NodeId], domain: &mut D) {
    for &id in visit {
        if domain.stopped() {
            return;
        }
        step(plan, id, domain);
    }
}

/// Runs `domain` over `visit` in reverse order (parents first): the order
/// of an adjoint pass, whose domain sends each node's adjoint to its
/// children (and does nothing at leaves).
pub fn reverse<D: Domain>(plan: &Plan, visit: &[NodeId], domain: &mut D) {
    for &id in visit.iter().rev() {
        if domain.stopped() {
            return;
        }
        step(plan, id, domain);
    }
}

/// The one dispatch from an operation to a domain's method.
#[inline]
fn step<D: Domain>(plan: &Plan, id: NodeId, domain: &mut D) {
    match plan.op(id) {
        Op::Param(i) => domain.param(id, i),
        Op::Data(i) => domain.data(id, i),
        Op::Const(c) => domain.constant(id, c.get()),
        Op::Neg(a) => domain.neg(id, a),
        Op::Add(a, b) => domain.binary(id, Binary::Add, a, b),
        Op::Sub(a, b) => domain.binary(id, Binary::Sub, a, b),
        Op::Mul(a, b) => domain.binary(id, Binary::Mul, a, b),
        Op::Div(a, b) => domain.binary(id, Binary::Div, a, b),
        Op::PowI(a, n) => domain.powi(id, a, n),
        Op::PowF(a, p) => domain.powf(id, a, p.get()),
        Op::Func(f, a) => domain.func(id, f, a),
        Op::Sum(a, axis) => domain.reduce(id, Reduce::Sum, a, axis.map(usize::from)),
        Op::Mean(a, axis) => domain.reduce(id, Reduce::Mean, a, axis.map(usize::from)),
        Op::LogSumExp(a, axis) => domain.reduce(id, Reduce::LogSumExp, a, axis.map(usize::from)),
        Op::MatMul(a, b) => domain.matmul(id, a, b),
        Op::Gather(a, t) => domain.gather(id, a, plan.gather_index(t)),
    }
}
