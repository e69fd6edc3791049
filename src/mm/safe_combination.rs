//! SafeCombination: the best combination of a few directions, from a
//! degree-2 enclosure of `h(eta) = f(x + sum_i eta_i v_i)` over a box in the
//! non-negative orthant.

use super::quadratic::minimize_box_qp;
use crate::bound::{Bounder, QuadEnclosure};
use crate::interval::Interval;
use crate::tensor::Tensor;

/// The plan of one SafeCombination step.
#[derive(Clone, Debug)]
pub struct ComboPlan {
    /// The step sizes (all 0: no decrease is promised).
    pub eta: Vec<f64>,
    /// The enclosure the step minimizes.
    pub enclosure: QuadEnclosure,
    /// An upper bound on `f(x + sum_i eta_i v_i)`.
    pub upper: f64,
}

impl ComboPlan {
    /// The bound's curvature along the combined step `d = sum_i eta_i v_i`:
    /// the coefficient of `t^2` in its upper bound of `f(x + t d)` on
    /// `t in [0, 1]`, `sum_{i <= j} hi(q_ij) eta_i eta_j` (every product is
    /// non-negative on the box).
    pub fn curvature(&self) -> f64 {
        let m = self.eta.len();
        let mut s = 0.0;
        for i in 0..m {
            for j in i..m {
                s += self.enclosure.q(i, j).hi() * self.eta[i] * self.eta[j];
            }
        }
        s
    }

    /// The decrease the bound guarantees.
    pub fn promised(&self) -> f64 {
        self.enclosure.c().lo() - self.upper
    }
}

/// The SafeCombination step: on `B = prod_i [0, e_i]` every `eta_i eta_j >= 0`,
/// so `h(eta) <= c0 + c1 . eta + eta^T U eta` with the upper ends of the
/// enclosure's coefficients; the box-constrained QP is solved exactly (all
/// active sets) for up to 8 directions. Any point with a negative model
/// value is a monotone step; without one, every step size is 0.
pub fn plan(bounder: &Bounder<'_>, x: &[Tensor], dirs: &[Vec<Tensor>], radii: &[f64]) -> ComboPlan {
    let m = dirs.len();
    let eta_box: Vec<Interval> = radii.iter().map(|&e| Interval::new(0.0, e)).collect();
    let enclosure = bounder.quad(x, dirs, &eta_box);
    let finite = enclosure.coef.iter().all(|c| c.is_finite());
    let zero = ComboPlan { eta: vec![0.0; m], upper: enclosure.c().hi(), enclosure: enclosure.clone() };
    if !finite {
        return ComboPlan { upper: f64::INFINITY, ..zero };
    }
    let b: Vec<f64> = (0..m).map(|i| enclosure.g(i).hi()).collect();
    let mut a = vec![0.0; m * m];
    for i in 0..m {
        a[i * m + i] = enclosure.q(i, i).hi();
        for j in i + 1..m {
            // The cross term q_ij eta_i eta_j, split over A_ij and A_ji.
            let half = enclosure.q(i, j).hi() / 2.0;
            a[i * m + j] = half;
            a[j * m + i] = half;
        }
    }
    let eta = minimize_box_qp(&b, &a, &vec![0.0; m], radii);
    let upper = enclosure.at(&eta).hi();
    let plan = ComboPlan { eta, enclosure, upper };
    if plan.promised() > 0.0 { plan } else { zero }
}
