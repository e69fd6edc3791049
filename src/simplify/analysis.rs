//! The e-class analysis: what every class is known to satisfy, which the
//! rewrite rules' domain conditions read.
//!
//! For each class: its shape (rewrites never change it), its value when it
//! is a scalar constant (folded only when the f64 result is exact, so
//! folding never changes the function), an interval that holds its values
//! wherever it is defined (parameters range over the whole line, data over
//! their observed range), whether it is strictly positive, and whether it
//! is total (defined for every parameter value). Every node of a class has
//! the same domain, because no rule extends or shrinks one, so facts proven
//! for any node hold for the class: ranges intersect, flags combine by "or".

use egg::{Analysis, DidMerge, EGraph, Id};

use super::language::{Leaf, Math, Num, Reduce};
use crate::expr::{Func, Graph};
use crate::interval::Interval;
use crate::prim::{self, Prim, exact_sqrt};
use crate::tensor::Shape;

/// The e-graph of this layer.
pub type MathGraph = EGraph<Math, Domain>;

/// What is known of one e-class.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// The shape of every node of the class.
    pub shape: Shape,
    /// The value, when the class is a scalar constant.
    pub constant: Option<f64>,
    /// Encloses every value the class takes where it is defined.
    pub range: Interval,
    /// Strictly positive wherever defined (in exact arithmetic).
    pub positive: bool,
    /// Defined for every value of the parameters.
    pub total: bool,
}

impl Facts {
    /// `>= 0` wherever defined.
    pub fn nonneg(&self) -> bool {
        self.positive || self.range.lo() >= 0.0
    }

    /// `!= 0` wherever defined.
    pub fn nonzero(&self) -> bool {
        self.positive || !self.range.contains(0.0)
    }

    fn leaf(shape: Shape, range: Interval) -> Facts {
        Facts { shape, constant: None, range, positive: range.lo() > 0.0, total: true }
    }
}

/// The analysis: shapes of the graph's parameters, and shapes and ranges of
/// its data tensors.
#[derive(Clone, Debug, Default)]
pub struct Domain {
    params: Vec<Shape>,
    data: Vec<(Shape, Interval)>,
    /// Per gather table: its output shape, and how many elements its
    /// operand needs.
    gathers: Vec<(Shape, usize)>,
}

impl Domain {
    /// The leaves of `graph`.
    pub fn new(graph: &Graph) -> Self {
        let params = graph.params().iter().map(|p| p.shape).collect();
        let data = graph
            .data_tensors()
            .iter()
            .map(|d| {
                let v = d.value.data();
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let range =
                    if v.iter().any(|x| x.is_nan()) || v.is_empty() { Interval::ENTIRE } else { Interval::new(lo, hi) };
                (d.value.shape(), range)
            })
            .collect();
        let gathers = graph.gathers().iter().map(|g| (g.shape, g.index.iter().max().map_or(0, |&m| m + 1))).collect();
        Domain { params, data, gathers }
    }

    /// The facts of a leaf.
    fn leaf(&self, leaf: Leaf) -> Facts {
        match leaf {
            Leaf::Param(i) => Facts::leaf(self.params[i as usize], Interval::ENTIRE),
            Leaf::Data(i) => {
                let (shape, range) = self.data[i as usize];
                Facts::leaf(shape, range)
            }
        }
    }
}

/// The shape of `node` from its children's shapes; `None` if they do not fit.
pub fn infer_shape(domain: &Domain, node: &Math, shape_of: impl Fn(Id) -> Shape) -> Option<Shape> {
    match node {
        Math::Num(_) => Some(Shape::Scalar),
        Math::Leaf(l) => Some(domain.leaf(*l).shape),
        Math::Add([a, b]) | Math::Sub([a, b]) | Math::Mul([a, b]) | Math::Div([a, b]) => {
            shape_of(*a).broadcast(shape_of(*b))
        }
        Math::Pow([a, p]) => (shape_of(*p) == Shape::Scalar).then(|| shape_of(*a)),
        Math::MatMul([a, b]) => shape_of(*a).matmul(shape_of(*b)),
        Math::Neg(a) => Some(shape_of(*a)),
        Math::Gather(t, a) => {
            let &(shape, needs) = domain.gathers.get(t.0 as usize)?;
            (shape_of(*a).len() >= needs).then_some(shape)
        }
        other => {
            if let Some((_, a)) = other.as_func() {
                Some(shape_of(a))
            } else {
                let (_, a, axis) = other.as_reduce()?;
                shape_of(a).reduce(axis.map(usize::from))
            }
        }
    }
}

