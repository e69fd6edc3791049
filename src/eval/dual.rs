//! Evaluation of a graph over any num-dual number type, as a domain of the
//! plan's walker: each node holds a tensor of numbers ([`TensorOf`]),
//! computed with the semantics of the f64 value domain (broadcasting,
//! reductions over all elements or one axis, matrix products, gathers).
//! Dual numbers give exact derivatives for cross-checks; over intervals it
//! gives ranges.

use num_dual::Dual64;

use super::dual_ops::{self as ops, TensorOf};
use crate::expr::{Func, Graph, NodeId};
use crate::plan::Plan;
use crate::plan::walk::{self, Binary, Domain, Reduce};
use crate::prim::point as func;
use crate::prim::special::Erf;
use crate::tensor::{Shape, Tensor};

/// The value of the scalar node `root` with parameter `i`'s elements
/// (row-major) in `params[i]`, each of type `T`; `None` if `params` does
/// not have one list per parameter of the graph with one element per entry
/// of its shape, or if `root` is not a scalar.
///
/// `T` is any number type with the error function ([`Erf`]): `f64`,
/// [`Interval`](crate::Interval), and num-dual's `Dual`, `Dual2`, `Dual3`
/// and `HyperDual` over them. Every node the root depends on is computed
/// in `T`, constants and data included (data enter as `T::from`). Branches
/// (a kink, the shift of a log-sum-exp) are decided on real parts.
///
/// # Example
/// The derivative of `f(W) = sum((W @ x)^2)` along `V` is
/// `2 (W x) . (V x)`:
/// ```
/// use majorize::eval::eval_dual;
/// use majorize::{Graph, Shape, Tensor};
/// use num_dual::Dual64;
/// let mut g = Graph::new();
/// let w = g.param("W", Shape::Matrix(2, 2)).unwrap();
/// let x = g.data("x", Tensor::vector(vec![1.0, -2.0])).unwrap();
/// let z = g.matmul(w, x).unwrap();
/// let sq = g.powi(z, 2);
/// let loss = g.sum(sq, None).unwrap();
/// // W = [[1, 2], [3, 4]], V = [[1, 0], [0, 1]]: W x = (-3, -5), V x = (1, -2).
/// let seeds = [1.0, 2.0, 3.0, 4.0].iter().zip([1.0, 0.0, 0.0, 1.0]).map(|(&w, v)| Dual64::new(w, v));
/// let f = eval_dual(&g, loss, &[seeds.collect()]).unwrap();
/// assert_eq!((f.re, f.eps), (9.0 + 25.0, 2.0 * (-3.0 * 1.0 + -5.0 * -2.0)));
/// ```
pub fn eval_dual<T: Erf>(graph: &Graph, root: NodeId, params: &[Vec<T>]) -> Option<T> {
    let shapes = graph.params();
    let fits = params.len() == shapes.len() && params.iter().zip(shapes).all(|(p, s)| p.len() == s.shape.len());
    if !fits || graph.shape(root) != Shape::Scalar {
        return None;
    }
    let plan = Plan::new(graph, root);
    let mut d = DualPass { plan: &plan, params, vals: vec![None; plan.len()] };
    walk::forward(&plan, plan.order(), &mut d);
    d.vals[root.index()].take().and_then(|t| t.data.into_iter().next())
}

/// The value of the scalar node `root` with every parameter a scalar of
/// type `T` (see [`eval_dual`] for the number types); `None` if a
/// parameter is not a scalar, if `params` does not have one number per
/// parameter, or if `root` is not a scalar. Data and the nodes computed
/// from them may be tensors.
pub fn eval_scalar<T: Erf>(graph: &Graph, root: NodeId, params: &[T]) -> Option<T> {
    let params: Vec<Vec<T>> = params.iter().map(|p| vec![p.clone()]).collect();
    eval_dual(graph, root, &params)
}

