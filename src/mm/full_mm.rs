//! Full MM: a quadratic majorizer in every coordinate of a low-dimensional
//! loss over a box around the point (autobound.md section 7).

use super::quadratic::minimize_box_qp;
use crate::bound::{Bounder, QuadEnclosure};
use crate::interval::{Interval, add_up, mul_up};
use crate::tensor::Tensor;

/// The plan of one full-MM step.
#[derive(Clone, Debug)]
pub struct BoxPlan {
    /// The step, one entry per scalar coordinate (all 0: no decrease promised).
    pub z: Vec<f64>,
    /// The enclosure over the box.
    pub enclosure: QuadEnclosure,
    /// An upper bound on `f(x + z)`.
    pub upper: f64,
}

impl BoxPlan {
    /// The decrease the bound guarantees.
    pub fn promised(&self) -> f64 {
        self.enclosure.c().lo() - self.upper
    }
}

/// Unit directions, one per scalar coordinate of the parameters.
pub fn coordinate_directions(x: &[Tensor]) -> Vec<Vec<Tensor>> {
    let mut dirs = Vec::new();
    for (p, t) in x.iter().enumerate() {
        for e in 0..t.shape().len() {
            let mut d: Vec<Tensor> = x.iter().map(|u| Tensor::zeros(u.shape())).collect();
            d[p].data_mut()[e] = 1.0;
            dirs.push(d);
        }
    }
    dirs
}

/// The full-MM step over the box `x + [-r, r]` (one radius per coordinate).
///
/// With `z` changing sign inside the box, the enclosure's bound
/// `c + g . z + sum_{i<=j} q_ij z_i z_j` is split as `mid z_i z_j + rad |z_i z_j|`
/// and `|z_i z_j| <= (w z_i^2 + z_j^2 / w) / 2` with `w = r_j / r_i` (exact at
/// the corners), which gives one quadratic `b . z + z^T M z` above the bound
/// everywhere in the box (the gradient's few-ulp radius moves into a
/// constant). It is minimized over the box; the step is kept only if the
/// enclosure itself, evaluated there, promises a strict decrease.
pub fn plan(bounder: &Bounder<'_>, x: &[Tensor], radii: &[f64]) -> BoxPlan {
    let dirs = coordinate_directions(x);
    let n = dirs.len();
    let eta: Vec<Interval> = radii.iter().map(|&r| Interval::new(-r, r)).collect();
    let enclosure = bounder.quad(x, &dirs, &eta);
    let zero = BoxPlan { z: vec![0.0; n], upper: enclosure.c().hi(), enclosure: enclosure.clone() };
    if !enclosure.coef.iter().all(|c| c.is_finite()) {
        return BoxPlan { upper: f64::INFINITY, ..zero };
    }
    let (b, m) = majorant(&enclosure, radii);
    let lo: Vec<f64> = radii.iter().map(|r| -r).collect();
    let z = minimize_box_qp(&b, &m, &lo, radii);
    let upper = enclosure.at(&z).hi();
    let plan = BoxPlan { z, enclosure, upper };
    if plan.promised() > 0.0 { plan } else { zero }
}

/// The quadratic `b . z + z^T M z` (row-major `M`) above the enclosure's
/// bound `c + g . z + sum_{i<=j} q_ij z_i z_j - c` everywhere in the box
/// `[-r, r]` (see [`plan`]).
pub fn majorant(enclosure: &QuadEnclosure, radii: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = radii.len();
    let b: Vec<f64> = (0..n).map(|i| enclosure.g(i).mid()).collect();
    let mut m = vec![0.0; n * n];
    let mut extra = vec![0.0; n];
    for i in 0..n {
        m[i * n + i] = enclosure.q(i, i).hi();
        for j in i + 1..n {
            let q = enclosure.q(i, j);
            let half = q.mid() / 2.0;
            m[i * n + j] = half;
            m[j * n + i] = half;
            let (rad, w) = (q.rad(), radii[j] / radii[i]);
            extra[i] = add_up(extra[i], mul_up(rad, w) / 2.0);
            extra[j] = add_up(extra[j], rad / w / 2.0);
        }
    }
    for i in 0..n {
        m[i * n + i] = add_up(m[i * n + i], extra[i].next_up());
    }
    (b, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_inline;

    #[test]
    fn one_step_solves_a_quadratic() {
        // (x - 1)^2 + 2 (y + 0.5)^2 + x y: its enclosure is exact, so one step
        // inside a large box lands on the minimizer of the quadratic.
        let m = parse_inline("(x - 1)^2 + 2*(y + 0.5)^2 + x*y").unwrap();
        let b = Bounder::new(&m.graph, m.loss);
        let x = vec![Tensor::scalar(0.0), Tensor::scalar(0.0)];
        let p = plan(&b, &x, &[10.0, 10.0]);
        // gradient 0: 2(x-1) + y = 0, 4(y+0.5) + x = 0 -> x = 10/7, y = -6/7.
        assert!((p.z[0] - 10.0 / 7.0).abs() < 1e-9 && (p.z[1] + 6.0 / 7.0).abs() < 1e-9, "{:?}", p.z);
        assert!(p.promised() > 0.0);
    }
}
