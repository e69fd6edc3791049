//! The pushforward of a degree-k enclosure in one variable through a graph:
//! every parameter moves along a direction, `x = x0 + z v` with `z` in a
//! region `Z` containing 0, and every node gets, per element, a [`Poly`]
//! in `z` and a value range (the intersection of plain interval evaluation
//! and the polynomial's own sharp range).

use std::sync::OnceLock;

use super::derivs::Prim;
use super::fused::Fused2;
use super::ieval::{IVal, broadcast2, eval_node, groups};
use super::poly::{Poly, truncate};
use super::primitive::enclose;
use crate::expr::{Func, Graph, NodeId, Op};
use crate::interval::Interval;
use crate::tensor::{ITensor, Shape, Tensor};

/// A varying node's enclosure: one polynomial and one range per element.
#[derive(Clone, Debug)]
pub struct LineVal<const N: usize> {
    /// The polynomials in z.
    pub polys: Vec<Poly<N>>,
    /// The value ranges over the region.
    pub range: IVal,
}

/// Whether node `id` may be undefined somewhere on the region: a child
/// that may be (`undefined`, indexed by node), or its own operation given
/// its arguments' ranges (`range(child)`, one per element): a primitive
/// outside its domain, or a division by a constant range holding 0. The
/// enclosure's coefficients do not show it when the undefined part is
/// multiplied by an exact 0 (`log(x) * 0`), so passes track it beside them.
pub(super) fn may_be_undefined(
    graph: &Graph,
    id: NodeId,
    undefined: &[bool],
    range: impl Fn(NodeId) -> Vec<Interval>,
) -> bool {
    let op = graph.node(id).op;
    if op.children().any(|c| undefined[c.index()]) {
        return true;
    }
    let prim = match op {
        Op::Func(f, a) => Some((Prim::of(f), a)),
        Op::PowI(a, n) if n < 0 => Some((Prim::Pow(f64::from(n)), a)),
        Op::PowF(a, p) => Some((Prim::Pow(p.get()), a)),
        Op::Div(_, b) => return range(b).iter().any(|r| r.contains(0.0)),
        _ => None,
    };
    prim.is_some_and(|(p, a)| range(a).iter().any(|&r| !p.defined_on(r)))
}

/// A node's value during a pass.
enum Val<'a, const N: usize> {
    Const(&'a IVal),
    Var(LineVal<N>),
}

impl<const N: usize> Val<'_, N> {
    fn poly(&self, e: usize) -> Poly<N> {
        match self {
            Val::Const(v) => Poly::constant(v[e]),
            Val::Var(l) => l.polys[e],
        }
    }

    fn range(&self, e: usize) -> Interval {
        match self {
            Val::Const(v) => v[e],
            Val::Var(l) => l.range[e],
        }
    }

    fn is_const(&self) -> bool {
        matches!(self, Val::Const(_))
    }

    fn len(&self) -> usize {
        match self {
            Val::Const(v) => v.len(),
            Val::Var(l) => l.polys.len(),
        }
    }
}

/// The enclosure machinery for one root of a graph: the constant part is
/// bounded once, in [`Bounder::new`].
#[derive(Clone, Debug)]
pub struct Bounder<'g> {
    pub(super) graph: &'g Graph,
    pub(super) root: NodeId,
    /// Interval values of the constant nodes the root depends on.
    pub(super) constants: Vec<Option<IVal>>,
    /// The varying nodes the root depends on, in topological order.
    pub(super) varying: Vec<NodeId>,
    /// The fused degree-2 line pass, compiled on first use (`None` inside
    /// when the loss has an operation it does not cover).
    fused: OnceLock<Option<Fused2>>,
}

impl<'g> Bounder<'g> {
    /// The bounder of `root`, with its constant subgraph evaluated in
    /// interval arithmetic.
    pub fn new(graph: &'g Graph, root: NodeId) -> Self {
        let mut constants: Vec<Option<IVal>> = vec![None; root.index() + 1];
        let mut varying = Vec::new();
        for id in graph.reachable(root) {
            if graph.node(id).varying {
                varying.push(id);
            } else {
                constants[id.index()] = Some(eval_node(graph, id, &constants, &[]));
            }
        }
        Bounder { graph, root, constants, varying, fused: OnceLock::new() }
    }

