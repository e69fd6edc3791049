//! Minimizing the quadratic majorizers: the clipped 1-D case (SafeRate) and
//! box-constrained quadratic programs (SafeCombination, full MM), with faer
//! for the linear algebra.
//!
//! Only a feasible point whose model value is at most 0 is needed for a
//! monotone step (the model is 0 at the start), so every solver keeps the
//! best of several candidates: coordinate descent (never increases the
//! model), the unconstrained Newton point when it is feasible, and, for a
//! few variables, every KKT point of every active set (the exact minimum).

use faer::Mat;
use faer::prelude::Solve;

/// `argmin_{eta in [0, e]} c1 eta + c2 eta^2` (SafeRate's rule): the clipped
/// vertex when `c2 > 0`; the better end otherwise (ties go to `e`); 0 when
/// anything is not finite.
pub fn argmin_on_segment(c1: f64, c2: f64, e: f64) -> f64 {
    if !(c1.is_finite() && c2.is_finite() && e.is_finite()) || e <= 0.0 {
        return 0.0;
    }
    if c2 > 0.0 {
        (-c1 / (2.0 * c2)).clamp(0.0, e)
    } else if c1 * e + c2 * e * e <= 0.0 && (c2 < 0.0 || c1 < 0.0) {
        e
    } else {
        0.0
    }
}

/// The model `b . x + x^T A x` (A symmetric, row-major `m x m`).
pub fn model(b: &[f64], a: &[f64], x: &[f64]) -> f64 {
    let m = b.len();
    let mut s = 0.0;
    for i in 0..m {
        let ax: f64 = (0..m).map(|j| a[i * m + j] * x[j]).sum();
        s += x[i] * (b[i] + ax);
    }
    s
}

/// Cyclic coordinate descent on `b . x + x^T A x` over `lo <= x <= hi` from
/// `x`: each coordinate is minimized exactly, so the model never increases.
pub fn coordinate_descent(b: &[f64], a: &[f64], lo: &[f64], hi: &[f64], x: &mut [f64], sweeps: usize) {
    sweep(b, a, x, sweeps, |i, lin, quad, old| {
        let f = |t: f64| lin * t + quad * t * t;
        let mut best = if f(lo[i]) <= f(hi[i]) { lo[i] } else { hi[i] };
        if quad > 0.0 {
            let v = (-lin / (2.0 * quad)).clamp(lo[i], hi[i]);
            if f(v) <= f(best) {
                best = v;
            }
        }
        if f(best) <= f(old) && best.is_finite() { best } else { old }
    });
}

/// The loop of cyclic coordinate descent on `b . x + x^T A x` plus terms of
/// single coordinates: for each coordinate in turn, `step(i, lin, quad,
/// x_i)` gives its new value, where the model in `x_i` alone is
/// `quad x_i^2 + lin x_i` and the caller's own terms in `x_i`. At most
/// `sweeps` sweeps; it stops after one that moves nothing.
pub fn sweep(b: &[f64], a: &[f64], x: &mut [f64], sweeps: usize, mut step: impl FnMut(usize, f64, f64, f64) -> f64) {
    let m = b.len();
    for _ in 0..sweeps {
        let mut moved = 0.0f64;
        for i in 0..m {
            // In x_i alone: a_ii x_i^2 + (b_i + 2 sum_{j != i} a_ij x_j) x_i.
            let lin: f64 = b[i] + 2.0 * (0..m).filter(|&j| j != i).map(|j| a[i * m + j] * x[j]).sum::<f64>();
            let old = x[i];
            x[i] = step(i, lin, a[i * m + i], old);
            moved = moved.max((x[i] - old).abs());
        }
        if moved == 0.0 {
            break;
        }
    }
}

/// The free variables' stationary point with the others fixed: solves
/// `A_FF x_F = -(b_F + 2 A_FN x_N) / 2` by LU; `None` if singular or not finite.
fn stationary(b: &[f64], a: &[f64], free: &[usize], x: &[f64]) -> Option<Vec<f64>> {
    let m = b.len();
    let k = free.len();
    let lhs = Mat::<f64>::from_fn(k, k, |r, c| a[free[r] * m + free[c]]);
    let rhs = Mat::<f64>::from_fn(k, 1, |r, _| {
        let i = free[r];
        let fixed: f64 = (0..m).filter(|j| !free.contains(j)).map(|j| a[i * m + j] * x[j]).sum();
        -(b[i] + 2.0 * fixed) / 2.0
    });
    let sol = lhs.partial_piv_lu().solve(&rhs);
    // faer's kernels may leave the AVX-512 upper register state dirty.
    crate::tensor::clear_upper_state();
    let v: Vec<f64> = (0..k).map(|r| sol[(r, 0)]).collect();
    // Reject singular systems: the solution must satisfy the equations.
    let ok = v.iter().all(|t| t.is_finite())
        && (0..k).all(|r| {
            let lhs_r: f64 = (0..k).map(|c| lhs[(r, c)] * v[c]).sum();
            (lhs_r - rhs[(r, 0)]).abs() <= 1e-9 * (1.0 + rhs[(r, 0)].abs() + lhs_r.abs())
        });
    ok.then_some(v)
}

/// The variable count up to which every active set is tried (3^m systems).
const EXACT_LIMIT: usize = 8;

