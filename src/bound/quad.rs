//! The pushforward of a degree-2 enclosure in several variables:
//! parameters move as `x = x0 + sum_i eta_i V_i` with `eta` in a box `E`
//! (each side containing 0), and every element carries
//! `u(eta) in c + sum_i g_i eta_i + sum_{i <= j} q_ij eta_i eta_j`, with `c`
//! and `g` thin and `q` interval coefficients. Products fold their cubic
//! and quartic terms into `q` over the box, term by term (sharp folding in
//! several variables is costly), as the reference does.
//!
//! Storage is element-major: each element's `1 + m + m(m+1)/2` coefficients
//! are contiguous, so a tensor of shape `[k, c]` is also the matrix
//! `[k, c * ncoef]` that a product with a constant on its left needs.

use super::defined::{Ranges, Tracked};
use super::ieval::IVal;
use super::line::Bounder;
use super::primitive::enclose;
use super::quad_product::quad_matmul;
use crate::expr::{Func, NodeId};
use crate::interval::Interval;
use crate::plan::Plan;
use crate::plan::walk::{self, Binary, Domain, Reduce};
use crate::prim::Prim;
use crate::tensor::Tensor;

/// The layout of one element's coefficients for `m` directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Number of directions.
    pub m: usize,
}

impl Layout {
    /// Coefficients per element: `1 + m + m(m+1)/2`.
    pub fn width(self) -> usize {
        1 + self.m + self.m * (self.m + 1) / 2
    }

    /// Where `g_i` is.
    pub fn g(self, i: usize) -> usize {
        1 + i
    }

    /// Where `q_ij` (`i <= j`) is: the upper triangle row by row, row `i`
    /// starting after `i m - i (i - 1) / 2` entries.
    pub fn q(self, i: usize, j: usize) -> usize {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        1 + self.m + i * self.m - i * i.saturating_sub(1) / 2 + (j - i)
    }
}

/// A varying node's enclosure: coefficients (element-major) and ranges.
#[derive(Clone, Debug)]
pub struct QuadVal {
    /// `width` coefficients per element.
    pub coef: Vec<Interval>,
    /// The value range of each element over the box.
    pub range: IVal,
}

#[derive(Clone, Copy)]
pub(super) enum Val<'a> {
    Const(&'a IVal),
    Var(&'a QuadVal),
}

/// The enclosure of one scalar: `c + g . eta + eta^T Q eta` over a box.
#[derive(Clone, Debug, PartialEq)]
pub struct QuadEnclosure {
    /// The coefficients in the order of [`Layout`].
    pub coef: Vec<Interval>,
    /// The layout.
    pub layout: Layout,
    /// The box of `eta`.
    pub eta: Vec<Interval>,
}

impl QuadEnclosure {
    /// The constant term (the function's value at `eta = 0`).
    pub fn c(&self) -> Interval {
        self.coef[0]
    }

    /// The linear coefficient of `eta_i` (the directional derivative along `V_i`).
    pub fn g(&self, i: usize) -> Interval {
        self.coef[self.layout.g(i)]
    }

    /// The coefficient of `eta_i eta_j` (`i <= j`; for `i < j` the whole
    /// cross term, not half of it).
    pub fn q(&self, i: usize, j: usize) -> Interval {
        self.coef[self.layout.q(i, j)]
    }

    /// The enclosure's interval at `eta` (which should lie in the box).
    pub fn at(&self, eta: &[f64]) -> Interval {
        let e: Vec<Interval> = eta.iter().map(|&x| Interval::point(x)).collect();
        self.over(&e)
    }

    /// The enclosure's interval over the sub-box `e` (which should lie in the box).
    pub fn over(&self, e: &[Interval]) -> Interval {
        let m = self.layout.m;
        let mut s = self.c();
        for i in 0..m {
            s += self.g(i) * e[i];
            for j in i..m {
                s += self.q(i, j) * e[i] * e[j];
            }
        }
        s
    }
}

/// One element's coefficients (`w` of them) and range, for either kind of
/// value (a constant's are written into `buf`).
fn element<'b>(v: Val<'b>, w: usize, e: usize, buf: &'b mut Vec<Interval>) -> (&'b [Interval], Interval) {
    match v {
        Val::Const(c) => {
            buf.clear();
            buf.resize(w, Interval::ZERO);
            buf[0] = c[e];
            (&buf[..], c[e])
        }
        Val::Var(q) => (&q.coef[e * w..(e + 1) * w], q.range[e]),
    }
}

