//! The reverse-mode adjoint domain: run in reverse over a plan after a
//! value pass, it sends each node's adjoint to its varying children, into
//! buffers that stay from one pass to the next.

use super::kernels;
use super::value::{Values, powf_checked};
use crate::expr::{Func, NodeId};
use crate::plan::Plan;
use crate::plan::walk::{Binary, Domain, Reduce};
use crate::tensor::into::{acc_into, shape_to};
use crate::tensor::{Shape, Tensor, View, gemm, left_dims, right_dims};

/// A reverse pass: `adj[node]` holds the adjoint of each varying node once
/// `live[node]`; the first contribution to a node overwrites its stale
/// buffer.
pub struct AdjointDomain<'a> {
    values: Values<'a>,
    adj: &'a mut [Tensor],
    live: &'a mut [bool],
}

impl<'a> AdjointDomain<'a> {
    /// The reverse pass over the values `values`, into `adj` and `live` (one
    /// slot per node), seeded with adjoint 1 at the plan's root.
    pub(crate) fn new(values: Values<'a>, adj: &'a mut [Tensor], live: &'a mut [bool]) -> Self {
        live.fill(false);
        let root = values.plan.root();
        shape_to(&mut adj[root.index()], values.plan.shape(root));
        adj[root.index()].data_mut().fill(1.0);
        live[root.index()] = true;
        AdjointDomain { values, adj, live }
    }

    fn plan(&self) -> &'a Plan {
        self.values.plan
    }

    /// The adjoint of `out` (if any reached it) and the buffer of child `c`
    /// (if it varies), zeroed on first use.
    fn pair(&mut self, out: NodeId, c: NodeId) -> Option<(&Tensor, Option<&mut [f64]>)> {
        if !self.live[out.index()] {
            return None;
        }
        let plan = self.values.plan;
        let (before, rest) = self.adj.split_at_mut(out.index());
        let g = &rest[0];
        if !plan.node(c).varying {
            return Some((g, None));
        }
        let slot = &mut before[c.index()];
        shape_to(slot, plan.shape(c));
        if !self.live[c.index()] {
            slot.data_mut().fill(0.0);
            self.live[c.index()] = true;
        }
        Some((g, Some(slot.data_mut())))
    }

    /// Adds `f(g, other)` (broadcast, summed down to `c`'s shape) into `c`'s adjoint.
    fn send(&mut self, out: NodeId, c: NodeId, other: Option<&Tensor>, f: impl Fn(f64, f64) -> f64) {
        let shape = self.plan().shape(c);
        if let Some((g, Some(t))) = self.pair(out, c) {
            acc_into(t, shape, g, other, f);
        }
    }
}

impl Domain for AdjointDomain<'_> {
    fn param(&mut self, _: NodeId, _: usize) {}
    fn data(&mut self, _: NodeId, _: usize) {}
    fn constant(&mut self, _: NodeId, _: f64) {}

    fn neg(&mut self, out: NodeId, a: NodeId) {
        self.send(out, a, None, |g, _| -g);
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let v = self.values;
        let (va, vb) = (v.get(a), v.get(b));
        match op {
            Binary::Add => {
                self.send(out, a, None, |g, _| g);
                self.send(out, b, None, |g, _| g);
            }
            Binary::Sub => {
                self.send(out, a, None, |g, _| g);
                self.send(out, b, None, |g, _| -g);
            }
            Binary::Mul => {
                self.send(out, a, Some(vb), |g, y| g * y);
                self.send(out, b, Some(va), |g, x| g * x);
            }
            Binary::Div => {
                self.send(out, a, Some(vb), |g, y| g / y);
                if self.plan().node(b).varying {
                    // d(a/b)/db = -(a/b)/b, from the broadcast quotient.
                    let q = v.get(out).zip_with(vb, |q, y| -q / y);
                    self.send(out, b, Some(&q), |g, d| g * d);
                }
            }
        }
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        let x = self.values.get(a);
        let k = f64::from(n);
        if n != 0 {
            self.send(out, a, Some(x), |g, x| g * (k * x.powi(n - 1)));
        }
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        let x = self.values.get(a);
        self.send(out, a, Some(x), |g, x| g * (p * powf_checked(x, p - 1.0)));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        let v = self.values;
        let (x, y) = (v.get(a), v.get(out));
        if let Some((g, Some(t))) = self.pair(out, a) {
            kernels::slope_acc(f, x.data(), y.data(), g.data(), t);
        }
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let v = self.values;
        let shape = self.plan().shape(a);
        let Some((g, Some(t))) = self.pair(out, a) else { return };
        let g = g.data();
        match op {
            Reduce::Sum => acc_reduced(t, shape, axis, |_, group| g[group]),
            Reduce::Mean => {
                let scale = 1.0 / Tensor::reduced_count(shape, axis) as f64;
                acc_reduced(t, shape, axis, |_, group| g[group] * scale);
            }
            Reduce::LogSumExp => {
                // d lse / dx = softmax(x) = exp(x - lse).
                let (x, l) = (v.get(a).data(), v.get(out).data());
                acc_reduced(t, shape, axis, |k, group| g[group] * kernels::exp(x[k] - l[group]));
            }
        }
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let v = self.values;
        let plan = self.plan();
        let (sa, sb) = (plan.shape(a), plan.shape(b));
        // The adjoint as a matrix: rows of a by columns of b.
        let rows = left_dims(sa).0;
        let cols = right_dims(sb).1;
        if let Some((g, Some(t))) = self.pair(out, a) {
            // ga += g @ b^T
            let gv = View::new(g.data(), rows, cols);
            gemm(t, gv, v.get(b).right_view().t(), true);
        }
        if let Some((g, Some(t))) = self.pair(out, b) {
            // gb += a^T @ g
            let gv = View::new(g.data(), rows, cols);
            gemm(t, v.get(a).left_view().t(), gv, true);
        }
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        // The adjoint of a gather scatters back, adding where an element
        // was taken more than once.
        if let Some((g, Some(t))) = self.pair(out, a) {
            g.data().iter().zip(index).for_each(|(&g, &i)| t[i] += g);
        }
    }
}

/// `t[k] += f(k, group)` for every element `k` of a tensor of `shape`, where
/// `group` is the output of the reduction over `axis` that `k` falls in.
fn acc_reduced(t: &mut [f64], shape: Shape, axis: Option<usize>, f: impl Fn(usize, usize) -> f64) {
    let cols = shape.dims2().1;
    match (shape, axis) {
        (Shape::Matrix(..), Some(1)) => t.iter_mut().enumerate().for_each(|(k, t)| *t += f(k, k / cols)),
        (Shape::Matrix(..), Some(0)) => t.iter_mut().enumerate().for_each(|(k, t)| *t += f(k, k % cols)),
        _ => t.iter_mut().enumerate().for_each(|(k, t)| *t += f(k, 0)),
    }
}
