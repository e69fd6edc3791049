//! Separable kink terms: a loss `smooth(x) + sum_i K_i(x_i)` where each
//! `K_i` is a sum of pieces `w |x_i - a|`, `w relu(x_i - a)` or
//! `w relu(a - x_i)` (`w >= 0`) on one scalar coordinate, recognised from
//! the graph. Proximal MM majorizes only the smooth part and keeps these
//! pieces exact; this module finds them and minimizes one coordinate's
//! quadratic model plus its pieces exactly.

use crate::bound::head::scalar;
use crate::expr::{Func, Graph, NodeId, Op};
use crate::interval::Interval;
use crate::tensor::{Shape, Tensor};

/// Which side of its centre a piece grows on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `w |x - a|`.
    Both,
    /// `w relu(x - a)`.
    Above,
    /// `w relu(a - x)`.
    Below,
}

/// One kink piece on a coordinate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    /// The weight `w >= 0` (rounded to nearest: the step models use it).
    pub weight: f64,
    /// How far the exact weight may be from `weight` (0 when exact: a
    /// weight such as `1/30` from a mean is rounded).
    pub weight_error: f64,
    /// The kink's place `a`, exactly where the graph's argument is 0.
    pub centre: f64,
    /// Where the piece grows.
    pub side: Side,
}

impl Piece {
    /// The piece `weight * side(x - centre)` with an exact weight.
    pub fn new(weight: f64, centre: f64, side: Side) -> Self {
        Piece { weight, weight_error: 0.0, centre, side }
    }

    /// The piece at `x`, rounded to nearest.
    pub fn value(&self, x: f64) -> f64 {
        let d = x - self.centre;
        self.weight
            * match self.side {
                Side::Both => d.abs(),
                Side::Above => d.max(0.0),
                Side::Below => (-d).max(0.0),
            }
    }

    /// An interval containing the piece's exact value at `x`.
    pub fn enclose(&self, x: f64) -> Interval {
        self.enclose_over(Interval::point(x))
    }

    /// An interval containing the piece's value at every point of `x`.
    pub fn enclose_over(&self, x: Interval) -> Interval {
        let d = x - Interval::point(self.centre);
        let v = match self.side {
            Side::Both => d.abs(),
            Side::Above => d.relu(),
            Side::Below => (-d).relu(),
        };
        v * (Interval::point(self.weight) + Interval::new(-self.weight_error, self.weight_error))
    }

    /// The slope on the open side `x > centre` (`right`) or `x < centre`.
    pub(crate) fn slope(&self, right: bool) -> f64 {
        match (self.side, right) {
            (Side::Both, true) | (Side::Above, true) => self.weight,
            (Side::Both, false) | (Side::Below, false) => -self.weight,
            _ => 0.0,
        }
    }

    /// The derivative at `x`, with the subgradient 0 at the kink (the
    /// convention of the graph's gradient).
    pub fn derivative(&self, x: f64) -> f64 {
        if x == self.centre { 0.0 } else { self.slope(x > self.centre) }
    }
}

/// The separable kink terms of a loss, and the rest of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Kinks {
    /// The pieces on each scalar coordinate (parameters flattened in order).
    pub pieces: Vec<Vec<Piece>>,
    /// The other summands of the loss, each with its sign: their sum is the
    /// smooth part (it may have kinks of its own, bounded as usual).
    pub smooth: Vec<(NodeId, f64)>,
    /// The summands recognised as kink terms.
    pub terms: Vec<NodeId>,
}

impl Kinks {
    /// The kink terms at `x` (flattened), enclosed, up to a constant (the
    /// constants beside their pieces are left out: steps compare values).
    pub fn enclose(&self, x: &[f64]) -> Interval {
        let mut s = Interval::ZERO;
        for (p, &xi) in self.pieces.iter().zip(x) {
            for piece in p {
                s += piece.enclose(xi);
            }
        }
        s
    }

