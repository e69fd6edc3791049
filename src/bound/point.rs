//! The point pass: the exact Taylor coefficients of a graph's scalar root
//! along a line `x0 + z v`, at `z = 0`, computed with [`series`] over
//! dyadic intervals of a few hundred bits and rounded outward to `f64`.
//! They depend on `x0` only, so they are computed apart from the region,
//! and they come out an ulp or two wide where `f64` interval arithmetic
//! loses digits to cancellation. Where the pass cannot go (a kink at
//! `x0`, a pole, a graph too large for the slow arithmetic) it gives
//! `None` and the caller keeps its `f64` coefficients.

use super::series::{self, Series};
use crate::expr::{Func, Graph, NodeId};
use crate::interval::{Big, BigInterval, Interval};
use crate::plan::Plan;
use crate::plan::walk::{self, Binary, Domain, Reduce};
use crate::prim::Prim;
use crate::tensor::{Tensor, left_dims, right_dims};

/// The most elements (over every node) a point pass takes on.
pub const MAX_ELEMENTS: usize = 100_000;

/// The precision of the point pass, in bits.
pub const PRECISION: u64 = 256;

/// A node's series, one per element.
type Val = Vec<Series>;

/// The Taylor coefficients `c_0 .. c_n` of the scalar `root` when every
/// parameter moves as `x0 + z v`, as dyadic intervals, or `None` where the
/// pass cannot form them.
pub fn coefficients_big(graph: &Graph, root: NodeId, x0: &[Tensor], v: &[Tensor], n: usize) -> Option<Series> {
    let total: usize = graph.reachable(root).iter().map(|&id| graph.shape(id).len()).sum();
    if total > MAX_ELEMENTS {
        return None;
    }
    let plan = Plan::new(graph, root);
    let mut d =
        PointPass { plan: &plan, b: Big::new(PRECISION), x0, v, n, vals: vec![None; plan.len()], failed: false };
    walk::forward(&plan, plan.order(), &mut d);
    if d.failed {
        return None;
    }
    let root_val = d.vals[root.index()].take()?;
    (root_val.len() == 1).then(|| root_val.into_iter().next().expect("one element"))
}

/// [`coefficients_big`] rounded outward to `f64` intervals.
pub fn coefficients(graph: &Graph, root: NodeId, x0: &[Tensor], v: &[Tensor], n: usize) -> Option<Vec<Interval>> {
    let c = coefficients_big(graph, root, x0, v, n)?;
    Some(
        c.iter()
            .map(|x| {
                let (lo, hi) = x.to_f64();
                Interval::new(lo, hi)
            })
            .collect(),
    )
}

/// One point pass: every reachable node's series.
struct PointPass<'a> {
    plan: &'a Plan,
    b: Big,
    x0: &'a [Tensor],
    v: &'a [Tensor],
    n: usize,
    vals: Vec<Option<Val>>,
    /// Set once a node cannot be formed.
    failed: bool,
}

impl PointPass<'_> {
    fn get(&self, id: NodeId) -> &Val {
        self.vals[id.index()].as_ref().expect("children first")
    }

    /// Stores `out`'s series, or fails the pass.
    fn set(&mut self, out: NodeId, v: Option<Val>) {
        match v {
            Some(v) => self.vals[out.index()] = Some(v),
            None => self.failed = true,
        }
    }

    fn point(&self, x: f64) -> Option<Series> {
        Some(series::constant(BigInterval::from_f64(x)?, self.n))
    }

    fn compose(&mut self, out: NodeId, a: NodeId, prim: Prim) {
        let v = self
            .get(a)
            .iter()
            .map(|u| {
                let s = series::coefficients(&self.b, prim, &u[0], self.n)?;
                Some(series::compose(self.b.p, u, &s))
            })
            .collect();
        self.set(out, v);
    }
}

