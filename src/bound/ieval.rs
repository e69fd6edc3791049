//! Plain interval evaluation: every node's value range when the parameters
//! range over intervals, as a domain of the plan's walker. It bounds the
//! constant part of a graph rigorously, and gives the second range that
//! range propagation intersects with an enclosure's own.

use crate::expr::{Func, NodeId};
use crate::interval::Interval;
use crate::plan::Plan;
use crate::plan::walk::{Binary, Domain, Reduce};
use crate::prim::Prim;
use crate::tensor::ITensor;

/// One node's intervals, row-major, with its shape.
pub type IVal = Vec<Interval>;

/// Interval values of the nodes a walk visits, one slot per node of the
/// plan (`None` for those not visited).
pub struct IntervalDomain<'a> {
    plan: &'a Plan,
    params: &'a [IVal],
    /// The values so far, by node.
    pub vals: Vec<Option<IVal>>,
}

impl<'a> IntervalDomain<'a> {
    /// A pass over `plan` with parameter `i` ranging over `params[i]`.
    pub fn new(plan: &'a Plan, params: &'a [IVal]) -> Self {
        IntervalDomain { plan, params, vals: vec![None; plan.len()] }
    }

    fn get(&self, id: NodeId) -> &[Interval] {
        self.vals[id.index()].as_deref().expect("children are evaluated first")
    }

    fn set(&mut self, out: NodeId, v: IVal) {
        self.vals[out.index()] = Some(v);
    }

    fn map(&mut self, out: NodeId, a: NodeId, f: impl Fn(Interval) -> Interval) {
        let v = self.get(a).iter().map(|&x| f(x)).collect();
        self.set(out, v);
    }
}

impl Domain for IntervalDomain<'_> {
    fn param(&mut self, out: NodeId, index: usize) {
        self.set(out, self.params[index].clone());
    }

    fn data(&mut self, out: NodeId, index: usize) {
        let v = self.plan.data(index).data().iter().map(|&x| Interval::point(x)).collect();
        self.set(out, v);
    }

    fn constant(&mut self, out: NodeId, value: f64) {
        self.set(out, vec![Interval::point(value)]);
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        self.map(out, a, |x| -x);
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let (va, vb) = (self.get(a), self.get(b));
        let f = |x: Interval, y: Interval| match op {
            Binary::Add => x + y,
            Binary::Sub => x - y,
            Binary::Mul => x * y,
            Binary::Div => x / y,
        };
        let v = self.plan.pairs(out, a, b).into_iter().map(|(i, j)| f(va[i], vb[j])).collect();
        self.set(out, v);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        self.map(out, a, |x| x.powi(n));
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        self.map(out, a, |x| x.powf(p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        self.map(out, a, |x| Prim::of(f).value(x));
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let va = self.get(a);
        let v = self
            .plan
            .groups(a, axis)
            .iter()
            .map(|g| match op {
                Reduce::Sum => g.iter().map(|&e| va[e]).sum(),
                Reduce::Mean => g.iter().map(|&e| va[e]).sum::<Interval>() / g.len() as f64,
                Reduce::LogSumExp => {
                    // m + log(sum exp(x - m)) with m the largest lower end: exact shift.
                    let m = g.iter().map(|&e| va[e].lo()).fold(f64::NEG_INFINITY, f64::max);
                    if !m.is_finite() {
                        return Interval::ENTIRE;
                    }
                    let sum: Interval = g.iter().map(|&e| (va[e] - m).exp()).sum();
                    sum.ln() + m
                }
            })
            .collect();
        self.set(out, v);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let ta = ITensor::from_intervals(self.plan.shape(a), self.get(a));
        let tb = ITensor::from_intervals(self.plan.shape(b), self.get(b));
        self.set(out, ta.matmul(&tb).intervals());
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let va = self.get(a);
        let v = index.iter().map(|&i| va[i]).collect();
        self.set(out, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_inline;
    use crate::plan::walk;

    #[test]
    fn interval_evaluation_encloses_the_function() {
        let m = parse_inline("x * exp(-x) + logsumexp(x) - 1/(2 + x^2)").unwrap();
        let plan = Plan::new(&m.graph, m.loss);
        let x = Interval::new(-1.0, 2.0);
        let params = [vec![x]];
        let mut d = IntervalDomain::new(&plan, &params);
        walk::forward(&plan, plan.order(), &mut d);
        let r = d.vals[m.loss.index()].as_ref().unwrap()[0];
        for i in 0..=30 {
            let t = -1.0 + 3.0 * f64::from(i) / 30.0;
            let f = t * (-t).exp() + t - 1.0 / (2.0 + t * t);
            assert!(r.contains(f), "{r} misses {f}");
        }
    }
}