/// `a + b`, if the f64 sum is exact.
fn exact_add(a: f64, b: f64) -> Option<f64> {
    let s = a + b;
    // TwoSum: the rounding error of a + b.
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    (s.is_finite() && err == 0.0).then_some(s)
}

/// `a * b`, if the f64 product is exact.
fn exact_mul(a: f64, b: f64) -> Option<f64> {
    let p = a * b;
    (p.is_finite() && a.mul_add(b, -p) == 0.0).then_some(p)
}

/// `a / b`, if the f64 quotient is exact.
fn exact_div(a: f64, b: f64) -> Option<f64> {
    let q = a / b;
    (b != 0.0 && q.is_finite() && q.mul_add(b, -a) == 0.0).then_some(q)
}

/// `a^p`, if exact (small integer powers and exact square roots).
fn exact_pow(a: f64, p: f64) -> Option<f64> {
    match p {
        0.0 => Some(1.0),
        1.0 => Some(a),
        2.0 => exact_mul(a, a),
        -1.0 => exact_div(1.0, a),
        0.5 => exact_sqrt(a),
        _ => None,
    }
}

/// Facts of `f(a)`, from the primitive table.
fn func_facts(f: Func, a: &Facts) -> Facts {
    let r = a.range;
    let prim = Prim::of(f);
    let range = prim.value(r);
    // Where the operand may leave the domain, only values where it is
    // defined count: log and friends over the domain's part of the range.
    let range = match f {
        Func::Log | Func::Rsqrt | Func::Sqrt if !a.nonneg() => {
            r.intersect(Interval::new(0.0, f64::INFINITY)).map_or(range, |d| prim.value(d))
        }
        Func::Log1p if r.lo() < -1.0 => {
            r.intersect(Interval::new(-1.0, f64::INFINITY)).map_or(range, |d| prim.value(d))
        }
        _ => range,
    };
    let positive = prim::positive_image(f, a.positive, a.nonzero()) || range.lo() > 0.0;
    let total = a.total && prim::defined_given(f, a.positive, a.nonneg(), a.range);
    let shape = a.shape;
    let constant = a.constant.and_then(|c| prim::exact_value(f, c));
    Facts { shape, constant, range, positive, total }
}