/// The elements per parallel task of an elementwise operation.
const CHUNK: usize = 512;

/// Fills `coef` (`w` per element) and `range` element by element with
/// `f(e, coefficients, scratch)` returning the range, in parallel over
/// chunks of elements (each element on its own: the result does not depend
/// on the number of threads).
fn par_elements(
    w: usize,
    coef: &mut [Interval],
    range: &mut [Interval],
    f: impl Fn(usize, &mut [Interval], &mut Scratch) -> Interval + Sync,
) {
    use rayon::prelude::*;
    let run = |k: usize, c: &mut [Interval], r: &mut [Interval]| {
        let mut scratch = Scratch::default();
        for (i, (ci, ri)) in c.chunks_mut(w).zip(r.iter_mut()).enumerate() {
            *ri = f(k * CHUNK + i, ci, &mut scratch);
        }
    };
    if range.len() <= CHUNK || rayon::current_num_threads() == 1 {
        return run(0, coef, range);
    }
    coef.par_chunks_mut(CHUNK * w).zip(range.par_chunks_mut(CHUNK)).enumerate().for_each(|(k, (c, r))| run(k, c, r));
}

/// Buffers an element's computation reuses.
#[derive(Default)]
struct Scratch {
    a: Vec<Interval>,
    b: Vec<Interval>,
    d: Vec<Interval>,
    d2: Vec<Interval>,
}

/// One element's range.
fn range_of(v: Val<'_>, e: usize) -> Interval {
    match v {
        Val::Const(c) => c[e],
        Val::Var(q) => q.range[e],
    }
}

/// The number of elements of a value.
fn val_len(v: Val<'_>) -> usize {
    match v {
        Val::Const(c) => c.len(),
        Val::Var(q) => q.range.len(),
    }
}

/// The box of `eta`, with the ranges of its quadratic monomials computed
/// once: `E_i^2` (sharp) and `E_i E_j`, in the order of [`Layout::q`].
pub(super) struct Eta {
    e: Vec<Interval>,
    quad: Vec<Interval>,
}

impl Eta {
    fn new(e: &[Interval]) -> Self {
        let m = e.len();
        let mut quad = Vec::with_capacity(m * (m + 1) / 2);
        for i in 0..m {
            quad.push(e[i].sqr());
            for j in i + 1..m {
                quad.push(e[i] * e[j]);
            }
        }
        Eta { e: e.to_vec(), quad }
    }
}

impl std::ops::Index<usize> for Eta {
    type Output = Interval;
    fn index(&self, i: usize) -> &Interval {
        &self.e[i]
    }
}

/// `sum_i g_i E_i`.
pub(super) fn lin_range(l: Layout, el: &[Interval], eta: &Eta) -> Interval {
    (0..l.m).map(|i| el[l.g(i)] * eta[i]).sum()
}

/// `sum_{i<=j} q_ij E_i E_j`, with sharp squares on the diagonal.
fn quad_range(l: Layout, el: &[Interval], eta: &Eta) -> Interval {
    let first = 1 + l.m;
    el[first..].iter().zip(&eta.quad).fold(Interval::ZERO, |s, (&q, &e)| s + q * e)
}

/// The range of one element's polynomial over the box.
pub(super) fn poly_range(l: Layout, el: &[Interval], eta: &Eta) -> Interval {
    el[0] + lin_range(l, el, eta) + quad_range(l, el, eta)
}

/// `u * w` for one element pair: the exact constant and linear parts; the
/// quadratic part `(w_c + L_w) Q_u + range(u) Q_w + sym(g_u g_w^T)`, which
/// folds the cubic and quartic terms over the box.
fn mul_el(l: Layout, u: &[Interval], ru: Interval, w: &[Interval], eta: &Eta, out: &mut [Interval]) {
    let m = l.m;
    out[0] = u[0] * w[0];
    for i in 0..m {
        out[l.g(i)] = u[0] * w[l.g(i)] + w[0] * u[l.g(i)];
    }
    let wl = w[0] + lin_range(l, w, eta);
    for i in 0..m {
        for j in i..m {
            let k = l.q(i, j);
            let cross = if i == j { u[l.g(i)] * w[l.g(i)] } else { u[l.g(i)] * w[l.g(j)] + u[l.g(j)] * w[l.g(i)] };
            out[k] = wl * u[k] + ru * w[k] + cross;
        }
    }
}

