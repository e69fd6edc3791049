//! The extraction cost: first the number of occurrences of parameters
//! (each occurrence of a varying input widens interval bounds: the
//! dependency problem), then the number of nonlinear primitives in a chain
//! (each is enclosed sharply on its own, but a composition of two is not:
//! `sigmoid(u)` bounds tighter than `(1 + exp(-u))^-1`), then the work of
//! evaluating the expression.

use egg::{CostFunction, Id, Language, RecExpr};

use super::analysis::{Domain, MathGraph, infer_shape};
use super::language::{Leaf, Math, Reduce};
use crate::expr::Func;
use crate::tensor::Shape;

/// The cost of a term, compared lexicographically: occurrences of
/// parameters in the term written as a tree, then its nonlinear primitives
/// (functions, powers other than non-negative integers, divisions by a
/// non-constant, logsumexp) counted in the tree form, then estimated work in
/// floating-point operations (each node's cost times its number of elements).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Cost {
    /// Occurrences of parameters, counted in the tree form.
    pub occurrences: f64,
    /// Nonlinear primitives, counted in the tree form.
    pub nonlinear: f64,
    /// Estimated floating-point work.
    pub work: f64,
}

impl Cost {
    const INFINITE: Cost = Cost { occurrences: f64::INFINITY, nonlinear: f64::INFINITY, work: f64::INFINITY };
}

/// The cost function, reading node shapes from the e-graph.
pub struct BoundsThenWork<'a> {
    /// The saturated e-graph.
    pub egraph: &'a MathGraph,
}

/// Work per element of a primitive, relative to an addition.
fn func_weight(f: Func) -> f64 {
    match f {
        Func::Abs | Func::Relu => 1.0,
        Func::Sqrt | Func::Rsqrt => 4.0,
        Func::Exp | Func::Log | Func::Log1p | Func::Expm1 | Func::Tanh => 20.0,
        Func::Cbrt | Func::Sin | Func::Cos | Func::Atan | Func::Tan | Func::Sinh | Func::Cosh => 25.0,
        Func::Erf => 30.0,
        Func::Sigmoid | Func::Softplus | Func::Swish => 25.0,
    }
}

/// The own cost of one node (occurrences, nonlinear primitives, work),
/// given its children's shapes and constants; `None` for a power whose
/// exponent is not constant (only a constant exponent can be built back
/// into a graph).
fn node_cost(
    domain: &Domain,
    node: &Math,
    shape_of: impl Fn(Id) -> Shape,
    constant_of: impl Fn(Id) -> Option<f64>,
) -> Option<(f64, f64, f64)> {
    let elements = infer_shape(domain, node, &shape_of).unwrap_or(Shape::Scalar).len() as f64;
    Some(match node {
        Math::Num(_) => (0.0, 0.0, 0.5),
        Math::Leaf(Leaf::Param(_)) => (1.0, 0.0, 1.0),
        Math::Leaf(Leaf::Data(_)) => (0.0, 0.0, 1.0),
        Math::Add(_) | Math::Sub(_) | Math::Mul(_) | Math::Neg(_) => (0.0, 0.0, elements),
        Math::Div([_, b]) => (0.0, if constant_of(*b).is_some() { 0.0 } else { 1.0 }, 4.0 * elements),
        Math::Pow([_, p]) => match constant_of(*p)? {
            2.0 => (0.0, 0.0, elements),
            p if p.fract() == 0.0 => (0.0, if p >= 0.0 { 0.0 } else { 1.0 }, 3.0 * elements),
            _ => (0.0, 1.0, 30.0 * elements),
        },
        Math::MatMul([a, _]) => {
            let inner = match shape_of(*a) {
                Shape::Matrix(_, k) | Shape::Vector(k) => k,
                Shape::Scalar => 1,
            };
            (0.0, 0.0, 2.0 * elements * inner as f64)
        }
        other => {
            if let Some((f, _)) = other.as_func() {
                (0.0, 1.0, func_weight(f) * elements)
            } else if let Some((kind, a, _)) = other.as_reduce() {
                let inputs = shape_of(a).len() as f64;
                if kind == Reduce::LogSumExp { (0.0, 1.0, 22.0 * inputs) } else { (0.0, 0.0, inputs) }
            } else {
                (0.0, 0.0, elements)
            }
        }
    })
}

fn total(own: Option<(f64, f64, f64)>, children: impl Iterator<Item = Cost>) -> Cost {
    let Some((occurrences, nonlinear, work)) = own else { return Cost::INFINITE };
    children.fold(Cost { occurrences, nonlinear, work }, |acc, c| Cost {
        occurrences: acc.occurrences + c.occurrences,
        nonlinear: acc.nonlinear + c.nonlinear,
        work: acc.work + c.work,
    })
}

impl CostFunction<Math> for BoundsThenWork<'_> {
    type Cost = Cost;

    fn cost<C>(&mut self, enode: &Math, mut costs: C) -> Cost
    where
        C: FnMut(Id) -> Cost,
    {
        let g = self.egraph;
        let own = node_cost(&g.analysis, enode, |i| g[i].data.shape, |i| g[i].data.constant);
        total(own, enode.children().iter().map(|&c| costs(c)))
    }
}

/// The cost of a term outside the e-graph (the original expression).
pub fn term_cost(domain: &Domain, expr: &RecExpr<Math>) -> Cost {
    let mut shapes: Vec<Shape> = Vec::with_capacity(expr.len());
    let mut costs: Vec<Cost> = Vec::with_capacity(expr.len());
    for node in expr.iter() {
        let shape_of = |i: Id| shapes[usize::from(i)];
        let constant_of = |i: Id| match expr[i] {
            Math::Num(c) => Some(c.get()),
            _ => None,
        };
        let own = node_cost(domain, node, shape_of, constant_of);
        let cost = total(own, node.children().iter().map(|&c| costs[usize::from(c)]));
        shapes.push(infer_shape(domain, node, shape_of).unwrap_or(Shape::Scalar));
        costs.push(cost);
    }
    costs.last().copied().unwrap_or(Cost::INFINITE)
}