    /// The gradient of the kink terms at `x` (subgradient 0 at a kink).
    pub fn gradient(&self, x: &[f64]) -> Vec<f64> {
        self.pieces.iter().zip(x).map(|(p, &xi)| p.iter().map(|q| q.derivative(xi)).sum()).collect()
    }
}

/// The separable kink terms of `root`, or `None` when it has none. A
/// summand of the loss (through `+`, `-` and negation) is a kink term when
/// it is `c * T`, `T / c` (`c > 0` a constant), `sum(E)`, `mean(E)` or a
/// scalar `E`, with `E` elementwise `W * abs(A)` or `W * relu(A)`, `W >= 0`
/// constant and `A = alpha * p + beta` affine in one parameter `p` of `E`'s
/// shape with constant `alpha != 0` and `beta`.
pub fn recognise(graph: &Graph, root: NodeId) -> Option<Kinks> {
    let mut summands = Vec::new();
    flatten(graph, root, 1.0, true, &mut summands);
    let offsets: Vec<usize> = graph
        .params()
        .iter()
        .scan(0, |o, p| {
            let at = *o;
            *o += p.shape.len();
            Some(at)
        })
        .collect();
    let n = graph.params().iter().map(|p| p.shape.len()).sum();
    let mut pieces = vec![Vec::new(); n];
    let mut smooth = Vec::new();
    let mut terms = Vec::new();
    for (id, sign) in summands {
        match (sign > 0.0).then(|| term(graph, id, Interval::ONE)).flatten() {
            Some(list) => {
                terms.push(id);
                for (param, e, piece) in list {
                    pieces[offsets[param] + e].push(piece);
                }
            }
            None => smooth.push((id, sign)),
        }
    }
    (!terms.is_empty()).then_some(Kinks { pieces, smooth, terms })
}

/// The summands of `id` with their signs, split through `+`, `-` and
/// negation (through `+` and `-` only between scalars when `scalar_only`;
/// otherwise the summands may be broadcast to `id`'s shape).
pub(crate) fn flatten(graph: &Graph, id: NodeId, sign: f64, scalar_only: bool, out: &mut Vec<(NodeId, f64)>) {
    let split = !scalar_only || graph.shape(id) == Shape::Scalar;
    match graph.node(id).op {
        Op::Add(a, b) if split => {
            flatten(graph, a, sign, scalar_only, out);
            flatten(graph, b, sign, scalar_only, out);
        }
        Op::Sub(a, b) if split => {
            flatten(graph, a, sign, scalar_only, out);
            flatten(graph, b, -sign, scalar_only, out);
        }
        Op::Neg(a) => flatten(graph, a, -sign, scalar_only, out),
        _ => out.push((id, sign)),
    }
}

/// A constant of the graph as `len` values broadcast to `shape`.
fn constant(graph: &Graph, id: NodeId, shape: Shape) -> Option<Vec<f64>> {
    if let Some(v) = scalar(graph, id) {
        return Some(vec![v; shape.len()]);
    }
    match graph.node(id).op {
        Op::Data(i) => {
            let t: &Tensor = &graph.data_tensors()[i].value;
            (t.shape() == shape).then(|| t.data().to_vec())
        }
        _ => None,
    }
}

/// A scalar kink term scaled by `scale` (an enclosure of the exact
/// factor): its pieces as (parameter, element, piece).
fn term(graph: &Graph, id: NodeId, scale: Interval) -> Option<Vec<(usize, usize, Piece)>> {
    let node = graph.node(id);
    match node.op {
        Op::Mul(a, b) => {
            let (c, t) = match (scalar(graph, a), scalar(graph, b)) {
                (Some(c), _) => (c, b),
                (_, Some(c)) => (c, a),
                _ => return None,
            };
            (c >= 0.0).then(|| term(graph, t, scale * Interval::point(c))).flatten()
        }
        Op::Div(a, b) => {
            let c = scalar(graph, b)?;
            (c > 0.0).then(|| term(graph, a, scale / Interval::point(c))).flatten()
        }
        Op::Sum(e, None) => elementwise(graph, e, scale),
        Op::Mean(e, None) => elementwise(graph, e, scale / Interval::point(graph.shape(e).len() as f64)),
        Op::Func(Func::Abs | Func::Relu, _) | Op::Add(..) if node.shape == Shape::Scalar => {
            elementwise(graph, id, scale)
        }
        _ => None,
    }
}

