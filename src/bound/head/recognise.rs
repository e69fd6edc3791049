//! Loss heads recognised in a (simplified) graph: the loss as a sum of
//! weighted scalar summands, some of which are a softmax cross-entropy or
//! a squared error of one tensor node (the network's outputs).

use crate::expr::{Graph, NodeId, Op};
use crate::interval::Interval;
use crate::tensor::Shape;

/// What a head computes from its input `Z` and its constant targets `Y`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `sum_i (logsumexp(Z_i) - sum_j Y_ij Z_ij)` over the rows `Z_i` of a
    /// matrix `Z` (or the single row of a vector `Z`), `Y` of `Z`'s shape.
    /// Nothing is assumed of `Y`'s rows (one-hot targets sum to 1).
    SoftmaxCe,
    /// `sum_e (Z_e - Y_e)^2` over every element, `Y` of `Z`'s shape or a scalar.
    SquaredError,
}

/// One head: the summand `weight * kind(input, targets)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Head {
    /// The kind.
    pub kind: Kind,
    /// The scalar summand node of the graph that the head is.
    pub node: NodeId,
    /// `Z`: the logits (rows of classes) or the predictions.
    pub input: NodeId,
    /// `Y`: a constant node (not varying) of `Z`'s shape, or a scalar for
    /// [`Kind::SquaredError`].
    pub targets: NodeId,
    /// An enclosure of the exact factor in front of `node` in the loss, `> 0`.
    pub factor: Interval,
    /// An enclosure of the exact factor in front of the sum over rows (or
    /// elements): `factor`, times `1 / n` when `node` is a mean of `n`.
    pub weight: Interval,
}

/// The loss split into heads and the rest: `loss = sum(heads) + sum_r
/// w_r * rest_r`, exactly.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Heads {
    /// The recognised heads (at least one).
    pub heads: Vec<Head>,
    /// Every other summand, with an enclosure of its exact factor (any sign).
    pub rest: Vec<(NodeId, Interval)>,
}

/// The heads of the scalar `root`, or `None` when it has none. The loss is
/// split through scalar `+`, `-`, negation, and multiplication or division
/// by a scalar constant; a summand with a positive factor is a head when it
/// is `mean(H)` or `sum(H)` (all elements) of a vector of row losses `H`,
/// or a row loss itself, with
///
/// - `H = logsumexp(Z, 1) - sum(Y * Z, 1)` (either factor order), `Z` a
///   varying matrix (or `logsumexp(Z) - sum(Y * Z)` of a vector `Z`);
/// - `H = (Z - Y)^2` or `(Y - Z)^2`, `Z` varying (then the mean or sum runs
///   over every element).
pub(crate) fn recognise(graph: &Graph, root: NodeId) -> Option<Heads> {
    if graph.shape(root) != Shape::Scalar {
        return None;
    }
    let mut summands = Vec::new();
    summands_of(graph, root, Interval::ONE, &mut summands);
    let (mut heads, mut rest) = (Vec::new(), Vec::new());
    for (id, w) in summands {
        match (w.lo() > 0.0).then(|| head(graph, id, w)).flatten() {
            Some(h) => heads.push(h),
            None => rest.push((id, w)),
        }
    }
    (!heads.is_empty()).then_some(Heads { heads, rest })
}

/// The scalar summands of `id` with enclosures of their exact factors.
fn summands_of(graph: &Graph, id: NodeId, w: Interval, out: &mut Vec<(NodeId, Interval)>) {
    let one = graph.shape(id) == Shape::Scalar;
    match graph.node(id).op {
        Op::Add(a, b) if one => {
            summands_of(graph, a, w, out);
            summands_of(graph, b, w, out);
        }
        Op::Sub(a, b) if one => {
            summands_of(graph, a, w, out);
            summands_of(graph, b, -w, out);
        }
        Op::Neg(a) => summands_of(graph, a, -w, out),
        Op::Mul(a, b) if one => match (scalar(graph, a), scalar(graph, b)) {
            (Some(c), _) => summands_of(graph, b, w * c, out),
            (_, Some(c)) => summands_of(graph, a, w * c, out),
            _ => out.push((id, w)),
        },
        Op::Div(a, b) if one && scalar(graph, b).is_some_and(|c| c != 0.0) => {
            let c = scalar(graph, b).unwrap_or(1.0);
            summands_of(graph, a, w / Interval::point(c), out);
        }
        _ => out.push((id, w)),
    }
}

/// A scalar constant of the graph (a number, or its negation).
pub(crate) fn scalar(graph: &Graph, id: NodeId) -> Option<f64> {
    match graph.node(id).op {
        Op::Const(c) => Some(c.get()),
        Op::Neg(a) => scalar(graph, a).map(|v| -v),
        _ => None,
    }
}