/// `abs(u)` or `relu(u)` into `out` where `u` is exactly 0 at `eta = 0`,
/// the box lies in the non-negative orthant and every linear coefficient
/// `g_i` has one sign `s` (zeros allowed); false (nothing written)
/// otherwise. Then `-s g . eta <= 0`, so `-s u <= eta^T P eta` with
/// `P_ij = max(0, hi(-s q_ij))` (every `eta_i eta_j >= 0`), and
/// `|u| = s u + 2 relu(-s u)` lies in `s u + [0, 2P]`, `relu(u) = (u + |u|) / 2`
/// in `(1 + s)/2 u + [0, P]`: a finite enclosure whose linear part is the
/// directional derivative `s g = |g|` (or `relu(g)`). With signs that
/// differ the kink runs through the box and no exact linear part exists.
fn kink_in_orthant(l: Layout, u: &[Interval], prim: Prim, eta: &Eta, out: &mut [Interval]) -> bool {
    let Prim::Func(f @ (Func::Abs | Func::Relu)) = prim else { return false };
    if u[0] != Interval::ZERO || !(0..l.m).all(|i| eta[i].lo() == 0.0) || !u.iter().all(|c| c.is_finite()) {
        return false;
    }
    let g = |i: usize| u[l.g(i)];
    let s = if (0..l.m).all(|i| g(i).lo() >= 0.0) {
        1.0
    } else if (0..l.m).all(|i| g(i).hi() <= 0.0) {
        -1.0
    } else {
        return false;
    };
    // The multiple of u kept exactly, and of P added as [0, P].
    let (keep, extra) = match f {
        Func::Abs => (s, 2.0),
        _ => ((1.0 + s) / 2.0, 1.0),
    };
    out[0] = Interval::ZERO;
    for i in 0..l.m {
        out[l.g(i)] = g(i) * keep;
        for j in i..l.m {
            let q = u[l.q(i, j)];
            let p = (q * -s).hi().max(0.0);
            out[l.q(i, j)] = q * keep + Interval::new(0.0, p) * extra;
        }
    }
    true
}

/// `prim(u)` for one element: `s0 + s1 D + S2 D^2` with `D = u - u0`, `u0`
/// the exact value at `eta = 0` (enclosed by `u[0]`), so `D` has no
/// constant term.
fn compose_el(
    l: Layout,
    u: &[Interval],
    y: Interval,
    prim: Prim,
    eta: &Eta,
    out: &mut [Interval],
    (d, d2): (&mut Vec<Interval>, &mut Vec<Interval>),
) -> Interval {
    let c = u[0];
    if !c.is_finite() {
        out.fill(Interval::ENTIRE);
        return prim.value(y);
    }
    if kink_in_orthant(l, u, prim, eta, out) {
        let r = prim.value(y);
        return r.intersect(poly_range(l, out, eta)).unwrap_or(r);
    }
    let y = y.hull(c);
    let one = enclose(prim, c, y, 2);
    let (s0, s1, s2) = (one.s[0], one.s[1], one.s_k);
    d.clear();
    d.extend_from_slice(u);
    d[0] = Interval::ZERO;
    let dr = y - c;
    d2.clear();
    d2.resize(l.width(), Interval::ZERO);
    mul_el(l, d, dr, d, eta, d2);
    for k in 0..l.width() {
        out[k] = s1 * d[k] + s2 * d2[k];
    }
    out[0] += s0;
    let r = prim.value(y);
    r.intersect(poly_range(l, out, eta)).unwrap_or(r)
}

impl Bounder<'_> {
    /// The scalar root's degree-2 enclosure in `m` variables: parameters
    /// move as `x0 + sum_i eta_i V_i` (`dirs[i]` holds `V_i`, one tensor per
    /// parameter), `eta` in the box `eta` (each side containing 0).
    ///
    /// # Panics
    /// If shapes do not match the graph's parameters, or the root is not a scalar.
    #[track_caller]
    pub fn quad(&self, x0: &[Tensor], dirs: &[Vec<Tensor>], eta: &[Interval]) -> QuadEnclosure {
        let l = Layout { m: dirs.len() };
        assert_eq!(eta.len(), l.m);
        assert!(eta.iter().all(|e| e.contains(0.0)), "the box must contain 0");
        let plan = &*self.plan;
        let eta_box = Eta::new(eta);
        let pass =
            QuadPass { plan, l, constants: &self.constants, vals: vec![None; plan.len()], x0, dirs, eta: eta_box };
        let mut d = Tracked::new(pass, plan.len());
        walk::forward(plan, plan.varying(), &mut d);
        let root = plan.root();
        let mut coef = match d.inner.vals[root.index()].take() {
            Some(v) => v.coef,
            None => {
                let mut v = vec![Interval::ZERO; l.width()];
                v[0] = self.constants[root.index()].as_ref().expect("the root is evaluated")[0];
                v
            }
        };
        assert_eq!(coef.len(), l.width(), "the root must be a scalar");
        if d.undefined[root.index()] {
            // Undefined somewhere on the box: no quadratic part holds there.
            coef[1 + l.m..].fill(Interval::ENTIRE);
        }
        QuadEnclosure { coef, layout: l, eta: eta.to_vec() }
    }
}