impl Domain for PointPass<'_> {
    fn param(&mut self, out: NodeId, index: usize) {
        let v = self.x0[index]
            .data()
            .iter()
            .zip(self.v[index].data())
            .map(|(&x, &d)| {
                let mut s = self.point(x)?;
                if self.n >= 1 {
                    s[1] = BigInterval::from_f64(d)?;
                }
                Some(s)
            })
            .collect();
        self.set(out, v);
    }

    fn data(&mut self, out: NodeId, index: usize) {
        let v = self.plan.data(index).data().iter().map(|&x| self.point(x)).collect();
        self.set(out, v);
    }

    fn constant(&mut self, out: NodeId, value: f64) {
        let v = self.point(value).map(|s| vec![s]);
        self.set(out, v);
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        let v = self.get(a).iter().map(|s| s.iter().map(BigInterval::neg).collect()).collect();
        self.set(out, Some(v));
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let p = self.b.p;
        let (va, vb) = (self.get(a), self.get(b));
        let v = self
            .plan
            .pairs(out, a, b)
            .into_iter()
            .map(|(i, j)| {
                let (x, y) = (&va[i], &vb[j]);
                match op {
                    Binary::Add => Some(series::add(p, x, y)),
                    Binary::Sub => Some(series::sub(p, x, y)),
                    Binary::Mul => Some(series::mul(p, x, y)),
                    Binary::Div => series::div(p, x, y),
                }
            })
            .collect();
        self.set(out, v);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, k: i32) {
        if k < 0 {
            return self.compose(out, a, Prim::Pow(f64::from(k)));
        }
        let p = self.b.p;
        let v = self.get(a).iter().map(|s| series::powi(p, s, k as u32)).collect();
        self.set(out, Some(v));
    }

    fn powf(&mut self, out: NodeId, a: NodeId, q: f64) {
        self.compose(out, a, Prim::Pow(q));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        self.compose(out, a, Prim::of(f));
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let (b, n) = (&self.b, self.n);
        let p = b.p;
        let va = self.get(a);
        let v = self
            .plan
            .groups(a, axis)
            .iter()
            .map(|g| match op {
                Reduce::Sum | Reduce::Mean => {
                    let total =
                        g.iter().fold(series::constant(BigInterval::int(0), n), |acc, &e| series::add(p, &acc, &va[e]));
                    Some(if op == Reduce::Mean {
                        total.iter().map(|c| p.div_int(c, g.len() as i64)).collect()
                    } else {
                        total
                    })
                }
                Reduce::LogSumExp => {
                    // m + log(sum exp(u - m)) with m the largest value's double: an exact shift.
                    let m = g.iter().map(|&e| va[e][0].hi().approx()).fold(f64::NEG_INFINITY, f64::max);
                    let shift = series::constant(BigInterval::from_f64(m)?, n);
                    let mut total = series::constant(BigInterval::int(0), n);
                    for &e in g {
                        let u = series::sub(p, &va[e], &shift);
                        let s = series::coefficients(b, Prim::Func(Func::Exp), &u[0], n)?;
                        total = series::add(p, &total, &series::compose(p, &u, &s));
                    }
                    let s = series::coefficients(b, Prim::Func(Func::Log), &total[0], n)?;
                    Some(series::add(p, &series::compose(p, &total, &s), &shift))
                }
            })
            .collect();
        self.set(out, v);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, c: NodeId) {
        let (p, n) = (self.b.p, self.n);
        let (va, vc) = (self.get(a), self.get(c));
        let (r, k) = left_dims(self.plan.shape(a));
        let (_, cols) = right_dims(self.plan.shape(c));
        let mut result = Vec::with_capacity(r * cols);
        for i in 0..r {
            for j in 0..cols {
                let mut acc = series::constant(BigInterval::int(0), n);
                for t in 0..k {
                    acc = series::add(p, &acc, &series::mul(p, &va[i * k + t], &vc[t * cols + j]));
                }
                result.push(acc);
            }
        }
        self.set(out, Some(result));
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let va = self.get(a);
        let v = index.iter().map(|&i| va[i].clone()).collect();
        self.set(out, Some(v));
    }

    fn stopped(&self) -> bool {
        self.failed
    }
}