/// The value of the scalar node `root` at `x0` and its derivative along
/// `v` (`h(0)` and `h'(0)` for `h(z) = f(x0 + z v)`), by [`eval_dual`] with
/// the seeds `Dual64::new(x0, v)`, element by element: forward mode, an
/// independent check of the reverse-mode gradient. `None` if `x0` or `v`
/// do not have one tensor per parameter, shaped as the graph says, or if
/// `root` is not a scalar.
pub fn directional_derivative(graph: &Graph, root: NodeId, x0: &[Tensor], v: &[Tensor]) -> Option<(f64, f64)> {
    let shapes = graph.params();
    let fits = |t: &[Tensor]| t.len() == shapes.len() && t.iter().zip(shapes).all(|(t, p)| t.shape() == p.shape);
    if !fits(x0) || !fits(v) {
        return None;
    }
    let seed = |(x, v): (&Tensor, &Tensor)| x.data().iter().zip(v.data()).map(|(&x, &v)| Dual64::new(x, v)).collect();
    let params: Vec<Vec<Dual64>> = x0.iter().zip(v).map(seed).collect();
    eval_dual(graph, root, &params).map(|d| (d.re, d.eps))
}

/// One pass: every reachable node's tensor.
struct DualPass<'a, T> {
    plan: &'a Plan,
    params: &'a [Vec<T>],
    vals: Vec<Option<TensorOf<T>>>,
}

impl<T: Erf> DualPass<'_, T> {
    fn get(&self, id: NodeId) -> &TensorOf<T> {
        self.vals[id.index()].as_ref().expect("children come first")
    }

    /// Sets `out`'s elements (of `out`'s shape).
    fn set(&mut self, out: NodeId, data: Vec<T>) {
        self.vals[out.index()] = Some(TensorOf::new(self.plan.shape(out), data));
    }

    fn map(&mut self, out: NodeId, a: NodeId, f: impl Fn(&T) -> T) {
        let t = self.get(a).map(f);
        self.vals[out.index()] = Some(t);
    }
}

