//! A ray step with the separable kink terms exact: along `x + s v`, `s` in
//! `[0, e]`, the smooth part is bounded by `c0 + c1 s + C2 s^2` (the line
//! pass) and every kink piece is linear in `s` between breakpoints, where
//! its coordinate meets its kink. Their sum is minimized exactly: at a
//! breakpoint, an end, or a stretch's stationary point. Kinks then cost
//! nothing in the bound (a kink near the ray is no longer a curvature of
//! order 1 / distance), and a coordinate whose breakpoint is the step lands
//! on its kink exactly.

use super::kinks::Piece;
use super::prox::{ProxPlan, Smooth};
use crate::tensor::{Tensor, flatten, unflatten};

/// A kink piece moving along the ray: its coordinate is `y0 + s dv`.
struct Mover {
    y0: f64,
    dv: f64,
    piece: Piece,
    coord: usize,
}

impl Mover {
    /// The rate of change in `s` on the side `right` of the kink (or left).
    fn slope(&self, right: bool) -> f64 {
        self.piece.slope(right) * self.dv
    }

    /// The rate of change just after `s = 0`.
    fn initial_slope(&self) -> f64 {
        let c = self.piece.centre;
        self.slope(if self.y0 == c { self.dv > 0.0 } else { self.y0 > c })
    }
}

/// The ray step from `x` along `v` (flattened) over `[0, e]`; `end`, if
/// given, is the point to take at `s = e` (the proximal point, exact on its
/// kinks). The step minimizes the ray's model; it is kept only if a
/// rigorous bound at the new point itself (the smooth part enclosed there
/// plus the kink terms in interval arithmetic) is below the lower bound at
/// the start; otherwise a zero step whose `start` is that lower bound.
pub fn plan(smooth: &Smooth<'_>, x: &[Tensor], v: &[f64], e: f64, end: Option<&[f64]>) -> ProxPlan {
    let x0 = flatten(x);
    let kinks = &smooth.kinks;
    let stay = ProxPlan { y: x0.clone(), upper: f64::INFINITY, start: f64::NEG_INFINITY, size: 0.0, fixed: false };
    let vt = unflatten(v, x);
    let [c0, c1, c2] = smooth.line2(x, &vt, e);
    let start = (c0 + kinks.enclose(&x0)).lo();
    if ![c0, c1, c2].iter().all(|c| c.is_finite()) || e <= 0.0 {
        return ProxPlan { start, ..stay };
    }
    let mut movers = Vec::new();
    for (i, ps) in kinks.pieces.iter().enumerate() {
        movers.extend(ps.iter().map(|&piece| Mover { y0: x0[i], dv: v[i], piece, coord: i }));
    }
    let (s, at) = minimize(&movers, c1.hi(), c2.hi(), e);
    if s == 0.0 {
        return ProxPlan { start, ..stay };
    }
    let mut y: Vec<f64> = match end {
        Some(p) if s == e => p.to_vec(),
        _ => x0.iter().zip(v).map(|(a, d)| a + s * d).collect(),
    };
    // Every separable piece whose breakpoint is the step lands on its kink.
    for &j in &at {
        y[movers[j].coord] = movers[j].piece.centre;
    }
    // The bound holds on the exact ray; `y` is rounded off it (and snapped
    // onto kinks), so the smooth part is enclosed at `y` itself.
    let upper = (smooth.value_at(&unflatten(&y, x)) + kinks.enclose(&y)).hi();
    let plan = ProxPlan { y, upper, start, size: s, fixed: false };
    if plan.promised() > 0.0 { plan } else { ProxPlan { start, ..stay } }
}

/// `argmin_{s in [0, e]} a1 s + a2 s^2 + sum_j mover_j(s)` (the movers'
/// pieces less their values at 0): the step, and the movers whose
/// breakpoint it is. Ties keep the smaller step; 0 unless some step is
/// strictly lower.
fn minimize(movers: &[Mover], a1: f64, a2: f64, e: f64) -> (f64, Vec<usize>) {
    let mut cuts: Vec<(f64, usize)> = movers
        .iter()
        .enumerate()
        .filter(|(_, m)| m.dv != 0.0)
        .map(|(j, m)| ((m.piece.centre - m.y0) / m.dv, j))
        .filter(|(s, _)| *s > 0.0 && *s < e)
        .collect();
    cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut slope: f64 = movers.iter().map(Mover::initial_slope).sum();
    let model = |s: f64, k: f64| a1 * s + a2 * s * s + k;
    // (step, model value, index into cuts of the breakpoint group)
    let mut best: (f64, f64, Option<usize>) = (0.0, 0.0, None);
    let (mut left, mut k_left) = (0.0, 0.0);
    let mut c = 0;
    loop {
        let (right, group) = if c < cuts.len() { (cuts[c].0, Some(c)) } else { (e, None) };
        let mut consider = |s: f64, at: Option<usize>| {
            let val = model(s, k_left + slope * (s - left));
            if val < best.1 {
                best = (s, val, at);
            }
        };
        if a2 > 0.0 {
            let s = -(a1 + slope) / (2.0 * a2);
            if s > left && s < right {
                consider(s, None);
            }
        }
        consider(right, group);
        k_left += slope * (right - left);
        left = right;
        if group.is_none() {
            break;
        }
        // Every mover whose kink is here crosses it.
        while c < cuts.len() && cuts[c].0 == right {
            let m = &movers[cuts[c].1];
            let up = m.dv > 0.0;
            slope += m.slope(up) - m.slope(!up);
            c += 1;
        }
    }
    let at = match best.2 {
        Some(g) => cuts[g..].iter().take_while(|(s, _)| *s == cuts[g].0).map(|&(_, j)| j).collect(),
        None => Vec::new(),
    };
    (best.0, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::kinks::Side;

    fn mover(y0: f64, dv: f64, weight: f64, side: Side) -> Mover {
        Mover { y0, dv, piece: Piece::new(weight, 0.0, side), coord: 0 }
    }

    #[test]
    fn exact_minimum_over_breakpoints() {
        // s^2 - 3 s + |s - 1| (a mover from -1 at speed 1): s^2 - 4 s + 1
        // before 1 (falling all the way), s^2 - 2 s - 1 after (its vertex
        // is 1), so the minimum is the breakpoint itself.
        let (s, at) = minimize(&[mover(-1.0, 1.0, 1.0, Side::Both)], -3.0, 1.0, 10.0);
        assert_eq!((s, at), (1.0, vec![0]));
        // s^2 - 6 s + relu(s - 1): past 1 the slope is -5, vertex 2.5.
        let (s, at) = minimize(&[mover(-1.0, 1.0, 1.0, Side::Above)], -6.0, 1.0, 10.0);
        assert_eq!((s, at), (2.5, vec![]));
        // the end of the segment when the model keeps falling.
        assert_eq!(minimize(&[mover(-1.0, 1.0, 1.0, Side::Above)], -6.0, 0.0, 3.0).0, 3.0);
        // a kink at the start moving up costs its weight: 2 s - s (+ 0 s^2) rises.
        assert_eq!(minimize(&[mover(0.0, 1.0, 2.0, Side::Both)], -1.0, 0.0, 3.0).0, 0.0);
    }
}
