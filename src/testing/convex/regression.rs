//! The two regressions of [`convex`](super): ridge logistic and softmax
//! regression on seeded random data, their minimizers by Newton's method
//! in f64 and their spectra there.

use faer::prelude::Solve;
use faer::{Mat, Side};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{Convex, cycled, gaussian};
use crate::{Evaluator, Func, Graph, Model, NodeId, Shape, Tensor};

/// `log(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// The data of a regression: `X` (`rows x features`, standard normal) and
/// each row's class, the argmax over `classes` of `X W0 + noise` for a
/// standard normal `W0` and noise (classes 1 stands for the sign: label 1
/// when `X w0 + noise > 0`).
fn regression_data(rows: usize, features: usize, classes: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = gaussian(&mut rng, rows * features);
    let w0 = gaussian(&mut rng, features * classes);
    let noise = gaussian(&mut rng, rows * classes);
    let labels = (0..rows)
        .map(|i| {
            let score = |k: usize| {
                (0..features).map(|j| x[i * features + j] * w0[j * classes + k]).sum::<f64>() + noise[i * classes + k]
            };
            if classes == 1 {
                usize::from(score(0) > 0.0)
            } else {
                (0..classes).max_by(|&a, &b| score(a).total_cmp(&score(b))).unwrap()
            }
        })
        .collect();
    (x, labels)
}

/// `loss + lambda / 2 * sum(w^2)` in the graph.
fn with_ridge(g: &mut Graph, loss: NodeId, w: NodeId, lambda: f64) -> NodeId {
    let w2 = g.powi(w, 2);
    let s = g.sum(w2, None).unwrap();
    let l = g.constant(lambda / 2.0);
    let r = g.mul(l, s).unwrap();
    g.add(loss, r).unwrap()
}

/// Ridge logistic regression `mean(softplus(X w) - y * (X w)) + lambda / 2
/// * sum(w^2)` on `rows` seeded rows (standard normal `X`, label 1 where
/// `X w0 + noise > 0` for standard normal `w0` and noise), started at
/// `start` (cycled); its minimizer by Newton's method in f64.
pub fn logistic_problem(rows: usize, features: usize, lambda: f64, seed: u64, start: &[f64]) -> Convex {
    let (n, p) = (rows, features);
    let (x, labels) = regression_data(n, p, 1, seed);
    let y: Vec<f64> = labels.iter().map(|&l| l as f64).collect();
    let mut g = Graph::new();
    let w = g.param("w", Shape::Vector(p)).unwrap();
    let xn = g.data("X", Tensor::new(Shape::Matrix(n, p), x.clone())).unwrap();
    let yn = g.data("y", Tensor::vector(y.clone())).unwrap();
    let z = g.matmul(xn, w).unwrap();
    let sp = g.func(Func::Softplus, z);
    let yz = g.mul(yn, z).unwrap();
    let e = g.sub(sp, yz).unwrap();
    let m = g.mean(e, None).unwrap();
    let loss = with_ridge(&mut g, m, w, lambda);
    let (wmin, h) = newton(p, |w| {
        let mut out = Local::ridge(w, lambda);
        for i in 0..n {
            let xi = &x[i * p..(i + 1) * p];
            let z: f64 = (0..p).map(|j| xi[j] * w[j]).sum();
            let s = 1.0 / (1.0 + (-z).exp());
            out.f += (softplus(z) - y[i] * z) / n as f64;
            for j in 0..p {
                out.g[j] += xi[j] * (s - y[i]) / n as f64;
                (0..p).for_each(|l| out.h[(j, l)] += s * (1.0 - s) * xi[j] * xi[l] / n as f64);
            }
        }
        out
    });
    let detail = format!("logistic_problem(rows {n}, features {p}, lambda {lambda}, seed {seed})");
    finish("logistic", detail, g, loss, vec![Tensor::vector(cycled(start, p))], vec![Tensor::vector(wmin)], &h)
}