/// `scale * sum_e E_e` for an elementwise kink expression `E` (nothing is
/// allocated before `E` is known to be of a parameter's shape).
fn elementwise(graph: &Graph, id: NodeId, scale: Interval) -> Option<Vec<(usize, usize, Piece)>> {
    let shape = graph.shape(id);
    match graph.node(id).op {
        Op::Mul(a, b) => {
            let (w, e) = if graph.node(a).varying { (b, a) } else { (a, b) };
            if graph.shape(e) != shape {
                return None;
            }
            let mut out = elementwise(graph, e, scale)?;
            let w = constant(graph, w, shape)?;
            for (_, el, piece) in &mut out {
                let exact = (Interval::point(piece.weight) + Interval::new(-piece.weight_error, piece.weight_error))
                    * Interval::point(w[*el]);
                *piece = with_weight(*piece, exact)?;
            }
            Some(out)
        }
        // A constant beside the pieces (`max(w, c) = c + relu(w - c)`) moves
        // the loss by a constant, which no step depends on: it is left out.
        Op::Add(a, b) if !graph.node(a).varying && graph.shape(b) == shape => elementwise(graph, b, scale),
        Op::Add(a, b) if !graph.node(b).varying && graph.shape(a) == shape => elementwise(graph, a, scale),
        Op::Func(f @ (Func::Abs | Func::Relu), a) => {
            let (param, alpha, centre) = affine(graph, a)?;
            let mut out = Vec::with_capacity(alpha.len());
            for (e, (al, m)) in alpha.into_iter().zip(centre).enumerate() {
                // |alpha (x - m)| = |alpha| |x - m|; relu likewise, on alpha's side.
                let side = match f {
                    Func::Abs => Side::Both,
                    _ if al > 0.0 => Side::Above,
                    _ => Side::Below,
                };
                let piece = with_weight(Piece::new(0.0, m, side), scale * Interval::point(al.abs()))?;
                out.push((param, e, piece));
            }
            Some(out)
        }
        _ => None,
    }
}

/// `piece` with its weight the enclosure `w` (its nearest double and the
/// distance to its ends), if `w` is finite and `>= 0`.
fn with_weight(piece: Piece, w: Interval) -> Option<Piece> {
    if !(w.lo() >= 0.0 && w.hi().is_finite()) {
        return None;
    }
    let weight = w.mid();
    let weight_error = (weight - w.lo()).max(w.hi() - weight).next_up();
    Some(Piece { weight, weight_error: if w.lo() == w.hi() { 0.0 } else { weight_error }, ..piece })
}

/// `v` if the interval is the one double `v` (an operation that did not round).
fn exact(v: Interval) -> Option<f64> {
    (v.lo() == v.hi() && v.lo().is_finite()).then_some(v.lo())
}

