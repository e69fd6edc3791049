//! Evaluation of an all-scalar graph over any num-dual number type, as a
//! domain of the plan's walker: dual numbers give exact derivatives for
//! cross-checks, and the bounding layer runs it over intervals for
//! derivative ranges.

use crate::expr::{Func, Graph, NodeId};
use crate::plan::Plan;
use crate::plan::walk::{self, Binary, Domain, Reduce};
use crate::prim::point as func;
use crate::prim::special::Erf;
use crate::tensor::Shape;

/// The value of `root` with every parameter a scalar of type `T`, or `None`
/// if a node the root depends on is not a scalar (or is a matrix product).
/// `T` is any number type with the error function ([`Erf`]): `f64`,
/// [`Interval`](crate::Interval), and num-dual's `Dual`, `Dual2`, `Dual3`
/// and `HyperDual` over them.
pub fn eval_scalar<T: Erf>(graph: &Graph, root: NodeId, params: &[T]) -> Option<T> {
    let order = graph.reachable(root);
    if order.iter().any(|&id| graph.shape(id) != Shape::Scalar) {
        return None;
    }
    let plan = Plan::new(graph, root);
    let mut d = DualPass { plan: &plan, params, values: vec![None; plan.len()], failed: false };
    walk::forward(&plan, plan.order(), &mut d);
    if d.failed { None } else { d.values[root.index()].take() }
}

/// One pass: every reachable node's number.
struct DualPass<'a, T> {
    plan: &'a Plan,
    params: &'a [T],
    values: Vec<Option<T>>,
    failed: bool,
}

impl<T: Erf> DualPass<'_, T> {
    fn v(&self, id: NodeId) -> T {
        self.values[id.index()].clone().expect("children come first")
    }

    fn set(&mut self, out: NodeId, v: T) {
        self.values[out.index()] = Some(v);
    }
}

impl<T: Erf> Domain for DualPass<'_, T> {
    fn param(&mut self, out: NodeId, index: usize) {
        self.set(out, self.params[index].clone());
    }

    fn data(&mut self, out: NodeId, index: usize) {
        self.set(out, T::from(self.plan.data(index).item()));
    }

    fn constant(&mut self, out: NodeId, value: f64) {
        self.set(out, T::from(value));
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        self.set(out, -self.v(a));
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let (x, y) = (self.v(a), self.v(b));
        let v = match op {
            Binary::Add => x + y,
            Binary::Sub => x - y,
            Binary::Mul => x * y,
            Binary::Div => x / y,
        };
        self.set(out, v);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        self.set(out, self.v(a).powi(n));
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        self.set(out, self.v(a).powf(p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        self.set(out, func::apply(f, &self.v(a)));
    }

    fn reduce(&mut self, out: NodeId, _: Reduce, a: NodeId, _: Option<usize>) {
        // Of a scalar, every reduction is the identity.
        self.set(out, self.v(a));
    }

    fn matmul(&mut self, _: NodeId, _: NodeId, _: NodeId) {
        self.failed = true;
    }

    fn gather(&mut self, out: NodeId, a: NodeId, _: &[usize]) {
        // Every node is a scalar here: a gather takes its one element.
        self.set(out, self.v(a));
    }

    fn stopped(&self) -> bool {
        self.failed
    }
}
