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

use super::derivs::Prim;
use super::ieval::{IVal, broadcast2, groups};
use super::line::{Bounder, may_be_undefined};
use super::primitive::enclose;
use crate::expr::{Func, NodeId, Op};
use crate::interval::Interval;
use crate::tensor::{ITensor, Shape, Tensor};

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

enum Val<'a> {
    Const(&'a IVal),
    Var(QuadVal),
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
        let m = self.layout.m;
        let e: Vec<Interval> = eta.iter().map(|&x| Interval::point(x)).collect();
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

/// One element's coefficients (`w` of them) and range, for either kind of value.
fn element(v: &Val<'_>, w: usize, e: usize) -> (Vec<Interval>, Interval) {
    match v {
        Val::Const(c) => {
            let mut x = vec![Interval::ZERO; w];
            x[0] = c[e];
            (x, c[e])
        }
        Val::Var(q) => (q.coef[e * w..(e + 1) * w].to_vec(), q.range[e]),
    }
}

/// The number of elements of a value.
fn val_len(v: &Val<'_>) -> usize {
    match v {
        Val::Const(c) => c.len(),
        Val::Var(q) => q.range.len(),
    }
}

/// `sum_i g_i E_i`.
fn lin_range(l: Layout, el: &[Interval], eta: &[Interval]) -> Interval {
    (0..l.m).map(|i| el[l.g(i)] * eta[i]).sum()
}

/// `sum_{i<=j} q_ij E_i E_j`, with sharp squares on the diagonal.
fn quad_range(l: Layout, el: &[Interval], eta: &[Interval]) -> Interval {
    let mut s = Interval::ZERO;
    for i in 0..l.m {
        s += el[l.q(i, i)] * eta[i].sqr();
        for j in i + 1..l.m {
            s += el[l.q(i, j)] * (eta[i] * eta[j]);
        }
    }
    s
}

/// The range of one element's polynomial over the box.
fn poly_range(l: Layout, el: &[Interval], eta: &[Interval]) -> Interval {
    el[0] + lin_range(l, el, eta) + quad_range(l, el, eta)
}

/// `u * w` for one element pair: the exact constant and linear parts; the
/// quadratic part `(w_c + L_w) Q_u + range(u) Q_w + sym(g_u g_w^T)`, which
/// folds the cubic and quartic terms over the box.
fn mul_el(l: Layout, u: &[Interval], ru: Interval, w: &[Interval], eta: &[Interval], out: &mut [Interval]) {
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

/// `prim(u)` for one element: `s0 + s1 D + S2 D^2` with `D = u - u0`, `u0`
/// the exact value at `eta = 0` (enclosed by `u[0]`), so `D` has no
/// constant term.
fn compose_el(l: Layout, u: &[Interval], y: Interval, prim: Prim, eta: &[Interval], out: &mut [Interval]) -> Interval {
    let c = u[0];
    if !c.is_finite() {
        out.fill(Interval::ENTIRE);
        return prim.value(y);
    }
    let y = y.hull(c);
    let one = enclose(prim, c, y, 2);
    let (s0, s1, s2) = (one.s[0], one.s[1], one.s_k);
    let mut d = u.to_vec();
    d[0] = Interval::ZERO;
    let dr = y - c;
    let mut d2 = vec![Interval::ZERO; l.width()];
    mul_el(l, &d, dr, &d, eta, &mut d2);
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
        let w = l.width();
        assert_eq!(eta.len(), l.m);
        assert!(eta.iter().all(|e| e.contains(0.0)), "the box must contain 0");
        let mut vals: Vec<Option<Val<'_>>> = self.constants.iter().map(|c| c.as_ref().map(Val::Const)).collect();
        let mut undefined = vec![false; self.root.index() + 1];
        for &id in &self.varying {
            let v = self.quad_step(l, id, &vals, x0, dirs, eta);
            vals[id.index()] = Some(Val::Var(v));
            undefined[id.index()] = may_be_undefined(self.graph, id, &undefined, |c| {
                let v = vals[c.index()].as_ref().expect("children first");
                (0..val_len(v)).map(|e| element(v, w, e).1).collect()
            });
        }
        let mut coef = match vals[self.root.index()].take() {
            Some(Val::Var(v)) => v.coef,
            Some(Val::Const(c)) => {
                let mut v = vec![Interval::ZERO; l.width()];
                v[0] = c[0];
                v
            }
            None => unreachable!(),
        };
        assert_eq!(coef.len(), l.width(), "the root must be a scalar");
        if undefined[self.root.index()] {
            // Undefined somewhere on the box: no quadratic part holds there.
            coef[1 + l.m..].fill(Interval::ENTIRE);
        }
        QuadEnclosure { coef, layout: l, eta: eta.to_vec() }
    }

    fn quad_step(
        &self,
        l: Layout,
        id: NodeId,
        vals: &[Option<Val<'_>>],
        x0: &[Tensor],
        dirs: &[Vec<Tensor>],
        eta: &[Interval],
    ) -> QuadVal {
        let w = l.width();
        let graph = self.graph;
        let node = graph.node(id);
        let sh = |n: NodeId| graph.shape(n);
        let get = |n: NodeId| vals[n.index()].as_ref().expect("children first");
        let out = node.shape;
        let el = |v: &Val<'_>, e: usize| element(v, w, e);
        let len = val_len;
        let mut coef = vec![Interval::ZERO; out.len() * w];
        let mut range = vec![Interval::ZERO; out.len()];
        match node.op {
            Op::Param(p) => {
                for (e, &x) in x0[p].data().iter().enumerate() {
                    let c = &mut coef[e * w..(e + 1) * w];
                    c[0] = Interval::point(x);
                    for (i, d) in dirs.iter().enumerate() {
                        c[l.g(i)] = Interval::point(d[p].data()[e]);
                    }
                    range[e] = poly_range(l, c, eta);
                }
            }
            Op::Neg(a) => {
                let a = get(a);
                for e in 0..out.len() {
                    let (x, r) = el(a, e);
                    for (k, v) in x.iter().enumerate() {
                        coef[e * w + k] = -*v;
                    }
                    range[e] = -r;
                }
            }
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) => {
                let (va, vb) = (get(a), get(b));
                let recip = matches!(node.op, Op::Div(..)).then(|| self.quad_compose(l, vb, Prim::Pow(-1.0), eta));
                let vb = match &recip {
                    Some(r) => &Val::Var(r.clone()),
                    None => vb,
                };
                let idx: Vec<usize> = (0..len(va)).collect();
                let jdx: Vec<usize> = (0..len(vb)).collect();
                let pairs = broadcast2(&idx, sh(a), &jdx, sh(b), out, |i, j| (i, j));
                for (e, &(i, j)) in pairs.iter().enumerate() {
                    let (x, rx) = el(va, i);
                    let (y, ry) = el(vb, j);
                    let c = &mut coef[e * w..(e + 1) * w];
                    let r = match node.op {
                        Op::Add(..) => {
                            for k in 0..w {
                                c[k] = x[k] + y[k];
                            }
                            rx + ry
                        }
                        Op::Sub(..) => {
                            for k in 0..w {
                                c[k] = x[k] - y[k];
                            }
                            rx - ry
                        }
                        _ => {
                            mul_el(l, &x, rx, &y, eta, c);
                            rx * ry
                        }
                    };
                    range[e] = r.intersect(poly_range(l, c, eta)).unwrap_or(r);
                }
            }
            Op::PowI(a, n) if (0..=8).contains(&n) => {
                let va = get(a);
                for e in 0..out.len() {
                    let (x, rx) = el(va, e);
                    let mut acc = vec![Interval::ZERO; w];
                    acc[0] = Interval::ONE;
                    let mut racc = Interval::ONE;
                    for _ in 0..n {
                        let mut next = vec![Interval::ZERO; w];
                        mul_el(l, &acc, racc, &x, eta, &mut next);
                        racc *= rx;
                        acc = next;
                    }
                    let r = rx.powi(n);
                    coef[e * w..(e + 1) * w].copy_from_slice(&acc);
                    range[e] = r.intersect(poly_range(l, &acc, eta)).unwrap_or(r);
                }
            }
            Op::PowI(a, n) => return self.quad_compose(l, get(a), Prim::Pow(f64::from(n)), eta),
            Op::PowF(a, p) => return self.quad_compose(l, get(a), Prim::Pow(p.get()), eta),
            Op::Func(f, a) => return self.quad_compose(l, get(a), Prim::of(f), eta),
            Op::Sum(a, axis) | Op::Mean(a, axis) => {
                let va = get(a);
                for (e, g) in groups(sh(a), axis).iter().enumerate() {
                    let mut r = Interval::ZERO;
                    for &i in g {
                        let (x, rx) = el(va, i);
                        for k in 0..w {
                            coef[e * w + k] += x[k];
                        }
                        r += rx;
                    }
                    if matches!(node.op, Op::Mean(..)) {
                        let inv = Interval::ONE / Interval::point(g.len() as f64);
                        for k in 0..w {
                            coef[e * w + k] *= inv;
                        }
                        r *= inv;
                    }
                    range[e] = r;
                }
            }
            Op::LogSumExp(a, axis) => {
                let va = get(a);
                for (e, g) in groups(sh(a), axis).iter().enumerate() {
                    let m = g.iter().map(|&i| el(va, i).0[0].mid()).fold(f64::NEG_INFINITY, f64::max);
                    let mut sum = vec![Interval::ZERO; w];
                    let mut sr = Interval::ZERO;
                    for &i in g {
                        let (mut x, rx) = el(va, i);
                        x[0] -= m;
                        let mut ex = vec![Interval::ZERO; w];
                        let r = compose_el(l, &x, rx - m, Prim::Func(Func::Exp), eta, &mut ex);
                        for k in 0..w {
                            sum[k] += ex[k];
                        }
                        sr += r;
                    }
                    let sr = sr.intersect(poly_range(l, &sum, eta)).unwrap_or(sr);
                    let c = &mut coef[e * w..(e + 1) * w];
                    let r = compose_el(l, &sum, sr, Prim::Func(Func::Log), eta, c);
                    c[0] += m;
                    range[e] = r + m;
                }
            }
            Op::MatMul(a, b) => return self.quad_matmul(l, get(a), sh(a), get(b), sh(b), out, eta),
            Op::Data(_) | Op::Const(_) => unreachable!("constant nodes are not stepped"),
        }
        QuadVal { coef, range }
    }

    fn quad_compose(&self, l: Layout, a: &Val<'_>, prim: Prim, eta: &[Interval]) -> QuadVal {
        let w = l.width();
        let n = val_len(a);
        let mut coef = vec![Interval::ZERO; n * w];
        let mut range = vec![Interval::ZERO; n];
        for e in 0..n {
            let (x, rx) = element(a, w, e);
            range[e] = compose_el(l, &x, rx, prim, eta, &mut coef[e * w..(e + 1) * w]);
        }
        QuadVal { coef, range }
    }

    #[allow(clippy::too_many_arguments)]
    fn quad_matmul(
        &self,
        l: Layout,
        a: &Val<'_>,
        sa: Shape,
        b: &Val<'_>,
        sb: Shape,
        out: Shape,
        eta: &[Interval],
    ) -> QuadVal {
        let w = l.width();
        let (r, k) = crate::tensor::left_dims(sa);
        let (_, c) = crate::tensor::right_dims(sb);
        match (a, b) {
            (Val::Const(ca), Val::Var(qb)) => {
                // [r, k] @ [k, c * w]: every coefficient at once.
                let left = ITensor::from_intervals(Shape::Matrix(r, k), ca);
                let right = ITensor::from_intervals(Shape::Matrix(k, c * w), &qb.coef);
                let coef = left.matmul(&right).intervals();
                let range = (0..out.len()).map(|e| poly_range(l, &coef[e * w..(e + 1) * w], eta)).collect();
                QuadVal { coef, range }
            }
            (Val::Var(qa), Val::Const(cb)) => {
                // Transpose the roles: out^T = b^T @ a^T, coefficient by coefficient.
                let mut coef = vec![Interval::ZERO; out.len() * w];
                let right = ITensor::from_intervals(Shape::Matrix(k, c), cb);
                for q in 0..w {
                    let left: Vec<Interval> = (0..r * k).map(|e| qa.coef[e * w + q]).collect();
                    let p = ITensor::from_intervals(Shape::Matrix(r, k), &left).matmul(&right).intervals();
                    for (e, v) in p.into_iter().enumerate() {
                        coef[e * w + q] = v;
                    }
                }
                let range = (0..out.len()).map(|e| poly_range(l, &coef[e * w..(e + 1) * w], eta)).collect();
                QuadVal { coef, range }
            }
            (Val::Var(qa), Val::Var(qb)) => {
                // Both vary: sum the elementwise products term by term.
                let mut coef = vec![Interval::ZERO; out.len() * w];
                let mut range = vec![Interval::ZERO; out.len()];
                let mut tmp = vec![Interval::ZERO; w];
                for i in 0..r {
                    for j in 0..c {
                        let e = i * c + j;
                        let mut rr = Interval::ZERO;
                        for t in 0..k {
                            let (ia, ib) = (i * k + t, t * c + j);
                            let x = &qa.coef[ia * w..(ia + 1) * w];
                            let y = &qb.coef[ib * w..(ib + 1) * w];
                            mul_el(l, x, qa.range[ia], y, eta, &mut tmp);
                            for q in 0..w {
                                coef[e * w + q] += tmp[q];
                            }
                            rr += qa.range[ia] * qb.range[ib];
                        }
                        let p = poly_range(l, &coef[e * w..(e + 1) * w], eta);
                        range[e] = rr.intersect(p).unwrap_or(rr);
                    }
                }
                QuadVal { coef, range }
            }
            (Val::Const(_), Val::Const(_)) => unreachable!("a product of constants is constant"),
        }
    }
}