/// The summand `id` (with factor `w`) as a head.
fn head(graph: &Graph, id: NodeId, w: Interval) -> Option<Head> {
    let (inner, weight) = match graph.node(id).op {
        Op::Mean(h, None) => (h, w / Interval::point(graph.shape(h).len() as f64)),
        Op::Sum(h, None) => (h, w),
        _ => (id, w),
    };
    let (kind, input, targets) = softmax_ce(graph, inner).or_else(|| squared_error(graph, inner))?;
    Some(Head { kind, node: id, input, targets, factor: w, weight })
}

/// `logsumexp(Z, 1) - sum(Y * Z, 1)` (rows of a matrix) or
/// `logsumexp(Z) - sum(Y * Z)` (a vector).
fn softmax_ce(graph: &Graph, id: NodeId) -> Option<(Kind, NodeId, NodeId)> {
    let Op::Sub(l, s) = graph.node(id).op else { return None };
    let (Op::LogSumExp(z, ax), Op::Sum(p, ax2)) = (graph.node(l).op, graph.node(s).op) else { return None };
    let rows = match graph.shape(z) {
        Shape::Matrix(..) => ax == Some(1),
        Shape::Vector(_) => ax.is_none() || ax == Some(0),
        Shape::Scalar => false,
    };
    if !rows || ax2 != ax {
        return None;
    }
    let Op::Mul(x, y) = graph.node(p).op else { return None };
    let targets = if x == z {
        y
    } else if y == z {
        x
    } else {
        return None;
    };
    let ok = graph.node(z).varying && !graph.node(targets).varying && graph.shape(targets) == graph.shape(z);
    ok.then_some((Kind::SoftmaxCe, z, targets))
}

/// `(Z - Y)^2` or `(Y - Z)^2`, `Z` varying and `Y` constant.
fn squared_error(graph: &Graph, id: NodeId) -> Option<(Kind, NodeId, NodeId)> {
    let Op::PowI(d, 2) = graph.node(id).op else { return None };
    let Op::Sub(a, b) = graph.node(d).op else { return None };
    let (z, y) = match (graph.node(a).varying, graph.node(b).varying) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => return None,
    };
    let fits = graph.shape(y) == graph.shape(z) || graph.shape(y) == Shape::Scalar;
    (fits && graph.shape(d) == graph.shape(z)).then_some((Kind::SquaredError, z, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_program;
    use crate::simplify::Simplifier;

    /// The bench heads, after simplification: (loss, kinds of the heads,
    /// number of other summands, first head's weight as a formula).
    #[test]
    fn recognises_the_bench_heads() {
        let data = "data X = [[1, 2], [3, 4], [5, 6]]\ndata y = [0, 1, 1]\ndata t = [0.5, -1, 2]\n\
                    param W[2, 2] = 0.1\nparam w[2] = 0.2\nparam b = 0\n";
        #[rustfmt::skip]
        let cases: &[(&str, &[Kind], usize, f64)] = &[
            ("mean(logsumexp(X @ W, 1) - sum(onehot(y, 2) * (X @ W), 1))", &[Kind::SoftmaxCe], 0, 1.0 / 3.0),
            ("mean(logsumexp(X @ W, 1) - sum(onehot(y, 2) * (X @ W), 1)) + 1e-3 * sum(W^2)",
                &[Kind::SoftmaxCe], 1, 1.0 / 3.0),
            ("2 * sum(logsumexp(X @ W, 1) - sum((X @ W) * onehot(y, 2), 1))", &[Kind::SoftmaxCe], 0, 2.0),
            ("0.5 * mean((X @ w + b - t)^2) + 0.01 * sum(w^2)", &[Kind::SquaredError], 1, 0.5 / 3.0),
            ("mean((t - tanh(X @ w))^2) / 4", &[Kind::SquaredError], 0, 1.0 / 12.0),
            ("mean((X - X @ W)^2)", &[Kind::SquaredError], 0, 1.0 / 6.0),
            // A negative factor is not a majorizable head.
            ("-mean((X @ w - t)^2) + sum(w^2)", &[], 0, 0.0),
            ("sum(w^2)", &[], 0, 0.0),
        ];
        for &(loss, kinds, rest, weight) in cases {
            let text = format!("{data}minimize {loss}\n");
            let m = parse_program("test", &text, std::path::Path::new(".")).unwrap();
            let s = Simplifier::default().run(&m.graph, m.loss);
            let found = recognise(&s.graph, s.root);
            let got: Vec<Kind> = found.iter().flat_map(|h| h.heads.iter().map(|h| h.kind)).collect();
            assert_eq!(got, kinds, "{loss}");
            if let Some(h) = found {
                assert_eq!(h.rest.len(), rest, "{loss}");
                assert!(h.heads[0].weight.contains(weight) && h.heads[0].weight.width() < 1e-15, "{loss}");
                let head = &h.heads[0];
                assert!(s.graph.node(head.input).varying && !s.graph.node(head.targets).varying, "{loss}");
            }
        }
    }
}
