//! The point pass: the exact Taylor coefficients of a graph's scalar root
//! along a line `x0 + z v`, at `z = 0`, computed with [`series`] over
//! dyadic intervals of a few hundred bits and rounded outward to `f64`.
//! They depend on `x0` only, so they are computed apart from the region,
//! and they come out an ulp or two wide where `f64` interval arithmetic
//! loses digits to cancellation. Where the pass cannot go (a kink at
//! `x0`, a pole, a graph too large for the slow arithmetic) it gives
//! `None` and the caller keeps its `f64` coefficients.

use super::derivs::Prim;
use super::ieval::{broadcast2, groups};
use super::series::{self, Series};
use crate::expr::{Graph, NodeId, Op};
use crate::interval::{Big, BigInterval, Interval};
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
    let order = graph.reachable(root);
    let total: usize = order.iter().map(|&id| graph.shape(id).len()).sum();
    if total > MAX_ELEMENTS {
        return None;
    }
    let b = Big::new(PRECISION);
    let mut vals: Vec<Option<Val>> = vec![None; root.index() + 1];
    for id in order {
        let val = step(&b, graph, id, &vals, x0, v, n)?;
        vals[id.index()] = Some(val);
    }
    let root_val = vals[root.index()].take()?;
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

fn step(
    b: &Big,
    graph: &Graph,
    id: NodeId,
    vals: &[Option<Val>],
    x0: &[Tensor],
    v: &[Tensor],
    n: usize,
) -> Option<Val> {
    let p = b.p;
    let node = graph.node(id);
    let get = |c: NodeId| vals[c.index()].as_ref().expect("children first");
    let sh = |c: NodeId| graph.shape(c);
    let out = node.shape;
    let point = |x: f64| BigInterval::from_f64(x);
    let val = match node.op {
        Op::Param(i) => x0[i]
            .data()
            .iter()
            .zip(v[i].data())
            .map(|(&x, &d)| {
                let mut s = series::constant(point(x)?, n);
                if n >= 1 {
                    s[1] = point(d)?;
                }
                Some(s)
            })
            .collect::<Option<Val>>()?,
        Op::Data(i) => graph.data_tensors()[i]
            .value
            .data()
            .iter()
            .map(|&x| Some(series::constant(point(x)?, n)))
            .collect::<Option<Val>>()?,
        Op::Const(c) => vec![series::constant(point(c.get())?, n)],
        Op::Neg(a) => get(a).iter().map(|s| s.iter().map(BigInterval::neg).collect()).collect(),
        Op::Add(a, c) | Op::Sub(a, c) | Op::Mul(a, c) | Op::Div(a, c) => {
            let (va, vc) = (get(a), get(c));
            let idx: Vec<usize> = (0..va.len()).collect();
            let jdx: Vec<usize> = (0..vc.len()).collect();
            broadcast2(&idx, sh(a), &jdx, sh(c), out, |i, j| {
                let (x, y) = (&va[i], &vc[j]);
                match node.op {
                    Op::Add(..) => Some(series::add(p, x, y)),
                    Op::Sub(..) => Some(series::sub(p, x, y)),
                    Op::Mul(..) => Some(series::mul(p, x, y)),
                    _ => series::div(p, x, y),
                }
            })
            .into_iter()
            .collect::<Option<Val>>()?
        }
        Op::PowI(a, k) if k >= 0 => get(a).iter().map(|s| series::powi(p, s, k as u32)).collect(),
        Op::PowI(a, k) => compose_all(b, get(a), Prim::Pow(f64::from(k)), n)?,
        Op::PowF(a, q) => compose_all(b, get(a), Prim::Pow(q.get()), n)?,
        Op::Func(f, a) => compose_all(b, get(a), Prim::of(f), n)?,
        Op::Sum(a, axis) | Op::Mean(a, axis) => {
            let va = get(a);
            groups(sh(a), axis)
                .iter()
                .map(|g| {
                    let total =
                        g.iter().fold(series::constant(BigInterval::int(0), n), |acc, &e| series::add(p, &acc, &va[e]));
                    if matches!(node.op, Op::Mean(..)) {
                        total.iter().map(|c| p.div_int(c, g.len() as i64)).collect()
                    } else {
                        total
                    }
                })
                .collect()
        }
        Op::LogSumExp(a, axis) => {
            let va = get(a);
            groups(sh(a), axis)
                .iter()
                .map(|g| {
                    // m + log(sum exp(u - m)) with m the largest value's double: an exact shift.
                    let m = g.iter().map(|&e| va[e][0].hi().approx()).fold(f64::NEG_INFINITY, f64::max);
                    let shift = series::constant(BigInterval::from_f64(m)?, n);
                    let mut total = series::constant(BigInterval::int(0), n);
                    for &e in g {
                        let u = series::sub(p, &va[e], &shift);
                        let s = series::coefficients(b, Prim::Func(crate::expr::Func::Exp), &u[0], n)?;
                        total = series::add(p, &total, &series::compose(p, &u, &s));
                    }
                    let s = series::coefficients(b, Prim::Func(crate::expr::Func::Log), &total[0], n)?;
                    Some(series::add(p, &series::compose(p, &total, &s), &shift))
                })
                .collect::<Option<Val>>()?
        }
        Op::MatMul(a, c) => {
            let (va, vc) = (get(a), get(c));
            let (r, k) = left_dims(sh(a));
            let (_, cols) = right_dims(sh(c));
            let mut result = Vec::with_capacity(out.len());
            for i in 0..r {
                for j in 0..cols {
                    let mut acc = series::constant(BigInterval::int(0), n);
                    for t in 0..k {
                        acc = series::add(p, &acc, &series::mul(p, &va[i * k + t], &vc[t * cols + j]));
                    }
                    result.push(acc);
                }
            }
            debug_assert_eq!(result.len(), out.len());
            result
        }
    };
    Some(val)
}

/// `prim` of every element.
fn compose_all(b: &Big, a: &Val, prim: Prim, n: usize) -> Option<Val> {
    a.iter()
        .map(|u| {
            let s = series::coefficients(b, prim, &u[0], n)?;
            Some(series::compose(b.p, u, &s))
        })
        .collect()
}
