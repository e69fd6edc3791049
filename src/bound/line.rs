//! The pushforward of a degree-k enclosure in one variable through a graph:
//! every parameter moves along a direction, `x = x0 + z v` with `z` in a
//! region `Z` containing 0, and every node gets, per element, a [`Poly`]
//! in `z` and a value range (the intersection of plain interval evaluation
//! and the polynomial's own sharp range). The pass is a domain of the
//! plan's walker; [`Bounder`] holds what every pass over one root shares.

use std::sync::{Arc, OnceLock};

use super::defined::{Ranges, Tracked};
use super::fused::{Declined, Fused2};
use super::head::{self, Heads};
use super::ieval::{IVal, IntervalDomain};
use super::poly::{Poly, truncate};
use super::primitive::enclose;
use crate::expr::{Func, Graph, NodeId};
use crate::interval::Interval;
use crate::plan::Plan;
use crate::plan::walk::{self, Binary, Domain, Reduce};
use crate::prim::Prim;
use crate::tensor::{ITensor, Tensor};

/// The most elements, summed over the varying nodes, for which `line2`
/// runs the general pass where the fused one overflows (about 0.3 GB of
/// its polynomials; a 32-day unrolled scan over 10000 windows has 60
/// million, where the general pass took 78 s and 8 GB against 3 s for a
/// fused pass).
pub const GENERAL_FALLBACK: usize = 1 << 22;

/// A varying node's enclosure: one polynomial and one range per element.
#[derive(Clone, Debug)]
pub struct LineVal<const N: usize> {
    /// The polynomials in z.
    pub polys: Vec<Poly<N>>,
    /// The value ranges over the region.
    pub range: IVal,
}

/// The enclosure machinery for one root of a graph: the plan, and the
/// constant part bounded once, in [`Bounder::new`].
#[derive(Clone, Debug)]
pub struct Bounder<'g> {
    pub(super) graph: &'g Graph,
    pub(super) plan: Arc<Plan>,
    /// Interval values of the constant nodes the root depends on.
    pub(super) constants: Vec<Option<IVal>>,
    /// The fused degree-2 line pass, compiled on first use (`None` inside
    /// when the loss has an operation it does not cover).
    fused: OnceLock<Option<Fused2>>,
    /// The loss heads of the root, recognised on first use.
    heads: OnceLock<Option<Heads>>,
}

impl<'g> Bounder<'g> {
    /// The bounder of `root`, with its constant subgraph evaluated in
    /// interval arithmetic.
    pub fn new(graph: &'g Graph, root: NodeId) -> Self {
        Self::compiled(graph, Arc::new(Plan::new(graph, root)))
    }

    /// The bounder of `plan`'s root (compiled from `graph`), with its
    /// constant subgraph evaluated in interval arithmetic.
    fn compiled(graph: &'g Graph, plan: Arc<Plan>) -> Self {
        let mut d = IntervalDomain::new(&plan, &[]);
        walk::forward(&plan, plan.fixed(), &mut d);
        Bounder { graph, constants: d.vals, plan, fused: OnceLock::new(), heads: OnceLock::new() }
    }