/// Facts of a node whose children's facts are known.
pub fn make_facts(domain: &Domain, node: &Math, facts: impl Fn(Id) -> Facts) -> Facts {
    let shape_of = |i: Id| facts(i).shape;
    // A node the rules made with unfitting shapes would be a bug; the shape
    // check of every rule prevents it.
    let shape = infer_shape(domain, node, shape_of).unwrap_or(Shape::Scalar);
    let both = |a: &Id, b: &Id| (facts(*a), facts(*b));
    let consts = |x: &Facts, y: &Facts| x.constant.zip(y.constant);
    match node {
        Math::Num(c) => {
            let v = c.get();
            Facts { shape, constant: Some(v), range: Interval::point(v), positive: v > 0.0, total: true }
        }
        Math::Leaf(l) => domain.leaf(*l),
        Math::Add([a, b]) => {
            let (x, y) = both(a, b);
            let range = x.range + y.range;
            let positive = (x.positive && y.nonneg()) || (y.positive && x.nonneg()) || range.lo() > 0.0;
            let constant = consts(&x, &y).and_then(|(p, q)| exact_add(p, q));
            Facts { shape, constant, range, positive, total: x.total && y.total }
        }
        Math::Sub([a, b]) => {
            let (x, y) = both(a, b);
            let range = x.range - y.range;
            let constant = consts(&x, &y).and_then(|(p, q)| exact_add(p, -q));
            Facts { shape, constant, range, positive: range.lo() > 0.0, total: x.total && y.total }
        }
        Math::Mul([a, b]) => {
            let (x, y) = both(a, b);
            let range = x.range * y.range;
            let positive = (x.positive && y.positive) || range.lo() > 0.0;
            let constant = consts(&x, &y).and_then(|(p, q)| exact_mul(p, q));
            Facts { shape, constant, range, positive, total: x.total && y.total }
        }
        Math::Div([a, b]) => {
            let (x, y) = both(a, b);
            let range = x.range / y.range;
            let positive = (x.positive && y.positive) || range.lo() > 0.0;
            let constant = consts(&x, &y).and_then(|(p, q)| exact_div(p, q));
            Facts { shape, constant, range, positive, total: x.total && y.total && y.nonzero() }
        }
        Math::Neg(a) => {
            let x = facts(*a);
            let range = -x.range;
            Facts { shape, constant: x.constant.map(|c| -c), range, positive: range.lo() > 0.0, total: x.total }
        }
        Math::Pow([a, p]) => {
            let x = facts(*a);
            let Some(p) = facts(*p).constant else {
                return Facts { shape, constant: None, range: Interval::ENTIRE, positive: false, total: false };
            };
            let integer = p.fract() == 0.0;
            let range = if integer || x.nonneg() {
                x.range.powf(p)
            } else {
                x.range.intersect(Interval::new(0.0, f64::INFINITY)).map_or(Interval::ENTIRE, |d| d.powf(p))
            };
            let even = integer && (p / 2.0).fract() == 0.0;
            let positive = x.positive || (even && x.nonzero()) || range.lo() > 0.0;
            let total =
                x.total && if integer { p >= 0.0 || x.nonzero() } else { x.positive || (p > 0.0 && x.nonneg()) };
            let constant = x.constant.and_then(|c| exact_pow(c, p));
            Facts { shape, constant, range, positive, total }
        }
        Math::Gather(_, a) => {
            // The same elements: the same range; a constant only as a scalar.
            let x = facts(*a);
            let constant = if shape == Shape::Scalar { x.constant } else { None };
            Facts { shape, constant, ..x }
        }
        Math::MatMul([a, b]) => {
            let (x, y) = both(a, b);
            let inner = match x.shape {
                Shape::Matrix(_, k) | Shape::Vector(k) => k,
                Shape::Scalar => 1,
            };
            let range = (x.range * y.range).scale(inner as f64);
            Facts { shape, constant: None, range, positive: x.positive && y.positive, total: x.total && y.total }
        }
        other => {
            if let Some((f, a)) = other.as_func() {
                return Facts { shape, ..func_facts(f, &facts(a)) };
            }
            let Some((kind, a, _)) = other.as_reduce() else {
                unreachable!("every e-node is a leaf, an operation, a primitive or a reduction")
            };
            let x = facts(a);
            let n = (x.shape.len() / shape.len().max(1)).max(1) as f64;
            let scalar = x.shape == Shape::Scalar;
            let (range, positive) = match kind {
                Reduce::Sum => (x.range.scale(n), x.positive),
                Reduce::Mean => (x.range, x.positive),
                // max(v) <= logsumexp(v) <= max(v) + log(n).
                Reduce::LogSumExp => {
                    let r = Interval::new(x.range.lo(), (x.range + Interval::point(n).ln()).hi());
                    (r, r.lo() > 0.0)
                }
            };
            let constant = if scalar { x.constant } else { None };
            Facts { shape, constant, range, positive, total: x.total }
        }
    }
}

impl Analysis<Math> for Domain {
    type Data = Facts;

    fn make(egraph: &mut MathGraph, enode: &Math, _id: Id) -> Facts {
        make_facts(&egraph.analysis, enode, |i| egraph[i].data.clone())
    }

