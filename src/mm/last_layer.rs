//! Exact steps for the last linear layer of a network: with everything but
//! the layer's weights fixed, a loss `head(A @ (c W) + b) + ridge` is a
//! quadratic in `(W, b)` (squared error) or has a quadratic majorizer whose
//! minimizer has a closed form (softmax cross-entropy, Böhning's bound).
//! This module recognises the pattern in a graph ([`recognise`]) and
//! computes the step ([`LastLayer::step`]); docs/mm.md ("Exact last-layer
//! steps") has the derivation.

use std::sync::Arc;

use faer::prelude::Solve;
use faer::{Mat, Side};

use super::kinks::flatten;
use crate::bound::head::scalar;
use crate::eval::Evaluator;
use crate::expr::{Func, Graph, NodeId, Op};
use crate::plan::Plan;
use crate::tensor::{Shape, Tensor, View, gemm};

/// The proximal weight of a step, relative to the largest diagonal entry of
/// its quadratic: small enough to leave a well-conditioned solve unchanged
/// (to about 1e-10), large enough for Cholesky to succeed on a singular
/// `A~'A~` (dead units, more columns than rows).
const PROXIMAL: f64 = 1e-10;

/// How the last layer's output `Z` enters the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Head {
    /// `sum((Z - Y)^2)` (or its mean): exactly quadratic in `(W, b)`.
    Squared,
    /// `sum(logsumexp(Z, 1) - sum(Z * Y, 1))` (or its mean), softmax
    /// cross-entropy with label rows `Y`: majorized by Böhning's bound.
    CrossEntropy,
    /// `sum(softplus(z) - y * z)` (or its mean) for a vector `z`: the
    /// logistic loss with labels `y`, majorized through `softplus'' <= 1/4`.
    Logistic,
}

/// A recognised last linear layer `Z = A @ (scale * W) + sign * b + O` and
/// its loss head `factor * sum(head(Z)) + ridge * sum(W^2) + bias_ridge *
/// sum(b^2)`, where `A` and the offsets `O` do not depend on `W` or `b`, and
/// no other summand of the loss does.
#[derive(Clone, Debug)]
pub struct LastLayer {
    /// The head.
    pub head: Head,
    /// The layer's input `A` (`N x P`).
    pub input: NodeId,
    /// The index of the parameter `W` (`P x K`, or a vector of `P` when `K = 1`).
    pub weight: usize,
    /// `c` in `A @ (c W)`.
    pub scale: f64,
    /// The index of the bias `b` (a vector of `K`, or a scalar when `K = 1`)
    /// and its sign in `Z`.
    pub bias: Option<(usize, f64)>,
    /// The constants of the head, each with its sign: the label rows `Y`
    /// of cross-entropy, or the terms of the squared residual beside the
    /// layer (the targets, with sign -1).
    pub targets: Vec<(NodeId, f64)>,
    /// The head's factor: `1/N` of a mean over `N` rows (`1/(N K)` for the
    /// elements of a squared residual), times any constant.
    pub factor: f64,
    /// `lambda` of `lambda * sum(W^2)` (0 without a ridge).
    pub ridge: f64,
    /// The same on `b`.
    pub bias_ridge: f64,
    /// `K`, the layer's outputs per row.
    pub classes: usize,
    /// The plan of `A` alone, for its values.
    plan: Arc<Plan>,
}