/// One multi-direction pass: the enclosure of each varying node.
struct QuadPass<'a> {
    plan: &'a Plan,
    l: Layout,
    constants: &'a [Option<IVal>],
    vals: Vec<Option<QuadVal>>,
    x0: &'a [Tensor],
    dirs: &'a [Vec<Tensor>],
    eta: Eta,
}

impl QuadPass<'_> {
    fn get(&self, id: NodeId) -> Val<'_> {
        match &self.constants[id.index()] {
            Some(c) => Val::Const(c),
            None => Val::Var(self.vals[id.index()].as_ref().expect("children first")),
        }
    }

    fn set(&mut self, out: NodeId, v: QuadVal) {
        self.vals[out.index()] = Some(v);
    }

    /// Zeroed coefficients and ranges for `out`.
    fn zeros(&self, out: NodeId) -> (Vec<Interval>, Vec<Interval>) {
        let n = self.plan.shape(out).len();
        (vec![Interval::ZERO; n * self.l.width()], vec![Interval::ZERO; n])
    }

    fn compose_all(&self, a: Val<'_>, prim: Prim) -> QuadVal {
        let (l, eta) = (self.l, &self.eta);
        let w = l.width();
        let n = val_len(a);
        let mut coef = vec![Interval::ZERO; n * w];
        let mut range = vec![Interval::ZERO; n];
        par_elements(w, &mut coef, &mut range, |e, out, sc| {
            let (x, rx) = element(a, w, e, &mut sc.a);
            compose_el(l, x, rx, prim, eta, out, (&mut sc.d, &mut sc.d2))
        });
        QuadVal { coef, range }
    }

    fn compose(&mut self, out: NodeId, a: NodeId, prim: Prim) {
        let v = self.compose_all(self.get(a), prim);
        self.set(out, v);
    }
}

impl Ranges for QuadPass<'_> {
    fn ranges(&self, id: NodeId) -> Vec<Interval> {
        let v = self.get(id);
        (0..val_len(v)).map(|e| range_of(v, e)).collect()
    }
}