/// Ridge softmax regression `mean(logsumexp(X @ W, 1) - sum(Y * (X @ W),
/// 1)) + lambda / 2 * sum(W^2)` with `W` a `features x classes` matrix and
/// `Y` one-hot (each row's argmax of `X W0 + noise`, `W0` and the noise
/// standard normal), started at `start` (cycled); its minimizer by
/// Newton's method in f64 on all `features * classes` unknowns.
pub fn softmax_problem(rows: usize, features: usize, classes: usize, lambda: f64, seed: u64, start: &[f64]) -> Convex {
    let (n, p, k) = (rows, features, classes);
    let (x, labels) = regression_data(n, p, k, seed);
    let mut onehot = vec![0.0; n * k];
    labels.iter().enumerate().for_each(|(i, &l)| onehot[i * k + l] = 1.0);
    let mut g = Graph::new();
    let w = g.param("W", Shape::Matrix(p, k)).unwrap();
    let xn = g.data("X", Tensor::new(Shape::Matrix(n, p), x.clone())).unwrap();
    let yn = g.data("Y", Tensor::new(Shape::Matrix(n, k), onehot)).unwrap();
    let z = g.matmul(xn, w).unwrap();
    let lse = g.logsumexp(z, Some(1)).unwrap();
    let yz = g.mul(yn, z).unwrap();
    let picked = g.sum(yz, Some(1)).unwrap();
    let e = g.sub(lse, picked).unwrap();
    let m = g.mean(e, None).unwrap();
    let loss = with_ridge(&mut g, m, w, lambda);
    // Unknown (j, c) of W is number j * k + c (row-major, as the tensor).
    let (wmin, h) = newton(p * k, |w| {
        let mut out = Local::ridge(w, lambda);
        for i in 0..n {
            let xi = &x[i * p..(i + 1) * p];
            let z: Vec<f64> = (0..k).map(|c| (0..p).map(|j| xi[j] * w[j * k + c]).sum()).collect();
            let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = z.iter().map(|v| (v - top).exp()).sum();
            let prob: Vec<f64> = z.iter().map(|v| (v - top).exp() / total).collect();
            out.f += (top + total.ln() - z[labels[i]]) / n as f64;
            for (j, c) in (0..p).flat_map(|j| (0..k).map(move |c| (j, c))) {
                let hit = if c == labels[i] { 1.0 } else { 0.0 };
                out.g[j * k + c] += xi[j] * (prob[c] - hit) / n as f64;
                for (l, d) in (0..p).flat_map(|l| (0..k).map(move |d| (l, d))) {
                    // (diag(p) - p p') kron x x'
                    let curv = if c == d { prob[c] } else { 0.0 } - prob[c] * prob[d];
                    out.h[(j * k + c, l * k + d)] += curv * xi[j] * xi[l] / n as f64;
                }
            }
        }
        out
    });
    let detail = format!("softmax_problem(rows {n}, features {p}, classes {k}, lambda {lambda}, seed {seed})");
    let minimizer = vec![Tensor::new(Shape::Matrix(p, k), wmin)];
    finish("softmax", detail, g, loss, vec![Tensor::new(Shape::Matrix(p, k), cycled(start, p * k))], minimizer, &h)
}

/// A loss, its gradient and its Hessian at a point.
struct Local {
    f: f64,
    g: Vec<f64>,
    h: Mat<f64>,
}

impl Local {
    /// Those of `lambda / 2 * |w|^2`.
    fn ridge(w: &[f64], lambda: f64) -> Local {
        let f = lambda / 2.0 * w.iter().map(|v| v * v).sum::<f64>();
        let h = Mat::from_fn(w.len(), w.len(), |i, j| if i == j { lambda } else { 0.0 });
        Local { f, g: w.iter().map(|v| lambda * v).collect(), h }
    }
}

/// The Euclidean norm.
fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Newton's method from 0 on a strictly convex function (`local` gives its
/// value, gradient and Hessian), with backtracking: a step is halved until
/// it satisfies Armijo's condition or lowers the gradient norm (near the
/// minimum, rounding hides the decrease of f). It stops when the gradient
/// norm is below 1e-13 of its value at 0 (and 1e-300), or the step is
/// below 1e-16 of the point. The minimizer and the Hessian there.
fn newton(n: usize, local: impl Fn(&[f64]) -> Local) -> (Vec<f64>, Mat<f64>) {
    let mut w = vec![0.0; n];
    let mut at = local(&w);
    let tol = (1e-13 * norm(&at.g)).max(1e-300);
    for _ in 0..100 {
        if norm(&at.g) <= tol {
            break;
        }
        let rhs = Mat::from_fn(n, 1, |i, _| -at.g[i]);
        let d = at.h.llt(Side::Lower).expect("a ridge makes the Hessian positive definite").solve(&rhs);
        let d: Vec<f64> = (0..n).map(|i| d[(i, 0)]).collect();
        let slope: f64 = (0..n).map(|i| at.g[i] * d[i]).sum();
        let mut t = 1.0;
        loop {
            let trial: Vec<f64> = (0..n).map(|i| w[i] + t * d[i]).collect();
            let next = local(&trial);
            if next.f <= at.f + 1e-4 * t * slope || norm(&next.g) < norm(&at.g) || t < 1e-10 {
                (w, at) = (trial, next);
                break;
            }
            t *= 0.5;
        }
        if t * norm(&d) <= 1e-16 * norm(&w) {
            break;
        }
    }
    (w, at.h)
}

/// The problem, with the loss at the minimizer from the model (an
/// [`Evaluator`]) and the spectrum from the Hessian `h`.
fn finish(
    kind: &'static str,
    detail: String,
    g: Graph,
    loss: NodeId,
    start: Vec<Tensor>,
    minimizer: Vec<Tensor>,
    h: &Mat<f64>,
) -> Convex {
    let model = Model::new(g, loss, start.clone()).unwrap();
    let min_loss = Evaluator::new(&model.graph, model.loss).forward(&minimizer).item();
    let eigenvalues = h.self_adjoint_eigenvalues(Side::Lower).expect("a symmetric eigendecomposition");
    let condition = eigenvalues[eigenvalues.len() - 1] / eigenvalues[0];
    Convex { kind, detail, model, start, minimizer, min_loss, eigenvalues, condition }
}