/// The last linear layer of `root`'s loss, or `None` when there is none. A
/// summand of the loss (through `+` and `-`) is the head when it is `c *
/// sum(E)`, `sum(E) / c` or `mean(E)` (`c > 0`) with `E` the squared error
/// `(Z - Y)^2` or the cross-entropy `logsumexp(Z, 1) - sum(Z * Y, 1)` of a
/// layer `Z = A @ W + b` (`W` possibly times a constant, `b` optional, a
/// residual's other terms constant in `W` and `b`); summands `c * sum(W^2)`
/// are its ridge; every other summand must not depend on `W` or `b`.
pub fn recognise(graph: &Graph, root: NodeId) -> Option<LastLayer> {
    let mut summands = Vec::new();
    flatten(graph, root, 1.0, true, &mut summands);
    summands.iter().enumerate().find_map(|(i, &(id, sign))| {
        let mut layer = (sign > 0.0).then(|| head(graph, id)).flatten()?;
        let moving: Vec<usize> = std::iter::once(layer.weight).chain(layer.bias.map(|b| b.0)).collect();
        let fixed = |id: NodeId| !depends(graph, id, &moving);
        if !fixed(layer.input) || !layer.targets.iter().all(|&(t, _)| fixed(t)) {
            return None;
        }
        for (j, &(other, sign)) in summands.iter().enumerate() {
            if j == i || fixed(other) {
                continue;
            }
            match (sign > 0.0).then(|| ridge(graph, other)).flatten()? {
                (p, lambda) if p == layer.weight => layer.ridge += lambda,
                (p, lambda) if Some(p) == layer.bias.map(|b| b.0) => layer.bias_ridge += lambda,
                _ => return None,
            }
        }
        layer.plan = Arc::new(Plan::new(graph, layer.input));
        Some(layer)
    })
}

/// Whether `id` depends on one of the parameters `params`.
fn depends(graph: &Graph, id: NodeId, params: &[usize]) -> bool {
    graph.reachable(id).iter().any(|&n| matches!(graph.node(n).op, Op::Param(p) if params.contains(&p)))
}

/// `id` as `factor * sum(E)` over every element of `E` (`factor >= 0`):
/// `(factor, E)`.
fn scaled_sum(graph: &Graph, id: NodeId) -> Option<(f64, NodeId)> {
    match graph.node(id).op {
        Op::Mul(a, b) => {
            let (c, t) = match (scalar(graph, a), scalar(graph, b)) {
                (Some(c), _) => (c, b),
                (_, Some(c)) => (c, a),
                _ => return None,
            };
            let (f, e) = scaled_sum(graph, t)?;
            (c >= 0.0).then_some((c * f, e))
        }
        Op::Div(a, b) => {
            let c = scalar(graph, b)?;
            let (f, e) = scaled_sum(graph, a)?;
            (c > 0.0).then_some((f / c, e))
        }
        Op::Sum(e, _) if graph.shape(id) == Shape::Scalar => Some((1.0, e)),
        Op::Mean(e, _) if graph.shape(id) == Shape::Scalar => Some((1.0 / graph.shape(e).len() as f64, e)),
        _ => None,
    }
}

/// A ridge summand `lambda * sum(p^2)`: `(p, lambda)`.
fn ridge(graph: &Graph, id: NodeId) -> Option<(usize, f64)> {
    let (lambda, e) = scaled_sum(graph, id)?;
    let p = match graph.node(e).op {
        Op::PowI(p, 2) => p,
        Op::Mul(p, q) if p == q => p,
        _ => return None,
    };
    match graph.node(p).op {
        Op::Param(i) => Some((i, lambda)),
        _ => None,
    }
}