impl<T: Erf> Domain for DualPass<'_, T> {
    fn param(&mut self, out: NodeId, index: usize) {
        self.set(out, self.params[index].clone());
    }

    fn data(&mut self, out: NodeId, index: usize) {
        self.set(out, self.plan.data(index).data().iter().map(|&x| T::from(x)).collect());
    }

    fn constant(&mut self, out: NodeId, value: f64) {
        self.set(out, vec![T::from(value)]);
    }

    fn neg(&mut self, out: NodeId, a: NodeId) {
        self.map(out, a, |x| -x.clone());
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let (x, y) = (&self.get(a).data, &self.get(b).data);
        let f = |x: &T, y: &T| match op {
            Binary::Add => x.clone() + y,
            Binary::Sub => x.clone() - y,
            Binary::Mul => x.clone() * y,
            Binary::Div => x.clone() / y,
        };
        let v = self.plan.pairs(out, a, b).into_iter().map(|(i, j)| f(&x[i], &y[j])).collect();
        self.set(out, v);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        self.map(out, a, |x| x.powi(n));
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        self.map(out, a, |x| ops::powf_checked(x, p));
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        self.map(out, a, |x| func::apply(f, x));
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let x = &self.get(a).data;
        let v = self.plan.groups(a, axis).iter().map(|g| ops::reduce(op, x, g)).collect();
        self.set(out, v);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let t = self.get(a).matmul(self.get(b));
        self.set(out, t.data);
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let x = &self.get(a).data;
        let v = index.iter().map(|&i| x[i].clone()).collect();
        self.set(out, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sel;

    /// `f(W, v) = sum(logsumexp((W + v) * c, axis 1)) + sum((W @ v)^2) + W^T[2, 1]`
    /// with `W[2, 3]`, `v[3]` parameters and `c[2, 1]` data.
    fn model() -> (Graph, NodeId) {
        let mut g = Graph::new();
        let w = g.param("W", Shape::Matrix(2, 3)).unwrap();
        let v = g.param("v", Shape::Vector(3)).unwrap();
        let c = g.data("c", Tensor::new(Shape::Matrix(2, 1), vec![1.0, 2.0])).unwrap();
        let rows = g.add(w, v).unwrap();
        let cols = g.mul(rows, c).unwrap();
        let lse = g.logsumexp(cols, Some(1)).unwrap();
        let z = g.matmul(w, v).unwrap();
        let zz = g.powi(z, 2);
        let wt = g.transpose(w);
        let pick = g.select(wt, &[Sel::At(2), Sel::At(1)]).unwrap();
        let (l, q) = (g.sum(lse, None).unwrap(), g.sum(zz, None).unwrap());
        let lq = g.add(l, q).unwrap();
        let f = g.add(lq, pick).unwrap();
        (g, f)
    }

    #[test]
    fn tensor_graph_values_and_directional_derivatives() {
        let (g, f) = model();
        // W = [[0, 1, 2], [-1, 0.5, 1]], v = (1, -1, 0.5): the rows of
        // (W + v) * c are (1, 0, 2.5) and 2 (0, -0.5, 1.5) = (0, -1, 3);
        // W v = (0 - 1 + 1, -1 - 0.5 + 0.5) = (0, -1); W^T[2, 1] = W[1, 2] = 1.
        let x0 = [
            Tensor::new(Shape::Matrix(2, 3), vec![0.0, 1.0, 2.0, -1.0, 0.5, 1.0]),
            Tensor::vector(vec![1.0, -1.0, 0.5]),
        ];
        let e = f64::exp;
        let (s0, s1) = (e(1.0) + e(0.0) + e(2.5), e(0.0) + e(-1.0) + e(3.0));
        let z = [0.0, -1.0];
        let value = s0.ln() + s1.ln() + (z[0] * z[0] + z[1] * z[1]) + 1.0;
        let zero_w = Tensor::zeros(Shape::Matrix(2, 3));
        // Along v's first element: the rows move by (1, 0, 0) c, W v by W[:, 0] = (0, -1).
        let dv = [zero_w.clone(), Tensor::vector(vec![1.0, 0.0, 0.0])];
        let dz = [0.0, -1.0];
        // d sum((W v)^2) = 2 (W v) . d(W v); d logsumexp = softmax . d(rows).
        let slope_v = e(1.0) / s0 + 2.0 * e(0.0) / s1 + 2.0 * (z[0] * dz[0] + z[1] * dz[1]);
        // Along W[1, 2]: row 1 moves by (0, 0, 2), W v by (0, v2) = (0, 0.5), the pick by 1.
        let mut dw = zero_w;
        dw.data_mut()[5] = 1.0;
        let dw = [dw, Tensor::vector(vec![0.0; 3])];
        let dz = [0.0, 0.5];
        let slope_w = 2.0 * e(3.0) / s1 + 2.0 * (z[0] * dz[0] + z[1] * dz[1]) + 1.0;
        for (dir, slope) in [(&dv, slope_v), (&dw, slope_w)] {
            let (y, d) = directional_derivative(&g, f, &x0, dir).unwrap();
            assert!((y - value).abs() <= 4.0 * f64::EPSILON * value, "{y} vs {value}");
            assert!((d - slope).abs() <= 8.0 * f64::EPSILON * slope.abs().max(1.0), "{d} vs {slope}");
        }
        // The plain f64 pass is the value domain's to rounding.
        let params: Vec<Vec<f64>> = x0.iter().map(|t| t.data().to_vec()).collect();
        let mut ev = crate::Evaluator::new(&g, f);
        let (y, y64) = (ev.forward(&x0).item(), eval_dual(&g, f, &params).unwrap());
        assert!((y - y64).abs() <= 4.0 * f64::EPSILON * y, "{y} vs {y64}");
    }

    #[test]
    fn shapes_that_do_not_fit_give_none() {
        let (g, f) = model();
        let w = vec![Dual64::from_re(0.0); 6];
        assert!(eval_dual(&g, f, &[w.clone(), vec![Dual64::from_re(0.0); 2]]).is_none());
        assert!(eval_dual(&g, f, &[w]).is_none());
        let vector_root = g.param_node(1).unwrap();
        assert!(eval_dual(&g, vector_root, &[vec![0.0; 6], vec![0.0; 3]]).is_none());
        assert!(eval_scalar(&g, f, &[0.0, 0.0]).is_none());
        let (x, v) = ([Tensor::scalar(0.0), Tensor::vector(vec![0.0; 3])], [Tensor::zeros(Shape::Matrix(3, 2))]);
        assert!(directional_derivative(&g, f, &x, &v).is_none());
    }

    #[test]
    fn scalar_parameters_over_tensor_data() {
        // f(x) = sum(exp(x d)) with d = (1, 2): f' = e^x + 2 e^(2x).
        let mut g = Graph::new();
        let x = g.param("x", Shape::Scalar).unwrap();
        let d = g.data("d", Tensor::vector(vec![1.0, 2.0])).unwrap();
        let xd = g.mul(x, d).unwrap();
        let ex = g.func(Func::Exp, xd);
        let f = g.sum(ex, None).unwrap();
        let y = eval_scalar(&g, f, &[Dual64::new(0.5, 1.0)]).unwrap();
        let e = f64::exp;
        assert_eq!((y.re, y.eps), (e(0.5) + e(1.0), e(0.5) + 2.0 * e(1.0)));
    }
}