/// `A = alpha * (p - m)`, elementwise, for a parameter `p` of `A`'s shape,
/// with `alpha != 0` and the kink `m` exact: every step of the
/// construction must be free of rounding, so that `m` is exactly where the
/// graph's `A` (in exact arithmetic) is 0. (`3 * (w - 0.1)` is taken, its
/// kink 0.1; `3 * w - 0.3` is not, 0.3 / 3 being inexact.)
fn affine(graph: &Graph, id: NodeId) -> Option<(usize, Vec<f64>, Vec<f64>)> {
    let shape = graph.shape(id);
    let pt = Interval::point;
    // (Every level keeps the parameter's shape: no broadcast, nothing large allocated.)
    let with_const = |a: NodeId, c: NodeId| {
        (graph.shape(a) == shape).then_some(())?;
        Some((affine(graph, a)?, constant(graph, c, shape)?))
    };
    // alpha (x - m) + sign * c = alpha (x - (m - sign * c / alpha))
    let shift = |(p, al, m): (usize, Vec<f64>, Vec<f64>), c: Vec<f64>, sign: f64| {
        let m: Option<Vec<f64>> =
            al.iter().zip(&m).zip(&c).map(|((&a, &m), &c)| exact(pt(m) - pt(sign * c) / pt(a))).collect();
        Some((p, al, m?))
    };
    match graph.node(id).op {
        Op::Param(i) => (graph.params()[i].shape == shape).then(|| (i, vec![1.0; shape.len()], vec![0.0; shape.len()])),
        Op::Neg(a) => {
            let (p, al, m) = affine(graph, a)?;
            Some((p, al.iter().map(|v| -v).collect(), m))
        }
        Op::Add(a, b) => {
            let (lin, c) = with_const(a, b).or_else(|| with_const(b, a))?;
            shift(lin, c, 1.0)
        }
        Op::Sub(a, b) => {
            if let Some((lin, c)) = with_const(a, b) {
                return shift(lin, c, -1.0);
            }
            // c - alpha (x - m) = -alpha (x - m) + c
            let ((p, al, m), c) = with_const(b, a)?;
            shift((p, al.iter().map(|v| -v).collect(), m), c, 1.0)
        }
        Op::Mul(a, b) => {
            let (k, e) = match (scalar(graph, a), scalar(graph, b)) {
                (Some(k), _) => (k, b),
                (_, Some(k)) => (k, a),
                _ => return None,
            };
            (graph.shape(e) == shape && k != 0.0).then_some(())?;
            let (p, al, m) = affine(graph, e)?;
            let al: Option<Vec<f64>> = al.iter().map(|&v| exact(pt(v) * pt(k))).collect();
            Some((p, al?, m))
        }
        _ => None,
    }
}