/// A point of the box `[lo, hi]` (which contains 0) with a low value of
/// `b . x + x^T A x`, never above the value at 0: the exact minimum for up
/// to 8 variables (every active set's KKT point), otherwise the better of
/// coordinate descent from 0 and from the clipped Newton point.
pub fn minimize_box_qp(b: &[f64], a: &[f64], lo: &[f64], hi: &[f64]) -> Vec<f64> {
    let m = b.len();
    let mut best = vec![0.0; m];
    coordinate_descent(b, a, lo, hi, &mut best, 200);
    let mut best_val = model(b, a, &best);
    let consider = |x: Vec<f64>, best: &mut Vec<f64>, best_val: &mut f64| {
        let inside = x.iter().zip(lo.iter().zip(hi)).all(|(v, (l, h))| *l <= *v && *v <= *h);
        if inside {
            let val = model(b, a, &x);
            // Near-ties go to the later candidates (the exact KKT points):
            // rounding can make an exact minimizer's value look a hair higher.
            if val <= *best_val + 1e-13 * (1.0 + best_val.abs()) {
                *best_val = val;
                *best = x;
            }
        }
    };
    if m <= EXACT_LIMIT {
        let mut state = vec![0u8; m];
        for code in 0..3usize.pow(m as u32) {
            let mut c = code;
            for s in state.iter_mut() {
                *s = (c % 3) as u8;
                c /= 3;
            }
            let mut x: Vec<f64> = (0..m)
                .map(|i| match state[i] {
                    0 => lo[i],
                    1 => hi[i],
                    _ => 0.0,
                })
                .collect();
            let free: Vec<usize> = (0..m).filter(|&i| state[i] == 2).collect();
            if !free.is_empty() {
                let Some(v) = stationary(b, a, &free, &x) else { continue };
                for (r, &i) in free.iter().enumerate() {
                    x[i] = v[r];
                }
            }
            consider(x, &mut best, &mut best_val);
        }
    } else {
        let all: Vec<usize> = (0..m).collect();
        if let Some(newton) = stationary(b, a, &all, &vec![0.0; m]) {
            let mut x: Vec<f64> = newton.iter().zip(lo.iter().zip(hi)).map(|(v, (l, h))| v.clamp(*l, *h)).collect();
            coordinate_descent(b, a, lo, hi, &mut x, 200);
            consider(x, &mut best, &mut best_val);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_rule() {
        // (x-1)^2 from 0 along v = 2: h(eta) = 1 - 4 eta + 4 eta^2, eta = 1/2.
        assert_eq!(argmin_on_segment(-4.0, 4.0, 1e12), 0.5);
        // argmin_[0,1] (-eta + 2 eta^2) = 0.25 (the reference's check).
        assert_eq!(argmin_on_segment(-1.0, 2.0, 1.0), 0.25);
        assert_eq!(argmin_on_segment(-1.0, 2.0, 0.1), 0.1);
        assert_eq!(argmin_on_segment(1.0, 2.0, 1.0), 0.0);
        assert_eq!(argmin_on_segment(-1.0, -2.0, 1.0), 1.0);
        assert_eq!(argmin_on_segment(-1.0, 0.0, 3.0), 3.0);
        assert_eq!(argmin_on_segment(1.0, -0.5, 1.0), 0.0, "q(1) = 0.5 > 0");
        assert_eq!(argmin_on_segment(f64::NAN, 1.0, 1.0), 0.0);
        assert_eq!(argmin_on_segment(-1.0, f64::INFINITY, 1.0), 0.0);
    }

    #[test]
    fn box_qp_exact_on_small_problems() {
        // q(x) = -2 x0 - 2 x1 + x0^2 + x1^2 + x0 x1 over [0, 0.5]^2: the
        // unconstrained minimum (2/3, 2/3) is outside, the box corner (0.5, 0.5) wins.
        let b = [-2.0, -2.0];
        let a = [1.0, 0.5, 0.5, 1.0];
        let x = minimize_box_qp(&b, &a, &[0.0, 0.0], &[0.5, 0.5]);
        assert_eq!(x, vec![0.5, 0.5]);
        // inside a larger box the Newton point (2/3, 2/3) is exact.
        let x = minimize_box_qp(&b, &a, &[0.0, 0.0], &[5.0, 5.0]);
        assert!((x[0] - 2.0 / 3.0).abs() < 1e-12 && (x[1] - 2.0 / 3.0).abs() < 1e-12, "{x:?}");
        // a nonconvex model: -x0^2 + x1 over [-1, 2] x [-1, 1]: minimum at (2, -1).
        let x = minimize_box_qp(&[0.0, 1.0], &[-1.0, 0.0, 0.0, 0.0], &[-1.0, -1.0], &[2.0, 1.0]);
        assert_eq!(x, vec![2.0, -1.0]);
    }

    #[test]
    fn box_qp_never_above_zero_on_many_variables() {
        let m = 12;
        let b: Vec<f64> = (0..m).map(|i| (i as f64 * 0.7).sin()).collect();
        let a: Vec<f64> = (0..m * m).map(|k| if k % (m + 1) == 0 { 2.0 } else { 0.1 * ((k as f64).cos()) }).collect();
        let sym: Vec<f64> = (0..m * m).map(|k| (a[k] + a[(k % m) * m + k / m]) / 2.0).collect();
        let x = minimize_box_qp(&b, &sym, &vec![-1.0; m], &vec![1.0; m]);
        assert!(model(&b, &sym, &x) < 0.0);
    }
}
