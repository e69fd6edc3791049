//! Where an enclosure may be undefined: a domain wrapper that runs an
//! enclosure pass and flags each node that may be undefined somewhere on
//! the region. A node is when a child is, or when its own operation is
//! given its arguments' ranges: a primitive outside its domain, or a
//! division by a range holding 0. The enclosure's coefficients do not show
//! it when the undefined part is multiplied by an exact 0 (`log(x) * 0`),
//! so the passes track it beside them.

use crate::expr::{Func, NodeId};
use crate::interval::Interval;
use crate::plan::walk::{Binary, Domain, Reduce};
use crate::prim::Prim;

/// A pass that knows the value range of each element of the nodes it has
/// visited (and of the constants).
pub(super) trait Ranges {
    /// The element ranges of `id`.
    fn ranges(&self, id: NodeId) -> Vec<Interval>;
}

/// `inner`, with a flag per node: whether it may be undefined.
pub(super) struct Tracked<D> {
    pub inner: D,
    pub undefined: Vec<bool>,
}

impl<D> Tracked<D> {
    /// `inner` over `len` node slots, none flagged.
    pub fn new(inner: D, len: usize) -> Self {
        Tracked { inner, undefined: vec![false; len] }
    }
}

impl<D: Ranges> Tracked<D> {
    /// Flags `out` if a child is flagged, or else if `own` says so.
    fn mark(&mut self, out: NodeId, children: &[NodeId], own: impl FnOnce(&D) -> bool) {
        let flag = children.iter().any(|c| self.undefined[c.index()]) || own(&self.inner);
        self.undefined[out.index()] = flag;
    }

    /// Flags `out` (the primitive `prim` of `a`) where `a`'s range leaves
    /// `prim`'s domain.
    fn mark_prim(&mut self, out: NodeId, a: NodeId, prim: Prim) {
        self.mark(out, &[a], |d| d.ranges(a).iter().any(|&r| !prim.defined_on(r)));
    }
}

impl<D: Domain + Ranges> Domain for Tracked<D> {
    fn param(&mut self, out: NodeId, index: usize) {
        self.inner.param(out, index);
    }

    fn data(&mut self, out: NodeId, index: usize) {
        self.inner.data(out, index);
    }

    fn constant(&mut self, out: NodeId, value: f64) {
        self.inner.constant(out, value);
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        self.inner.neg(out, a);
        self.mark(out, &[a], |_| false);
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        self.inner.binary(out, op, a, b);
        self.mark(out, &[a, b], |d| op == Binary::Div && d.ranges(b).iter().any(|r| r.contains(0.0)));
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        self.inner.powi(out, a, n);
        if n < 0 {
            self.mark_prim(out, a, Prim::Pow(f64::from(n)));
        } else {
            self.mark(out, &[a], |_| false);
        }
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        self.inner.powf(out, a, p);
        self.mark_prim(out, a, Prim::Pow(p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        self.inner.func(out, f, a);
        self.mark_prim(out, a, Prim::of(f));
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        self.inner.reduce(out, op, a, axis);
        self.mark(out, &[a], |_| false);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        self.inner.matmul(out, a, b);
        self.mark(out, &[a, b], |_| false);
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        self.inner.gather(out, a, index);
        self.mark(out, &[a], |_| false);
    }

    fn stopped(&self) -> bool {
        self.inner.stopped()
    }
}
