//! The value domain: each node's tensor, computed into a buffer that stays
//! from one pass to the next.

use super::kernels;
use crate::expr::{Func, NodeId, Op};
use crate::plan::Plan;
use crate::plan::walk::{Binary, Domain, Reduce};
use crate::tensor::into::{map_into, shape_to, zip_into};
use crate::tensor::{Shape, Tensor, gemm_into};

/// Where a pass reads a node's value: the parameters, the plan's constants,
/// or the buffers of the nodes computed so far.
#[derive(Clone, Copy)]
pub(crate) struct Values<'a> {
    pub plan: &'a Plan,
    pub params: &'a [Tensor],
    pub vals: &'a [Tensor],
}

impl<'a> Values<'a> {
    /// The value of `id`.
    #[inline]
    pub fn get(&self, id: NodeId) -> &'a Tensor {
        match self.plan.op(id) {
            Op::Param(i) => return &self.params[i],
            Op::Data(i) => return self.plan.data(i),
            _ => {}
        }
        match self.plan.constant(id) {
            Some(t) => t,
            None => &self.vals[id.index()],
        }
    }
}

/// A forward pass in f64: writes the value of each visited node into
/// `vals[node]` (parameters and data are read where they are, not copied).
pub struct ValueDomain<'a> {
    plan: &'a Plan,
    params: &'a [Tensor],
    vals: &'a mut [Tensor],
}

impl<'a> ValueDomain<'a> {
    /// A pass at `params` into `vals` (one slot per node of the plan).
    pub fn new(plan: &'a Plan, params: &'a [Tensor], vals: &'a mut [Tensor]) -> Self {
        ValueDomain { plan, params, vals }
    }

    /// The output buffer of `out` (shaped) and a reader of the nodes before it.
    #[inline]
    fn split(&mut self, out: NodeId) -> (&mut Tensor, Values<'_>) {
        let (before, rest) = self.vals.split_at_mut(out.index());
        let slot = &mut rest[0];
        shape_to(slot, self.plan.shape(out));
        (slot, Values { plan: self.plan, params: self.params, vals: before })
    }
}

/// `x^p` for a non-integer `p`: NaN for x < 0.
#[inline]
pub(crate) fn powf_checked(x: f64, p: f64) -> f64 {
    // A real power is defined on x >= 0 only; f64's powf would give a
    // number at x = -inf.
    if x < 0.0 { f64::NAN } else { x.powf(p) }
}

impl Domain for ValueDomain<'_> {
    fn param(&mut self, _: NodeId, _: usize) {}

    fn data(&mut self, _: NodeId, _: usize) {}

    fn constant(&mut self, out: NodeId, value: f64) {
        let (slot, _) = self.split(out);
        *slot = Tensor::scalar(value);
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        let (slot, v) = self.split(out);
        map_into(slot, v.get(a), |x| -x);
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let (slot, v) = self.split(out);
        let (a, b) = (v.get(a), v.get(b));
        match op {
            Binary::Add => zip_into(slot, a, b, |x, y| x + y),
            Binary::Sub => zip_into(slot, a, b, |x, y| x - y),
            Binary::Mul => zip_into(slot, a, b, |x, y| x * y),
            Binary::Div => zip_into(slot, a, b, |x, y| x / y),
        }
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        let (slot, v) = self.split(out);
        map_into(slot, v.get(a), |x| x.powi(n));
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        let (slot, v) = self.split(out);
        map_into(slot, v.get(a), |x| powf_checked(x, p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        let (slot, v) = self.split(out);
        kernels::map(f, v.get(a).data(), slot.data_mut());
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let (slot, v) = self.split(out);
        let a = v.get(a);
        reduce_into(slot, op, a, axis);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let (slot, v) = self.split(out);
        gemm_into(slot, v.get(a), v.get(b));
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let (slot, v) = self.split(out);
        let a = v.get(a).data();
        slot.data_mut().iter_mut().zip(index).for_each(|(o, &i)| *o = a[i]);
    }
}

/// `out = sum | mean | logsumexp of a` over all elements or one axis.
fn reduce_into(out: &mut Tensor, op: Reduce, a: &Tensor, axis: Option<usize>) {
    let (rows, cols) = a.shape().dims2();
    let d = a.data();
    let o = out.data_mut();
    let by_row = matches!((a.shape(), axis), (Shape::Matrix(..), Some(1)));
    let by_col = matches!((a.shape(), axis), (Shape::Matrix(..), Some(0)));
    let count = Tensor::reduced_count(a.shape(), axis) as f64;
    // One group of elements per output, folded in order.
    let fold = |o: &mut [f64], init: f64, f: &dyn Fn(f64, f64) -> f64| {
        if by_col {
            o.fill(init);
            for row in d.chunks(cols.max(1)).take(rows) {
                o.iter_mut().zip(row).for_each(|(o, &v)| *o = f(*o, v));
            }
        } else if by_row {
            for (i, o) in o.iter_mut().enumerate() {
                *o = d[i * cols..(i + 1) * cols].iter().fold(init, |s, &v| f(s, v));
            }
        } else {
            o[0] = d.iter().fold(init, |s, &v| f(s, v));
        }
    };
    match op {
        Reduce::Sum => fold(o, 0.0, &|s, v| s + v),
        Reduce::Mean => {
            fold(o, 0.0, &|s, v| s + v);
            o.iter_mut().for_each(|v| *v /= count);
        }
        Reduce::LogSumExp => {
            // The maximum shifted out, so that nothing overflows.
            fold(o, f64::NEG_INFINITY, &f64::max);
            let max = o.to_vec();
            let at = |i: usize, j: usize| {
                if by_row {
                    max[i]
                } else if by_col {
                    max[j]
                } else {
                    max[0]
                }
            };
            let shifted = |i: usize, j: usize| {
                let (x, m) = (d[i * cols + j], at(i, j));
                if m.is_finite() { kernels::exp(x - m) } else { kernels::exp(x - m).min(1.0) }
            };
            o.fill(0.0);
            for i in 0..rows {
                for j in 0..cols {
                    let k = if by_row {
                        i
                    } else if by_col {
                        j
                    } else {
                        0
                    };
                    o[k] += shifted(i, j);
                }
            }
            for (s, m) in o.iter_mut().zip(&max) {
                *s = if m.is_finite() { m + kernels::ln(*s) } else { *m };
            }
        }
    }
}