/// A head summand and its layer (the plan not yet made).
fn head(graph: &Graph, id: NodeId) -> Option<LastLayer> {
    let (factor, e) = scaled_sum(graph, id)?;
    let (head, z, labels) = match graph.node(e).op {
        Op::PowI(r, 2) => (Head::Squared, r, None),
        Op::Mul(r, s) if r == s => (Head::Squared, r, None),
        Op::Sub(l, s) if matches!(graph.node(l).op, Op::Func(Func::Softplus, _)) => {
            let Op::Func(_, z) = graph.node(l).op else { return None };
            let y = match graph.node(s).op {
                Op::Mul(a, y) if a == z => y,
                Op::Mul(y, a) if a == z => y,
                _ => return None,
            };
            (Head::Logistic, z, Some(y))
        }
        Op::Sub(l, s) => {
            let (Op::LogSumExp(z, Some(1)), Op::Sum(m, Some(1))) = (graph.node(l).op, graph.node(s).op) else {
                return None;
            };
            let y = match graph.node(m).op {
                Op::Mul(a, y) if a == z => y,
                Op::Mul(y, a) if a == z => y,
                _ => return None,
            };
            (Head::CrossEntropy, z, Some(y))
        }
        _ => return None,
    };
    let mut layer = affine(graph, z)?;
    layer.head = head;
    layer.factor = factor;
    if let Some(y) = labels {
        let classes_fit = if head == Head::Logistic { layer.classes == 1 } else { layer.classes >= 2 };
        if graph.shape(y) != graph.shape(z) || !layer.targets.is_empty() || !classes_fit {
            return None;
        }
        layer.targets = vec![(y, 1.0)];
    }
    Some(layer)
}

/// `z` as `A @ (c W) + s b + O`: the layer, its offsets `O` as targets.
fn affine(graph: &Graph, z: NodeId) -> Option<LastLayer> {
    let mut terms = Vec::new();
    flatten(graph, z, 1.0, false, &mut terms);
    let (n, k) = match graph.shape(z) {
        Shape::Matrix(n, k) => (n, k),
        Shape::Vector(n) => (n, 1),
        Shape::Scalar => return None,
    };
    let mut layer: Option<LastLayer> = None;
    let mut bias_term = None;
    let mut offsets = Vec::new();
    for &(t, sign) in &terms {
        if layer.is_none()
            && let Op::MatMul(a, w) = graph.node(t).op
            && let Some((weight, c)) = scaled_param(graph, w)
            && matches!(graph.shape(a), Shape::Matrix(r, _) if r == n)
        {
            let plan = Arc::new(Plan::new(graph, a));
            let (head, factor, ridge, bias_ridge) = (Head::Squared, 1.0, 0.0, 0.0);
            let (input, scale, bias, targets) = (a, sign * c, None, Vec::new());
            layer = Some(LastLayer {
                head,
                input,
                weight,
                scale,
                bias,
                targets,
                factor,
                ridge,
                bias_ridge,
                classes: k,
                plan,
            });
            continue;
        }
        let bias_shape = if matches!(graph.shape(z), Shape::Matrix(..)) { Shape::Vector(k) } else { Shape::Scalar };
        match graph.node(t).op {
            Op::Param(b) if bias_term.is_none() && graph.shape(t) == bias_shape => bias_term = Some((b, sign)),
            _ => offsets.push((t, sign)),
        }
    }
    let mut layer = layer?;
    if bias_term.is_some_and(|(b, _)| b == layer.weight) || !layer.scale.is_finite() || layer.scale == 0.0 {
        return None;
    }
    layer.bias = bias_term;
    layer.targets = offsets;
    Some(layer)
}

/// `W`, `c * W`, `W * c` or `W / c` for a parameter `W`: its index and `c`.
fn scaled_param(graph: &Graph, id: NodeId) -> Option<(usize, f64)> {
    match graph.node(id).op {
        Op::Param(i) => Some((i, 1.0)),
        Op::Mul(a, b) => match (scalar(graph, a), scalar(graph, b)) {
            (Some(c), _) => scaled_param(graph, b).map(|(i, s)| (i, c * s)),
            (_, Some(c)) => scaled_param(graph, a).map(|(i, s)| (i, c * s)),
            _ => None,
        },
        Op::Div(a, b) => scalar(graph, b).and_then(|c| scaled_param(graph, a).map(|(i, s)| (i, s / c))),
        _ => None,
    }
}

impl LastLayer {
    /// The values of the layer's input `A` at `params`.
    pub fn input_values(&self, graph: &Graph, params: &[Tensor]) -> Tensor {
        Evaluator::with_plan(graph, self.plan.clone()).forward(params).clone()
    }