/// `argmin_y  b (y - x0) + m (y - x0)^2 + sum_p p(y)` over `y` in `[lo, hi]`:
/// the exact minimizer of a 1-D piecewise quadratic, from the candidates
/// the ends, the kinks inside and each linear stretch's stationary point.
/// A kink is returned exactly (so the coordinate lands on it); `start` is
/// returned unless a candidate is strictly better, so the value never rises.
pub fn argmin_1d(b: f64, m: f64, pieces: &[Piece], x0: f64, start: f64, lo: f64, hi: f64) -> f64 {
    let f = |y: f64| {
        let d = y - x0;
        b * d + m * d * d + pieces.iter().map(|p| p.value(y)).sum::<f64>()
    };
    let mut cuts: Vec<f64> = pieces.iter().map(|p| p.centre).filter(|c| *c > lo && *c < hi).collect();
    cuts.sort_by(f64::total_cmp);
    let mut best = (f(start), start);
    let mut consider = |y: f64| {
        if y.is_finite() && (lo..=hi).contains(&y) {
            let v = f(y);
            if v < best.0 {
                best = (v, y);
            }
        }
    };
    for &c in &cuts {
        consider(c);
    }
    consider(lo);
    consider(hi);
    if m > 0.0 {
        let mut left = lo;
        for right in cuts.iter().copied().chain([hi]) {
            // On (left, right) every piece is linear.
            let mid = 0.5 * (left + right);
            let slope: f64 = pieces.iter().map(|p| p.derivative(mid)).sum();
            let y = x0 - (b + slope) / (2.0 * m);
            consider(y.clamp(left, right));
            left = right;
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{self, parse_inline};

    fn abs_at(weight: f64, centre: f64) -> Piece {
        Piece::new(weight, centre, Side::Both)
    }

    #[test]
    fn soft_thresholding() {
        // argmin_y (y - 3)^2 + 1 * |y|: y = 3 - 1/2.
        assert_eq!(argmin_1d(0.0, 1.0, &[abs_at(1.0, 0.0)], 3.0, 3.0, -10.0, 10.0), 2.5);
        // argmin_y (y - 0.3)^2 + |y|: the threshold 1/2 exceeds 0.3, so y = 0 exactly.
        assert_eq!(argmin_1d(0.0, 1.0, &[abs_at(1.0, 0.0)], 0.3, 0.3, -10.0, 10.0), 0.0);
        // from x0 = 0, b = -2, m = 1: (y - 1)^2 + 0.5 |y| + const, y = 1 - 1/4.
        assert_eq!(argmin_1d(-2.0, 1.0, &[abs_at(0.5, 0.0)], 0.0, 0.0, -5.0, 5.0), 0.75);
        // the box clips: y in [-0.5, 0.5].
        assert_eq!(argmin_1d(-2.0, 1.0, &[abs_at(0.5, 0.0)], 0.0, 0.0, -0.5, 0.5), 0.5);
        // a one-sided piece: (y - 2)^2 + 3 relu(y - 1): y = 1 (slope -2 + 3 > 0 past 1).
        let above = Piece::new(3.0, 1.0, Side::Above);
        assert_eq!(argmin_1d(0.0, 1.0, &[above], 2.0, 2.0, -5.0, 5.0), 1.0);
        // a concave model: -y^2 + |y| over [-1, 2] from 0: the far end 2.
        assert_eq!(argmin_1d(0.0, -1.0, &[abs_at(1.0, 0.0)], 0.0, 0.0, -1.0, 2.0), 2.0);
    }

    #[test]
    fn recognises_the_penalties() {
        let m = parse_inline("(x - 1)^2 + 0.1 * abs(x) + relu(y - 2) / 4 + 3 * abs(1 - y) - abs(x)").unwrap();
        let k = recognise(&m.graph, m.loss).unwrap();
        let (x, y) = (m.graph.param_index("x").unwrap(), m.graph.param_index("y").unwrap());
        assert_eq!(k.pieces[x], vec![abs_at(0.1, 0.0)]);
        let mut on_y = k.pieces[y].clone();
        on_y.sort_by(|a, b| a.centre.total_cmp(&b.centre));
        assert_eq!(on_y, vec![abs_at(3.0, 1.0), Piece::new(0.25, 2.0, Side::Above)]);
        // (x - 1)^2 and the subtracted abs(x) stay in the smooth part.
        assert_eq!(k.smooth.len(), 2);
        // max with a constant: 2 + relu(x - 2), a piece beside a constant.
        let m = parse_inline("(x - 1)^2 + 0.5 * max(x, 2)").unwrap();
        let k = recognise(&m.graph, m.loss).unwrap();
        assert_eq!(k.pieces[0], vec![Piece::new(0.5, 2.0, Side::Above)]);
        // Kinks are exact: 3 (x - 0.1) is 0 at the double 0.1; 3 x - 0.3 at
        // no double (0.3 / 3 is inexact), so it is left to the bound.
        let m = parse_inline("(x - 1)^2 + abs(3 * (x - 0.1))").unwrap();
        assert_eq!(recognise(&m.graph, m.loss).unwrap().pieces[0], vec![abs_at(3.0, 0.1)]);
        let m = parse_inline("(x - 1)^2 + abs(3 * x - 0.3)").unwrap();
        assert!(recognise(&m.graph, m.loss).is_none());
        // A mean's weight 1/3 is rounded: its error is kept.
        let m = lang::parse_program("t", "param w[3] = 0\nminimize sum(w^2) + mean(abs(w))", std::path::Path::new("."))
            .unwrap();
        let p = recognise(&m.graph, m.loss).unwrap().pieces[0][0];
        assert!(p.weight_error > 0.0 && (p.weight - 1.0 / 3.0).abs() <= p.weight_error, "{p:?}");
        let plain = parse_inline("(x - 1)^2 + abs(x * y)").unwrap();
        assert!(recognise(&plain.graph, plain.loss).is_none());
    }
}