    /// The bounder of `plan`'s root, sharing `plan` (compiled from `graph`)
    /// with an evaluator, its fused pass included.
    pub(crate) fn with_plan(graph: &'g Graph, plan: Arc<Plan>) -> Self {
        let b = Self::compiled(graph, plan.clone());
        // A fresh cell: setting it cannot fail.
        let _ = b.fused.set(Fused2::new(plan, &b.constants));
        b
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The compiled plan.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// `[c0, c1, C2]` with `f(x0 + z v)` in `c0 + c1 z + C2 z^2` for every
    /// `z` in `[0, e]`: SafeRate's bound, from the fused degree-2 pass where
    /// it covers the loss (else, or where it declines, from [`line`](Self::line)).
    /// Where the loss has heads (a softmax cross-entropy or a squared error
    /// of a tensor node, [`head::recognise`]), `C2` is also intersected with
    /// the heads' own bound, from the same pass's enclosures of their inputs.
    ///
    /// # Panics
    /// If `x0` or `v` do not match the graph's parameter shapes.
    #[track_caller]
    pub fn line2(&self, x0: &[Tensor], v: &[Tensor], e: f64) -> [Interval; 3] {
        let heads = self.heads.get_or_init(|| head::recognise(self.graph, self.plan.root()));
        let Some(heads) = heads.as_ref().filter(|_| e > 0.0 && e.is_finite()) else {
            return match self.fused().map(|f| f.line_at(x0, v, e, &[])) {
                Some(Ok((c, _))) => c,
                Some(Err(Declined::Overflow)) if !self.general_is_cheap() => [Interval::ENTIRE; 3],
                _ => self.line::<3>(x0, v, Interval::new(0.0, e)).polys[0].c,
            };
        };
        let nodes = heads.nodes(self.graph);
        let (mut c, at) = match self.fused().map(|f| f.line_at(x0, v, e, &nodes)) {
            Some(Ok(done)) => done,
            Some(Err(Declined::Overflow)) if !self.general_is_cheap() => return [Interval::ENTIRE; 3],
            _ => {
                let (root, at) = self.line_at::<3>(x0, v, Interval::new(0.0, e), &nodes);
                (root.polys[0].c, at.iter().map(|l| l.polys.iter().map(|p| p.c).collect()).collect())
            }
        };
        let ratio = heads.ratio(self.graph, &at, &self.constants, e);
        debug_assert!(c[2].intersect(ratio).is_some(), "two enclosures of one ratio: {} and {ratio}", c[2]);
        c[2] = c[2].intersect(ratio).unwrap_or(c[2]);
        c
    }

    /// The fused degree-2 pass alone: the coefficients of [`line2`](Self::line2),
    /// or `None` where it does not cover the loss or declines.
    pub fn fused2(&self, x0: &[Tensor], v: &[Tensor], e: f64) -> Option<[Interval; 3]> {
        self.fused().and_then(|f| f.line(x0, v, e))
    }

    /// Whether the general pass is worth running where the fused one
    /// overflows: it may then be finite (it intersects with interval
    /// ranges), but it costs many fused passes in time and memory, so only
    /// up to [`GENERAL_FALLBACK`] elements over the varying nodes. Beyond,
    /// `line2` returns an infinite bound and the caller (SafeRate) halves
    /// its region.
    fn general_is_cheap(&self) -> bool {
        self.plan.varying().iter().map(|&id| self.plan.shape(id).len()).sum::<usize>() <= GENERAL_FALLBACK
    }

    /// The fused pass, compiled on first use (`None`: it does not cover the loss).
    fn fused(&self) -> Option<&Fused2> {
        self.fused.get_or_init(|| Fused2::new(self.plan.clone(), &self.constants)).as_ref()
    }

    /// The root's per-element enclosures when every parameter moves as
    /// `x0 + z v`, `z` in `z_box` (which must contain 0).
    ///
    /// # Panics
    /// If `x0` or `v` do not match the graph's parameter shapes.
    #[track_caller]
    pub fn line<const N: usize>(&self, x0: &[Tensor], v: &[Tensor], z: Interval) -> LineVal<N> {
        self.line_at(x0, v, z, &[]).0
    }

    /// [`line`](Self::line), and the enclosures of the nodes `at` (nodes
    /// the root depends on) from the same pass.
    ///
    /// # Panics
    /// As [`line`](Self::line), or if a node of `at` is not in the plan.
    #[track_caller]
    pub(crate) fn line_at<const N: usize>(
        &self,
        x0: &[Tensor],
        v: &[Tensor],
        z: Interval,
        at: &[NodeId],
    ) -> (LineVal<N>, Vec<LineVal<N>>) {
        assert!(z.contains(0.0), "the region must contain 0");
        let plan = &*self.plan;
        let pass = LinePass { plan, constants: &self.constants, vals: vec![None; plan.len()], x0, v, z };
        let mut d = Tracked::new(pass, plan.len());
        walk::forward(plan, plan.varying(), &mut d);
        let value = |id: NodeId| {
            let mut out = match &d.inner.vals[id.index()] {
                Some(l) => l.clone(),
                None => {
                    let c = self.constants[id.index()].as_ref().expect("the node is evaluated");
                    LineVal { polys: c.iter().map(|&x| Poly::constant(x)).collect(), range: c.clone() }
                }
            };
            if d.undefined[id.index()] {
                // Somewhere on the region the function is undefined: no remainder
                // holds there, whatever the coefficients say.
                for p in &mut out.polys {
                    p.c[N - 1] = Interval::ENTIRE;
                }
                out.range.iter_mut().for_each(|r| *r = Interval::ENTIRE);
            }
            out
        };
        (value(plan.root()), at.iter().map(|&id| value(id)).collect())
    }
}

/// A node's value during a pass.
#[derive(Clone, Copy)]
enum Val<'a, const N: usize> {
    Const(&'a IVal),
    Var(&'a LineVal<N>),
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

    /// The coefficient plane of degree `i` as an interval matrix of
    /// `shape`, or `None` where it is 0 (a constant has only degree 0).
    fn plane(&self, i: usize, shape: crate::tensor::Shape) -> Option<ITensor> {
        match self {
            Val::Const(c) => (i == 0).then(|| ITensor::from_intervals(shape, c)),
            Val::Var(l) => (!l.polys.iter().all(|p| p.c[i] == Interval::ZERO))
                .then(|| ITensor::from_fn(shape, |e| l.polys[e].c[i])),
        }
    }
}

/// One degree-k line pass: the enclosure of each varying node.
struct LinePass<'a, const N: usize> {
    plan: &'a Plan,
    constants: &'a [Option<IVal>],
    vals: Vec<Option<LineVal<N>>>,
    x0: &'a [Tensor],
    v: &'a [Tensor],
    z: Interval,
}

impl<const N: usize> LinePass<'_, N> {
    fn get(&self, id: NodeId) -> Val<'_, N> {
        match &self.constants[id.index()] {
            Some(c) => Val::Const(c),
            None => Val::Var(self.vals[id.index()].as_ref().expect("children first")),
        }
    }

    fn set(&mut self, out: NodeId, v: LineVal<N>) {
        self.vals[out.index()] = Some(v);
    }

    /// Sets `out` from its polynomials and interval-evaluation ranges,
    /// each range intersected with its polynomial's.
    fn finish(&mut self, out: NodeId, polys: Vec<Poly<N>>, ranges: IVal) {
        let z = self.z;
        let range = ranges.iter().zip(&polys).map(|(r, p)| r.intersect(p.range(z)).unwrap_or(*r)).collect();
        self.set(out, LineVal { polys, range });
    }

    /// `prim` applied to every element of `a`.
    fn compose_all(&self, a: Val<'_, N>, prim: Prim) -> LineVal<N> {
        let (polys, range): (Vec<_>, Vec<_>) =
            (0..a.len()).map(|e| compose_one(&a.poly(e), a.range(e), prim, self.z)).unzip();
        LineVal { polys, range }
    }

    fn compose(&mut self, out: NodeId, a: NodeId, prim: Prim) {
        let v = self.compose_all(self.get(a), prim);
        self.set(out, v);
    }
}