    /// The parameters after the exact step on `(W, b)`, from `params` where
    /// the loss has gradient `grads` and the layer's input has values `a`
    /// ([`input_values`](Self::input_values)); `None` when no finite step
    /// was found. The step minimizes the squared head exactly, or
    /// cross-entropy's Böhning majorizer, plus a proximal term `eps/2
    /// |delta|^2` (`eps` = 1e-10 of the quadratic's largest diagonal entry):
    /// still a majorizer, it makes the solve definite where `A~'A~` is
    /// singular, and leaves directions that `A~` annihilates (a dead unit's
    /// weights) where they are. The caller checks the loss.
    pub fn step(&self, a: &Tensor, params: &[Tensor], grads: &[Tensor]) -> Option<Vec<Tensor>> {
        let (n, p) = a.shape().dims2();
        let k = self.classes;
        let rows = p + usize::from(self.bias.is_some());
        // d_i: the ridge weight of theta's row i (rows of W, then b's).
        let d = |i: usize| if i < p { self.ridge } else { self.bias_ridge };
        // theta's gradient, rows x k: W's rows, then b's.
        let mut grad = grads[self.weight].data().to_vec();
        if let Some((b, _)) = self.bias {
            grad.extend_from_slice(grads[b].data());
        }
        // The model's curvature: kappa A~'A~ + 2 D, with A~ = [c A, s 1].
        let kappa = match self.head {
            Head::Squared => 2.0 * self.factor,
            Head::CrossEntropy => 0.5 * self.factor,
            // softplus'' = sigmoid (1 - sigmoid) <= 1/4.
            Head::Logistic => 0.25 * self.factor,
        };
        let mut ata = vec![0.0; p * p];
        gemm(&mut ata, View::new(a.data(), n, p).t(), View::new(a.data(), n, p), false);
        let c = self.scale;
        let s = self.bias.map_or(0.0, |b| b.1);
        let col_sum = |j: usize| (0..n).map(|r| a.data()[r * p + j]).sum::<f64>();
        let sums: Vec<f64> = (0..p).map(col_sum).collect();
        let curvature = Mat::<f64>::from_fn(rows, rows, |i, j| {
            let s_ij = match (i < p, j < p) {
                (true, true) => c * c * ata[i * p + j],
                (true, false) => c * s * sums[i],
                (false, true) => c * s * sums[j],
                (false, false) => n as f64,
            };
            kappa * s_ij + if i == j { 2.0 * d(i) } else { 0.0 }
        });
        // Cross-entropy: B = (I - 11'/K) / 2 is 0 along 1, so the solve is on
        // the rows' components orthogonal to 1 (the curvature's 1/2 is in kappa).
        let mean = |i: usize| grad[i * k..(i + 1) * k].iter().sum::<f64>() / k as f64;
        let means: Vec<f64> = (0..rows).map(mean).collect();
        let ce = self.head == Head::CrossEntropy;
        let rhs = Mat::<f64>::from_fn(rows, k, |i, j| -(grad[i * k + j] - if ce { means[i] } else { 0.0 }));
        let delta = solve_proximal(&curvature, &rhs)?;
        let mut theta: Vec<f64> = params[self.weight].data().to_vec();
        if let Some((b, _)) = self.bias {
            theta.extend_from_slice(params[b].data());
        }
        for i in 0..rows {
            // Along 1 only the ridge curves the model: 2 d_i u K + K mean_i u
            // is least at u = -mean_i / (2 d_i); without a ridge, stay.
            let along_one = if ce && d(i) > 0.0 { -means[i] / (2.0 * d(i)) } else { 0.0 };
            for j in 0..k {
                theta[i * k + j] += delta[(i, j)] + along_one;
            }
        }
        if !theta.iter().all(|v| v.is_finite()) {
            return None;
        }
        let mut out = params.to_vec();
        out[self.weight] = Tensor::new(params[self.weight].shape(), theta[..p * k].to_vec());
        if let Some((b, _)) = self.bias {
            out[b] = Tensor::new(params[b].shape(), theta[p * k..].to_vec());
        }
        Some(out)
    }
}