    fn merge(&mut self, to: &mut Facts, from: Facts) -> DidMerge {
        debug_assert_eq!(to.shape, from.shape, "a rewrite changed a shape");
        let old = to.clone();
        if to.constant.is_none() {
            to.constant = from.constant;
        }
        if let Some(r) = to.range.intersect(from.range) {
            to.range = r;
        }
        to.positive |= from.positive;
        to.total |= from.total;
        let to_changed = *to != old;
        let from_changed = *to != from;
        DidMerge(to_changed, from_changed)
    }

    fn modify(egraph: &mut MathGraph, id: Id) {
        if let Some(c) = egraph[id].data.constant {
            let n = egraph.add(Math::Num(Num::new(c)));
            egraph.union(id, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simplify::language::to_rec_expr;

    /// The facts of the root of `src` (one-variable inline form).
    fn facts(src: &str) -> Facts {
        let m = crate::lang::parse_inline(src).unwrap();
        let mut eg = MathGraph::new(Domain::new(&m.graph));
        let root = eg.add_expr(&to_rec_expr(&m.graph, m.loss));
        eg.rebuild();
        eg[root].data.clone()
    }

    #[test]
    fn folding_is_exact_only() {
        assert_eq!(facts("(2 + 3) * 0.5").constant, Some(2.5));
        assert_eq!(facts("x * 0").constant, None);
        let m = crate::lang::parse_inline("x").unwrap();
        let d = Domain::new(&m.graph);
        let c = |v: f64| Facts {
            shape: Shape::Scalar,
            constant: Some(v),
            range: Interval::point(v),
            positive: v > 0.0,
            total: true,
        };
        let k =
            |n: Math, a: f64, b: f64| make_facts(&d, &n, |i| if usize::from(i) == 0 { c(a) } else { c(b) }).constant;
        let (i0, i1) = (Id::from(0), Id::from(1));
        assert_eq!(k(Math::Add([i0, i1]), 2.0, 3.0), Some(5.0));
        assert_eq!(k(Math::Add([i0, i1]), 0.1, 0.2), None); // 0.1 + 0.2 rounds
        assert_eq!(k(Math::Mul([i0, i1]), 1.5, 4.0), Some(6.0));
        assert_eq!(k(Math::Div([i0, i1]), 1.0, 16.0), Some(1.0 / 16.0));
        assert_eq!(k(Math::Div([i0, i1]), 1.0, 3.0), None); // 1/3 rounds
        assert_eq!(k(Math::Pow([i0, i1]), 9.0, 0.5), Some(3.0));
        assert_eq!(k(Math::Pow([i0, i1]), 2.0, 0.5), None);
        assert_eq!(k(Math::Exp(i0), 0.0, 0.0), Some(1.0));
        assert_eq!(k(Math::Exp(i0), 1.0, 0.0), None);
    }

    #[test]
    fn signs_ranges_and_domains() {
        // (expression, positive, total, range contains)
        let cases = [
            ("exp(x)", true, true, 0.5),
            ("softplus(x) + x^2", true, true, 3.0),
            ("log(x)", false, false, -3.0),
            ("log(exp(x) + 1)", false, true, 2.0), // > 0, but exp's range reaches 0
            ("sqrt(x^2)", false, true, 2.0),
            ("1 / (1 + exp(-x))", true, true, 0.5),
            ("x^-1", false, false, -2.0),
            ("(x^2 + 1)^-1", true, true, 0.5),
            ("sigmoid(x) - 1", false, true, -0.5),
        ];
        for (src, positive, total, inside) in cases {
            let f = facts(src);
            assert_eq!((f.positive, f.total), (positive, total), "{src}: {f:?}");
            assert!(f.range.contains(inside), "{src}: {f:?}");
        }
        let f = facts("sigmoid(x) - 1");
        assert!(f.range.hi() <= 0.0 && f.range.lo() >= -1.0, "{f:?}");
    }
}