impl Domain for QuadPass<'_> {
    fn param(&mut self, out: NodeId, index: usize) {
        let (l, eta) = (self.l, &self.eta);
        let w = l.width();
        let (mut coef, mut range) = self.zeros(out);
        for (e, &x) in self.x0[index].data().iter().enumerate() {
            let c = &mut coef[e * w..(e + 1) * w];
            c[0] = Interval::point(x);
            for (i, d) in self.dirs.iter().enumerate() {
                c[l.g(i)] = Interval::point(d[index].data()[e]);
            }
            range[e] = poly_range(l, c, eta);
        }
        self.set(out, QuadVal { coef, range });
    }

    fn data(&mut self, _: NodeId, _: usize) {
        unreachable!("constant nodes are not visited")
    }

    fn constant(&mut self, _: NodeId, _: f64) {
        unreachable!("constant nodes are not visited")
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        let w = self.l.width();
        let (mut coef, mut range) = self.zeros(out);
        let a = self.get(a);
        let mut buf = Vec::new();
        for (e, r) in range.iter_mut().enumerate() {
            let (x, rx) = element(a, w, e, &mut buf);
            for (k, v) in x.iter().enumerate() {
                coef[e * w + k] = -*v;
            }
            *r = -rx;
        }
        self.set(out, QuadVal { coef, range });
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let (l, eta) = (self.l, &self.eta);
        let w = l.width();
        let (mut coef, mut range) = self.zeros(out);
        let pairs = self.plan.pairs(out, a, b);
        let (va, vb) = (self.get(a), self.get(b));
        let recip = (op == Binary::Div).then(|| self.compose_all(vb, Prim::Pow(-1.0)));
        let vb = match &recip {
            Some(r) => Val::Var(r),
            None => vb,
        };
        par_elements(w, &mut coef, &mut range, |e, c, sc| {
            let (i, j) = pairs[e];
            let (x, rx) = element(va, w, i, &mut sc.a);
            let (y, ry) = element(vb, w, j, &mut sc.b);
            let r = match op {
                Binary::Add => {
                    for k in 0..w {
                        c[k] = x[k] + y[k];
                    }
                    rx + ry
                }
                Binary::Sub => {
                    for k in 0..w {
                        c[k] = x[k] - y[k];
                    }
                    rx - ry
                }
                Binary::Mul | Binary::Div => {
                    mul_el(l, x, rx, y, eta, c);
                    rx * ry
                }
            };
            r.intersect(poly_range(l, c, eta)).unwrap_or(r)
        });
        self.set(out, QuadVal { coef, range });
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        if !(0..=8).contains(&n) {
            return self.compose(out, a, Prim::Pow(f64::from(n)));
        }
        let (l, eta) = (self.l, &self.eta);
        let w = l.width();
        let (mut coef, mut range) = self.zeros(out);
        let va = self.get(a);
        par_elements(w, &mut coef, &mut range, |e, out, sc| {
            let (x, rx) = element(va, w, e, &mut sc.a);
            let (acc, next) = (&mut sc.d, &mut sc.d2);
            acc.clear();
            acc.resize(w, Interval::ZERO);
            acc[0] = Interval::ONE;
            next.clear();
            next.resize(w, Interval::ZERO);
            let mut racc = Interval::ONE;
            for _ in 0..n {
                mul_el(l, acc, racc, x, eta, next);
                racc *= rx;
                std::mem::swap(acc, next);
            }
            let r = rx.powi(n);
            out.copy_from_slice(acc);
            r.intersect(poly_range(l, out, eta)).unwrap_or(r)
        });
        self.set(out, QuadVal { coef, range });
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        self.compose(out, a, Prim::Pow(p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        self.compose(out, a, Prim::of(f));
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let (l, eta) = (self.l, &self.eta);
        let w = l.width();
        let (mut coef, mut range) = self.zeros(out);
        let va = self.get(a);
        let (mut buf, mut d, mut d2) = (Vec::new(), Vec::new(), Vec::new());
        let (mut x, mut ex) = (vec![Interval::ZERO; w], vec![Interval::ZERO; w]);
        for (e, g) in self.plan.groups(a, axis).iter().enumerate() {
            if op == Reduce::LogSumExp {
                let m = g.iter().map(|&i| element(va, w, i, &mut buf).0[0].mid()).fold(f64::NEG_INFINITY, f64::max);
                let mut sum = vec![Interval::ZERO; w];
                let mut sr = Interval::ZERO;
                for &i in g {
                    let (xi, rx) = element(va, w, i, &mut buf);
                    x.copy_from_slice(xi);
                    x[0] -= m;
                    let r = compose_el(l, &x, rx - m, Prim::Func(Func::Exp), eta, &mut ex, (&mut d, &mut d2));
                    for k in 0..w {
                        sum[k] += ex[k];
                    }
                    sr += r;
                }
                let sr = sr.intersect(poly_range(l, &sum, eta)).unwrap_or(sr);
                let c = &mut coef[e * w..(e + 1) * w];
                let r = compose_el(l, &sum, sr, Prim::Func(Func::Log), eta, c, (&mut d, &mut d2));
                c[0] += m;
                range[e] = r + m;
                continue;
            }
            let mut r = Interval::ZERO;
            for &i in g {
                let (x, rx) = element(va, w, i, &mut buf);
                for k in 0..w {
                    coef[e * w + k] += x[k];
                }
                r += rx;
            }
            if op == Reduce::Mean {
                let inv = Interval::ONE / Interval::point(g.len() as f64);
                for k in 0..w {
                    coef[e * w + k] *= inv;
                }
                r *= inv;
            }
            range[e] = r;
        }
        self.set(out, QuadVal { coef, range });
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let (sa, sb, so) = (self.plan.shape(a), self.plan.shape(b), self.plan.shape(out));
        let v = quad_matmul(self.l, self.get(a), sa, self.get(b), sb, so, &self.eta);
        self.set(out, v);
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let w = self.l.width();
        let (mut coef, mut range) = self.zeros(out);
        let va = self.get(a);
        let mut buf = Vec::new();
        for (e, &i) in index.iter().enumerate() {
            let (x, rx) = element(va, w, i, &mut buf);
            coef[e * w..(e + 1) * w].copy_from_slice(x);
            range[e] = rx;
        }
        self.set(out, QuadVal { coef, range });
    }
}