impl<const N: usize> Ranges for LinePass<'_, N> {
    fn ranges(&self, id: NodeId) -> Vec<Interval> {
        let v = self.get(id);
        (0..v.len()).map(|e| v.range(e)).collect()
    }
}

impl<const N: usize> Domain for LinePass<'_, N> {
    fn param(&mut self, out: NodeId, index: usize) {
        let z = self.z;
        let polys: Vec<Poly<N>> =
            self.x0[index].data().iter().zip(self.v[index].data()).map(|(&x, &d)| Poly::linear(x, d, z)).collect();
        let range = polys.iter().map(|p| p.range(z)).collect();
        self.set(out, LineVal { polys, range });
    }

    fn data(&mut self, _: NodeId, _: usize) {
        unreachable!("constant nodes are not visited")
    }

    fn constant(&mut self, _: NodeId, _: f64) {
        unreachable!("constant nodes are not visited")
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        let a = self.get(a);
        let v = LineVal {
            polys: (0..a.len()).map(|e| a.poly(e).neg()).collect(),
            range: (0..a.len()).map(|e| -a.range(e)).collect(),
        };
        self.set(out, v);
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let z = self.z;
        let pairs = self.plan.pairs(out, a, b);
        let (va, vb) = (self.get(a), self.get(b));
        let (polys, ranges) = match op {
            Binary::Add | Binary::Sub => {
                let sub = op == Binary::Sub;
                let polys = pairs
                    .iter()
                    .map(|&(i, j)| if sub { va.poly(i).sub(&vb.poly(j)) } else { va.poly(i).add(&vb.poly(j)) })
                    .collect();
                let ranges = pairs
                    .iter()
                    .map(|&(i, j)| if sub { va.range(i) - vb.range(j) } else { va.range(i) + vb.range(j) })
                    .collect();
                (polys, ranges)
            }
            Binary::Mul | Binary::Div => {
                let div = op == Binary::Div;
                // The divisor's reciprocal, as an enclosure when it varies.
                let recip: Option<LineVal<N>> = (div && !vb.is_const()).then(|| self.compose_all(vb, Prim::Pow(-1.0)));
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
                (polys, ranges)
            }
        };
        self.finish(out, polys, ranges);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        if n < 0 {
            return self.compose(out, a, Prim::Pow(f64::from(n)));
        }
        let (va, z) = (self.get(a), self.z);
        let polys = (0..va.len()).map(|e| va.poly(e).powi(n as u32, z)).collect();
        let ranges = (0..va.len()).map(|e| va.range(e).powi(n)).collect();
        self.finish(out, polys, ranges);
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        self.compose(out, a, Prim::Pow(p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        self.compose(out, a, Prim::of(f));
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let (va, z) = (self.get(a), self.z);
        let mut polys = Vec::new();
        let mut ranges = Vec::new();
        for g in self.plan.groups(a, axis) {
            let (p, r) = match op {
                Reduce::Sum | Reduce::Mean => {
                    let mut p = Poly::<N>::default();
                    let mut r = Interval::ZERO;
                    for &e in &g {
                        p = p.add(&va.poly(e));
                        r += va.range(e);
                    }
                    if op == Reduce::Mean {
                        let inv = Interval::ONE / Interval::point(g.len() as f64);
                        p = p.scale(inv);
                        r *= inv;
                    }
                    (p, r)
                }
                Reduce::LogSumExp => {
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
                    (lp.add(&Poly::constant(Interval::point(m))), lr + m)
                }
            };
            polys.push(p);
            ranges.push(r);
        }
        self.finish(out, polys, ranges);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let (sa, sb, so, z) = (self.plan.shape(a), self.plan.shape(b), self.plan.shape(out), self.z);
        let (va, vb) = (self.get(a), self.get(b));
        let mut full: Vec<Option<ITensor>> = vec![None; 2 * N - 1];
        let cb: Vec<Option<ITensor>> = (0..N).map(|j| vb.plane(j, sb)).collect();
        for i in 0..N {
            let Some(ai) = va.plane(i, sa) else { continue };
            for (j, bj) in cb.iter().enumerate() {
                if let Some(bj) = bj {
                    let p = ai.matmul(bj);
                    match &mut full[i + j] {
                        Some(acc) => acc.add_assign(&p),
                        slot => *slot = Some(p),
                    }
                }
            }
        }
        let mut coefs = vec![Interval::ZERO; 2 * N - 1];
        let polys: Vec<Poly<N>> = (0..so.len())
            .map(|e| {
                for (d, f) in full.iter().enumerate() {
                    coefs[d] = f.as_ref().map_or(Interval::ZERO, |t| t.get(e));
                }
                truncate(&coefs, z)
            })
            .collect();
        let range: IVal = if va.is_const() || vb.is_const() {
            polys.iter().map(|p| p.range(z)).collect()
        } else {
            let ra = ITensor::from_fn(sa, |e| va.range(e));
            let rb = ITensor::from_fn(sb, |e| vb.range(e));
            let r = ra.matmul(&rb);
            polys.iter().enumerate().map(|(e, p)| r.get(e).intersect(p.range(z)).unwrap_or(r.get(e))).collect()
        };
        self.set(out, LineVal { polys, range });
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let va = self.get(a);
        let v = LineVal {
            polys: index.iter().map(|&i| va.poly(i)).collect(),
            range: index.iter().map(|&i| va.range(i)).collect(),
        };
        self.set(out, v);
    }
}

/// `prim(u)` for one element: the 1-D enclosure about `u`'s exact value at
/// `z = 0` (enclosed by its constant term) over the argument's range,
/// composed with `u`; and the result's range.
pub fn compose_one<const N: usize>(u: &Poly<N>, y: Interval, prim: Prim, z: Interval) -> (Poly<N>, Interval) {
    if let Some(out) = kink_on_ray(u, y, prim, z) {
        return out;
    }
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

/// `abs(u)` or `relu(u)` where `u` is exactly 0 at `z = 0` and the region
/// is a ray, `z` in `[0, e]` or `[-e, 0]`: with `m` the order of the first
/// non-zero coefficient, `u = z^m q(z)`, and with `s` the sign of `z^m` on
/// the ray, `prim(u) = s z^m prim(s q)` (`|z^m| = s z^m`; relu is
/// positively homogeneous). `q(0) = u_m` is not 0, so `prim(s q)`'s
/// enclosure is the smooth one about `s u_m` (or, for `m = k`, the image
/// of the remainder interval), and the product keeps every exact
/// coefficient: the kink at the end of the ray is one-sided smooth, its
/// linear coefficient the directional derivative (`|u_1|`, or `relu(u_1)`
/// on `[0, e]`). `None` where this does not apply.
fn kink_on_ray<const N: usize>(u: &Poly<N>, y: Interval, prim: Prim, z: Interval) -> Option<(Poly<N>, Interval)> {
    let right = z.lo() == 0.0 && z.hi() > 0.0;
    let left = z.hi() == 0.0 && z.lo() < 0.0;
    if !matches!(prim, Prim::Func(Func::Abs | Func::Relu)) || !(right || left) {
        return None;
    }
    if N < 2 || u.c[0] != Interval::ZERO || !u.c.iter().all(|c| c.is_finite()) {
        return None;
    }
    let m = (1..N).find(|&i| u.c[i] != Interval::ZERO)?;
    let k = N - 1;
    let s = if left && m % 2 == 1 { -1.0 } else { 1.0 };
    // The enclosure of prim(s q), q = sum_i u_{m+i} z^i.
    let image = if m == k {
        let mut p = Poly::<N>::default();
        p.c[0] = prim.value(u.c[k] * s) * s;
        p
    } else {
        let mut q = Poly::<N>::default();
        for (qi, ui) in q.c.iter_mut().zip(&u.c[m..]) {
            *qi = *ui * s;
        }
        compose_one(&q, q.range(z), prim, z).0.scale(Interval::point(s))
    };
    let mut full = vec![Interval::ZERO; N + m];
    full[m..].copy_from_slice(&image.c);
    let p = truncate(&full, z);
    let r = prim.value(y);
    Some((p, r.intersect(p.range(z)).unwrap_or(r)))
}
