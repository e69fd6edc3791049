//! The multi-direction pass's matrix product (`bound/quad.rs`): `a @ b`
//! when one side varies, as interval matrix products coefficient by
//! coefficient, and when both do, the elementwise product rule summed over
//! the inner index as a sum of matrix products.

use super::quad::{Eta, Layout, QuadVal, Val, lin_range, poly_range};
use crate::interval::Interval;
use crate::tensor::{ITensor, Shape};

/// `a @ b` when one side or both vary.
pub(super) fn quad_matmul(l: Layout, a: Val<'_>, sa: Shape, b: Val<'_>, sb: Shape, out: Shape, eta: &Eta) -> QuadVal {
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
            // Both vary: the elementwise product rule of `mul_el`, summed over
            // the inner index. Its terms of thin coefficients are matrix
            // products in midpoint-radius form (`c = A0 B0`,
            // `g_i = A0 B_i + A_i B0`, `A_i B_j + A_j B_i` in `q_ij`); the two
            // terms with a wide factor (`Q^A_ij WL + RA Q^B_ij`, `WL` the range
            // of `b`'s constant and linear part, `RA` `a`'s range) are summed
            // in interval arithmetic, as tight as the elementwise rule.
            let (ma, mb) = (Shape::Matrix(r, k), Shape::Matrix(k, c));
            let plane = |qv: &QuadVal, shape: Shape, q: usize| ITensor::from_fn(shape, |e| qv.coef[e * w + q]);
            let thin = 1 + l.m;
            let a: Vec<ITensor> = (0..thin).map(|q| plane(qa, ma, q)).collect();
            let b: Vec<ITensor> = (0..thin).map(|q| plane(qb, mb, q)).collect();
            let n = out.len();
            let mut coef = vec![Interval::ZERO; n * w];
            let mut put = |q: usize, t: ITensor| {
                for e in 0..n {
                    coef[e * w + q] = t.get(e);
                }
            };
            let sum = |terms: &[(&ITensor, &ITensor)]| {
                let mut t = terms[0].0.matmul(terms[0].1);
                for (x, y) in &terms[1..] {
                    t.add_assign(&x.matmul(y));
                }
                t
            };
            put(0, sum(&[(&a[0], &b[0])]));
            for i in 0..l.m {
                let gi = l.g(i);
                put(gi, sum(&[(&a[0], &b[gi]), (&a[gi], &b[0])]));
                for j in i..l.m {
                    let gj = l.g(j);
                    let t = if i == j { sum(&[(&a[gi], &b[gi])]) } else { sum(&[(&a[gi], &b[gj]), (&a[gj], &b[gi])]) };
                    put(l.q(i, j), t);
                }
            }
            wide_terms(l, qa, qb, (r, k, c), eta, &mut coef);
            let rr = ITensor::from_intervals(ma, &qa.range).matmul(&ITensor::from_intervals(mb, &qb.range));
            let range = (0..n)
                .map(|e| {
                    let p = poly_range(l, &coef[e * w..(e + 1) * w], eta);
                    rr.get(e).intersect(p).unwrap_or(rr.get(e))
                })
                .collect();
            QuadVal { coef, range }
        }
        (Val::Const(_), Val::Const(_)) => unreachable!("a product of constants is constant"),
    }
}

/// Adds `sum_t Q^A_ij[., t] WL[t, .] + RA[., t] Q^B_ij[t, .]` to every
/// quadratic coefficient of `coef` (the product `a @ b`, `r x k` by
/// `k x c`), in interval arithmetic, in parallel over output rows (each
/// row on its own: the result does not depend on the number of threads).
/// A side whose quadratic part is 0 (a parameter's) adds nothing.
fn wide_terms(
    l: Layout,
    qa: &QuadVal,
    qb: &QuadVal,
    (r, k, c): (usize, usize, usize),
    eta: &Eta,
    coef: &mut [Interval],
) {
    use rayon::prelude::*;
    let w = l.width();
    let first = 1 + l.m;
    let zero_quad = |q: &QuadVal| q.coef.chunks(w).all(|el| el[first..].iter().all(|&x| x == Interval::ZERO));
    let (qa_zero, qb_zero) = (zero_quad(qa), zero_quad(qb));
    if qa_zero && qb_zero {
        return;
    }
    let wl: Vec<Interval> = qb.coef.chunks(w).map(|el| el[0] + lin_range(l, el, eta)).collect();
    let row = |i: usize, out: &mut [Interval]| {
        for j in 0..c {
            let o = &mut out[j * w + first..(j + 1) * w];
            for t in 0..k {
                let (ia, ib) = (i * k + t, t * c + j);
                let x = &qa.coef[ia * w + first..(ia + 1) * w];
                let y = &qb.coef[ib * w + first..(ib + 1) * w];
                let (wlt, rat) = (wl[ib], qa.range[ia]);
                for q in 0..w - first {
                    let mut v = o[q];
                    if !qa_zero {
                        v += wlt * x[q];
                    }
                    if !qb_zero {
                        v += rat * y[q];
                    }
                    o[q] = v;
                }
            }
        }
    };
    if r * c * k < 1 << 14 || rayon::current_num_threads() == 1 {
        coef.chunks_mut(c * w).enumerate().for_each(|(i, out)| row(i, out));
    } else {
        coef.par_chunks_mut(c * w).enumerate().for_each(|(i, out)| row(i, out));
    }
}