/// `(M + eps I)^-1 R` by Cholesky, `eps` = [`PROXIMAL`] of `M`'s largest
/// diagonal entry, grown a hundredfold while the factorization fails (a
/// few times); `None` when it keeps failing or `M` has no positive
/// diagonal.
fn solve_proximal(m: &Mat<f64>, r: &Mat<f64>) -> Option<Mat<f64>> {
    let top = (0..m.nrows()).map(|i| m[(i, i)]).fold(0.0f64, f64::max);
    if !(top > 0.0 && top.is_finite()) {
        return None;
    }
    let mut eps = PROXIMAL * top;
    for _ in 0..4 {
        let shifted = Mat::<f64>::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] + if i == j { eps } else { 0.0 });
        if let Ok(llt) = shifted.llt(Side::Lower) {
            return Some(llt.solve(r));
        }
        eps *= 100.0;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;
    use rand::{RngExt, SeedableRng, rngs::StdRng};

    /// A layer on constant inputs: `mean((A @ W + b - Y)^2)` or the mean
    /// cross-entropy of `A @ W + b` against labels, plus `lambda *
    /// sum(W^2)`; the loss node, random parameters, `A` and the target
    /// matrix (the labels one-hot).
    fn layer(
        (n, p, k): (usize, usize, usize),
        head: Head,
        lambda: f64,
        seed: u64,
    ) -> (Graph, NodeId, Vec<Tensor>, Tensor, Tensor) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut draw = |len: usize| (0..len).map(|_| rng.random_range(-1.0..1.0)).collect::<Vec<f64>>();
        let mut a = draw(n * p);
        // Unit 3 is dead (its input column is 0) when there are more columns than rows.
        if p > n {
            (0..n).for_each(|r| a[r * p + 3] = 0.0);
        }
        let a = Tensor::new(Shape::Matrix(n, p), a);
        let params = vec![Tensor::new(Shape::Matrix(p, k), draw(p * k)), Tensor::vector(draw(k))];
        let labels: Vec<f64> =
            draw(n).iter().map(|u| ((u + 1.0) / 2.0 * k as f64).floor().min(k as f64 - 1.0)).collect();
        let mut g = Graph::new();
        let w = g.param("W", Shape::Matrix(p, k)).unwrap();
        let b = g.param("b", Shape::Vector(k)).unwrap();
        let an = g.data("A", a.clone()).unwrap();
        let aw = g.matmul(an, w).unwrap();
        let z = g.add(aw, b).unwrap();
        let (fit, y) = match head {
            Head::Squared => {
                let y = Tensor::new(Shape::Matrix(n, k), draw(n * k));
                let yn = g.data("Y", y.clone()).unwrap();
                let r = g.sub(z, yn).unwrap();
                let r2 = g.powi(r, 2);
                (g.mean(r2, None).unwrap(), y)
            }
            Head::CrossEntropy => {
                let yv = g.data("y", Tensor::vector(labels.clone())).unwrap();
                let y = g.onehot(yv, k).unwrap();
                let lse = g.logsumexp(z, Some(1)).unwrap();
                let zy = g.mul(z, y).unwrap();
                let picked = g.sum(zy, Some(1)).unwrap();
                let ce = g.sub(lse, picked).unwrap();
                let onehot = (0..n * k).map(|e| f64::from(u8::from(labels[e / k] as usize == e % k))).collect();
                (g.mean(ce, None).unwrap(), Tensor::new(Shape::Matrix(n, k), onehot))
            }
            Head::Logistic => {
                // K = 1: labels 0 or 1 in a column.
                let y = Tensor::new(Shape::Matrix(n, k), labels.iter().map(|&l| l.min(1.0)).collect());
                let yn = g.data("y", y.clone()).unwrap();
                let sp = g.func(Func::Softplus, z);
                let yz = g.mul(yn, z).unwrap();
                let e = g.sub(sp, yz).unwrap();
                (g.mean(e, None).unwrap(), y)
            }
        };
        let w2 = g.powi(w, 2);
        let ridge = g.sum(w2, None).unwrap();
        let l = g.constant(lambda);
        let ridge = g.mul(l, ridge).unwrap();
        let loss = g.add(fit, ridge).unwrap();
        (g, loss, params, a, y)
    }

    fn matrix(t: &Tensor) -> DMatrix<f64> {
        let (r, c) = t.shape().dims2();
        DMatrix::from_row_slice(r, c, t.data())
    }

    /// `[A, 1]`, `theta = [W; b']` and the ridge's diagonal `D`.
    fn stacked(a: &Tensor, params: &[Tensor], lambda: f64) -> (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>) {
        let (n, p) = a.shape().dims2();
        let k = params[1].shape().len();
        let at = DMatrix::from_fn(n, p + 1, |i, j| if j < p { a.at(i, j) } else { 1.0 });
        let theta = DMatrix::from_fn(p + 1, k, |i, j| if i < p { params[0].at(i, j) } else { params[1].data()[j] });
        let d = DMatrix::from_fn(p + 1, p + 1, |i, j| if i == j && i < p { lambda } else { 0.0 });
        (at, theta, d)
    }

    /// The step of the recognised layer from `params`, and the loss before and after.
    fn step(g: &Graph, loss: NodeId, params: &[Tensor]) -> (Vec<Tensor>, f64, f64) {
        let layer = recognise(g, loss).expect("a last layer");
        let mut ev = Evaluator::new(g, loss);
        let (f0, grads) = ev.value_and_grad(params);
        let x = layer.step(&layer.input_values(g, params), params, &grads).expect("a finite step");
        let f1 = ev.loss(&x);
        (x, f0, f1)
    }

    #[test]
    fn squared_error_step_is_the_normal_equations_solution() {
        for (seed, (n, p, k), lambda) in [(0, (30, 4, 1), 0.0), (1, (50, 6, 3), 0.1), (2, (12, 3, 2), 2.0)] {
            let (g, loss, params, a, y) = layer((n, p, k), Head::Squared, lambda, seed);
            let (x, f0, f1) = step(&g, loss, &params);
            // argmin f |A~ theta - Y|^2 + lambda |W|^2, f = 1/(N K):
            // (f A~'A~ + D) theta = f A~'Y.
            let (at, _, d) = stacked(&a, &params, lambda);
            let f = 1.0 / (n * k) as f64;
            let lhs = at.transpose() * &at * f + d;
            let best = lhs.clone().lu().solve(&(at.transpose() * matrix(&y) * f)).unwrap();
            let (_, got, _) = stacked(&a, &x, lambda);
            let err = (&got - &best).norm() / best.norm();
            // The proximal term moves the solution by about PROXIMAL times
            // the condition number of the curvature.
            let eig = lhs.symmetric_eigenvalues();
            let tol = 10.0 * PROXIMAL * eig.max() / eig.min() + 1e-12;
            assert!(err < tol, "seed {seed}: relative error {err} > {tol}");
            assert!(f1 <= f0, "seed {seed}: {f0} -> {f1}");
        }
    }

    #[test]
    fn cross_entropy_step_solves_boehnings_quadratic() {
        for (seed, (n, p, k), lambda) in [(3, (40, 5, 3), 0.0), (4, (60, 4, 4), 0.05), (5, (20, 7, 2), 1e-3)] {
            let (g, loss, params, a, y) = layer((n, p, k), Head::CrossEntropy, lambda, seed);
            let (x, f0, f1) = step(&g, loss, &params);
            assert!(f1 <= f0, "seed {seed}: {f0} -> {f1}");
            // The gradient of the majorizer at the step, independently:
            // G + f A~'A~ delta B + 2 D delta = 0, with G = A~' f (softmax(Z) - Y)
            // + 2 D theta and B = (I - 11'/K) / 2.
            let (at, theta, d) = stacked(&a, &params, lambda);
            let f = 1.0 / n as f64;
            let z = &at * &theta;
            let soft = DMatrix::from_fn(n, k, |i, j| {
                let m = z.row(i).max();
                (z[(i, j)] - m).exp() / z.row(i).iter().map(|v| (v - m).exp()).sum::<f64>()
            });
            let grad = at.transpose() * (soft - matrix(&y)) * f + &d * &theta * 2.0;
            let (_, moved, _) = stacked(&a, &x, lambda);
            let delta = moved - &theta;
            let b = (DMatrix::identity(k, k) - DMatrix::from_element(k, k, 1.0 / k as f64)) * 0.5;
            let residual = &grad + at.transpose() * &at * &delta * &b * f + &d * &delta * 2.0;
            assert!(residual.norm() < 1e-9 * grad.norm(), "seed {seed}: residual {}", residual.norm());
            // With a ridge, each row of W ends with mean 0 over the classes
            // (adding a constant to a row of logits changes no probability).
            if lambda > 0.0 {
                for i in 0..p {
                    assert!(x[0].data()[i * k..(i + 1) * k].iter().sum::<f64>().abs() < 1e-9);
                }
            }
        }
    }

    #[test]
    fn logistic_step_solves_its_majorizer() {
        for (seed, (n, p), lambda) in [(6, (50, 4), 0.0), (7, (80, 6), 0.01)] {
            let (g, loss, params, a, y) = layer((n, p, 1), Head::Logistic, lambda, seed);
            assert_eq!(recognise(&g, loss).unwrap().head, Head::Logistic);
            let (x, f0, f1) = step(&g, loss, &params);
            assert!(f1 <= f0, "seed {seed}: {f0} -> {f1}");
            // G + (f / 4) A~'A~ delta + 2 D delta = 0, G = A~' f (sigmoid(z) - y) + 2 D theta.
            let (at, theta, d) = stacked(&a, &params, lambda);
            let f = 1.0 / n as f64;
            let z = &at * &theta;
            let sig = z.map(|v| 1.0 / (1.0 + (-v).exp()));
            let grad = at.transpose() * (sig - matrix(&y)) * f + &d * &theta * 2.0;
            let (_, moved, _) = stacked(&a, &x, lambda);
            let delta = moved - &theta;
            let residual = &grad + at.transpose() * &at * &delta * (0.25 * f) + &d * &delta * 2.0;
            assert!(residual.norm() < 1e-9 * grad.norm(), "seed {seed}: residual {}", residual.norm());
        }
    }

    #[test]
    fn singular_inputs_give_a_finite_monotone_step_that_keeps_dead_units() {
        // More columns than rows (A~'A~ of rank 6 in 11), and a dead unit.
        for (head, lambda) in [(Head::Squared, 0.0), (Head::CrossEntropy, 0.0), (Head::CrossEntropy, 0.1)] {
            let (g, loss, params, ..) = layer((6, 10, 3), head, lambda, 6);
            let (x, f0, f1) = step(&g, loss, &params);
            assert!(x.iter().all(Tensor::is_finite));
            assert!(f1 <= f0, "{head:?}: {f0} -> {f1}");
            if head == Head::Squared {
                // Six rows, eleven unknowns per output: the fit interpolates.
                assert!(f1 < 1e-12 * f0, "{f0} -> {f1}");
            }
            // The dead unit's weights do not move without a ridge.
            if lambda == 0.0 {
                assert_eq!(x[0].data()[3 * 3..4 * 3], params[0].data()[3 * 3..4 * 3]);
            }
        }
    }
}