    /// The bounder of `root`, its fused pass running `plan` (compiled from
    /// the same graph and root), so that an evaluator's plan serves both.
    pub(crate) fn with_plan(graph: &'g Graph, root: NodeId, plan: std::sync::Arc<crate::plan::Plan>) -> Self {
        let b = Self::new(graph, root);
        // A fresh cell: setting it cannot fail.
        let _ = b.fused.set(Fused2::new(plan, &b.constants));
        b
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// `[c0, c1, C2]` with `f(x0 + z v)` in `c0 + c1 z + C2 z^2` for every
    /// `z` in `[0, e]`: SafeRate's bound, from the fused degree-2 pass where
    /// it covers the loss (else, or where it declines, from [`line`](Self::line)).
    ///
    /// # Panics
    /// If `x0` or `v` do not match the graph's parameter shapes.
    #[track_caller]
    pub fn line2(&self, x0: &[Tensor], v: &[Tensor], e: f64) -> [Interval; 3] {
        self.fused2(x0, v, e).unwrap_or_else(|| self.line::<3>(x0, v, Interval::new(0.0, e)).polys[0].c)
    }

    /// The fused degree-2 pass alone: the coefficients of [`line2`](Self::line2),
    /// or `None` where it does not cover the loss or declines.
    pub fn fused2(&self, x0: &[Tensor], v: &[Tensor], e: f64) -> Option<[Interval; 3]> {
        let fused = self.fused.get_or_init(|| {
            let plan = std::sync::Arc::new(crate::plan::Plan::new(self.graph, self.root));
            Fused2::new(plan, &self.constants)
        });
        fused.as_ref().and_then(|f| f.line(x0, v, e))
    }

    /// The root's per-element enclosures when every parameter moves as
    /// `x0 + z v`, `z` in `z_box` (which must contain 0).
    ///
    /// # Panics
    /// If `x0` or `v` do not match the graph's parameter shapes.
    #[track_caller]
    pub fn line<const N: usize>(&self, x0: &[Tensor], v: &[Tensor], z: Interval) -> LineVal<N> {
        assert!(z.contains(0.0), "the region must contain 0");
        let mut vals: Vec<Option<Val<'_, N>>> = Vec::with_capacity(self.root.index() + 1);
        for (i, c) in self.constants.iter().enumerate() {
            vals.push(c.as_ref().map(Val::Const));
            debug_assert!(i <= self.root.index());
        }
        let mut undefined = vec![false; self.root.index() + 1];
        for &id in &self.varying {
            let val = self.step(id, &vals, x0, v, z);
            vals[id.index()] = Some(Val::Var(val));
            undefined[id.index()] = may_be_undefined(self.graph, id, &undefined, |c| {
                let v = vals[c.index()].as_ref().expect("children first");
                (0..v.len()).map(|e| v.range(e)).collect()
            });
        }
        let mut out = match vals[self.root.index()].take() {
            Some(Val::Var(l)) => l,
            Some(Val::Const(c)) => LineVal { polys: c.iter().map(|&x| Poly::constant(x)).collect(), range: c.clone() },
            None => unreachable!("the root is evaluated"),
        };
        if undefined[self.root.index()] {
            // Somewhere on the region the function is undefined: no remainder
            // holds there, whatever the coefficients say.
            for p in &mut out.polys {
                p.c[N - 1] = Interval::ENTIRE;
            }
            out.range.iter_mut().for_each(|r| *r = Interval::ENTIRE);
        }
        out
    }

    fn step<const N: usize>(
        &self,
        id: NodeId,
        vals: &[Option<Val<'_, N>>],
        x0: &[Tensor],
        v: &[Tensor],
        z: Interval,
    ) -> LineVal<N> {
        let graph = self.graph;
        let node = graph.node(id);
        let get = |n: NodeId| vals[n.index()].as_ref().expect("children first");
        let sh = |n: NodeId| graph.shape(n);
        let out = node.shape;
        match node.op {
            Op::Param(i) => {
                let polys: Vec<Poly<N>> =
                    x0[i].data().iter().zip(v[i].data()).map(|(&x, &d)| Poly::linear(x, d, z)).collect();
                let range = polys.iter().map(|p| p.range(z)).collect();
                LineVal { polys, range }
            }
            Op::Neg(a) => {
                let a = get(a);
                LineVal {
                    polys: (0..a.len()).map(|e| a.poly(e).neg()).collect(),
                    range: (0..a.len()).map(|e| -a.range(e)).collect(),
                }
            }
            Op::Add(a, b) | Op::Sub(a, b) => {
                let sub = matches!(node.op, Op::Sub(..));
                let (va, vb) = (get(a), get(b));
                let idx: Vec<usize> = (0..va.len()).collect();
                let jdx: Vec<usize> = (0..vb.len()).collect();
                let pairs = broadcast2(&idx, sh(a), &jdx, sh(b), out, |i, j| (i, j));
                let polys = pairs
                    .iter()
                    .map(|&(i, j)| if sub { va.poly(i).sub(&vb.poly(j)) } else { va.poly(i).add(&vb.poly(j)) })
                    .collect();
                let ranges = pairs
                    .iter()
                    .map(|&(i, j)| if sub { va.range(i) - vb.range(j) } else { va.range(i) + vb.range(j) })
                    .collect();
                finish(polys, ranges, z)
            }
            Op::Mul(a, b) | Op::Div(a, b) => {
                let div = matches!(node.op, Op::Div(..));
                let (va, vb) = (get(a), get(b));
                // The divisor's reciprocal, as an enclosure when it varies.
                let recip: Option<LineVal<N>> =
                    (div && !vb.is_const()).then(|| self.compose_all(vb, Prim::Pow(-1.0), z));
                let idx: Vec<usize> = (0..va.len()).collect();
                let jdx: Vec<usize> = (0..vb.len()).collect();
                let pairs = broadcast2(&idx, sh(a), &jdx, sh(b), out, |i, j| (i, j));
                let mut polys = Vec::with_capacity(pairs.len());
                let mut ranges = Vec::with_capacity(pairs.len());
                for &(i, j) in &pairs {
                    let (pb, rb) = match (&recip, div) {
                        (Some(r), _) => (r.polys[j], r.range[j]),
                        (None, true) => {
                            let inv = vb.range(j).recip();
                            (Poly::constant(inv), inv)
                        }
                        (None, false) => (vb.poly(j), vb.range(j)),
                    };
                    let pa = va.poly(i);
                    let p = if va.is_const() {
                        pb.scale(pa.c[0])
                    } else if vb.is_const() {
                        pa.scale(pb.c[0])
                    } else {
                        pa.mul(&pb, z)
                    };
                    polys.push(p);
                    ranges.push(if div && recip.is_none() { va.range(i) / vb.range(j) } else { va.range(i) * rb });
                }
                finish(polys, ranges, z)
            }
            Op::PowI(a, n) if n >= 0 => {
                let va = get(a);
                let polys = (0..va.len()).map(|e| va.poly(e).powi(n as u32, z)).collect();
                let ranges = (0..va.len()).map(|e| va.range(e).powi(n)).collect();
                finish(polys, ranges, z)
            }
            Op::PowI(a, n) => self.compose_all(get(a), Prim::Pow(f64::from(n)), z),
            Op::PowF(a, p) => self.compose_all(get(a), Prim::Pow(p.get()), z),
            Op::Func(f, a) => self.compose_all(get(a), Prim::of(f), z),
            Op::Sum(a, axis) | Op::Mean(a, axis) => {
                let va = get(a);
                let mean = matches!(node.op, Op::Mean(..));
                let mut polys = Vec::new();
                let mut ranges = Vec::new();
                for g in groups(sh(a), axis) {
                    let mut p = Poly::<N>::default();
                    let mut r = Interval::ZERO;
                    for &e in &g {
                        p = p.add(&va.poly(e));
                        r += va.range(e);
                    }
                    if mean {
                        let inv = Interval::ONE / Interval::point(g.len() as f64);
                        p = p.scale(inv);
                        r *= inv;
                    }
                    polys.push(p);
                    ranges.push(r);
                }
                finish(polys, ranges, z)
            }
            Op::LogSumExp(a, axis) => {
                let va = get(a);
                let mut polys = Vec::new();
                let mut ranges = Vec::new();
                for g in groups(sh(a), axis) {
                    // m + log(sum exp(u - m)) with m the largest centre: an exact shift.
                    let m = g.iter().map(|&e| va.poly(e).c[0].mid()).fold(f64::NEG_INFINITY, f64::max);
                    let mut sum = Poly::<N>::default();
                    let mut sum_range = Interval::ZERO;
                    for &e in &g {
                        let shifted = va.poly(e).sub(&Poly::constant(Interval::point(m)));
                        let y = va.range(e) - m;
                        let ex = compose_one(&shifted, y, Prim::Func(Func::Exp), z);
                        sum = sum.add(&ex.0);
                        sum_range += ex.1;
                    }
                    let sum_range = sum_range.intersect(sum.range(z)).unwrap_or(sum_range);
                    let (lp, lr) = compose_one(&sum, sum_range, Prim::Func(Func::Log), z);
                    polys.push(lp.add(&Poly::constant(Interval::point(m))));
                    ranges.push(lr + m);
                }
                finish(polys, ranges, z)
            }
            Op::MatMul(a, b) => self.matmul(get(a), sh(a), get(b), sh(b), out, z),
            Op::Data(_) | Op::Const(_) => unreachable!("constant nodes are not stepped"),
        }
    }

    /// `prim` applied to every element of `a`.
    fn compose_all<const N: usize>(&self, a: &Val<'_, N>, prim: Prim, z: Interval) -> LineVal<N> {
        let (polys, range): (Vec<_>, Vec<_>) =
            (0..a.len()).map(|e| compose_one(&a.poly(e), a.range(e), prim, z)).unzip();
        LineVal { polys, range }
    }

    fn matmul<const N: usize>(
        &self,
        a: &Val<'_, N>,
        sa: Shape,
        b: &Val<'_, N>,
        sb: Shape,
        out: Shape,
        z: Interval,
    ) -> LineVal<N> {
        // The coefficient planes of each side (a constant has only degree 0).
        let planes = |v: &Val<'_, N>, shape: Shape| -> Vec<Option<ITensor>> {
            (0..N)
                .map(|i| match v {
                    Val::Const(c) => (i == 0).then(|| ITensor::from_intervals(shape, c)),
                    Val::Var(l) => (!l.polys.iter().all(|p| p.c[i] == Interval::ZERO))
                        .then(|| ITensor::from_fn(shape, |e| l.polys[e].c[i])),
                })
                .collect()
        };
        let (ca, cb) = (planes(a, sa), planes(b, sb));
        let mut full: Vec<Option<ITensor>> = vec![None; 2 * N - 1];
        for (i, ai) in ca.iter().enumerate() {
            for (j, bj) in cb.iter().enumerate() {
                if let (Some(ai), Some(bj)) = (ai, bj) {
                    let p = ai.matmul(bj);
                    match &mut full[i + j] {
                        Some(acc) => acc.add_assign(&p),
                        slot => *slot = Some(p),
                    }
                }
            }
        }
        let n = out.len();
        let mut coefs = vec![Interval::ZERO; 2 * N - 1];
        let polys: Vec<Poly<N>> = (0..n)
            .map(|e| {
                for (d, f) in full.iter().enumerate() {
                    coefs[d] = f.as_ref().map_or(Interval::ZERO, |t| t.get(e));
                }
                truncate(&coefs, z)
            })
            .collect();
        let ranges: IVal = if a.is_const() || b.is_const() {
            polys.iter().map(|p| p.range(z)).collect()
        } else {
            let ra = ITensor::from_fn(sa, |e| a.range(e));
            let rb = ITensor::from_fn(sb, |e| b.range(e));
            let r = ra.matmul(&rb);
            polys.iter().enumerate().map(|(e, p)| r.get(e).intersect(p.range(z)).unwrap_or(r.get(e))).collect()
        };
        LineVal { polys, range: ranges }
    }
}

/// `prim(u)` for one element: the 1-D enclosure about `u`'s exact value at
/// `z = 0` (enclosed by its constant term) over the argument's range,
/// composed with `u`; and the result's range.
pub fn compose_one<const N: usize>(u: &Poly<N>, y: Interval, prim: Prim, z: Interval) -> (Poly<N>, Interval) {
    if N == 3
        && z.lo() == 0.0
        && z.hi() > 0.0
        && let Some((c, r)) = super::fast2::compose_nonneg(prim, [u.c[0], u.c[1], u.c[2]], y, z.hi())
    {
        let mut p = Poly::default();
        p.c.copy_from_slice(&c);
        return (p, r);
    }
    let c = u.c[0];
    if !c.is_finite() {
        return (Poly::unknown(), prim.value(y));
    }
    let y = y.hull(c);
    let one = enclose(prim, c, y, N - 1);
    let p = u.compose(&one.s, one.s_k, z);
    let r = prim.value(y);
    (p, r.intersect(p.range(z)).unwrap_or(r))
}

/// Intersects each interval-evaluation range with its polynomial's range.
fn finish<const N: usize>(polys: Vec<Poly<N>>, ranges: IVal, z: Interval) -> LineVal<N> {
    let range = ranges.iter().zip(&polys).map(|(r, p)| r.intersect(p.range(z)).unwrap_or(*r)).collect();
    LineVal { polys, range }
}
