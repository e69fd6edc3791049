//! The meta-training tasks: synthetic families none of which is in
//! `bench/` (random quadratics with spectra spread over up to four
//! decades, shifted Rosenbrock valleys, ridge logistic and softmax
//! regression on random data, tiny networks (one or two hidden layers) on a random teacher's data;
//! and digits-like widths: softmax regression and networks of one or two
//! hidden layers on 16-64 inputs, 4-10 classes, 200-600 rows; lasso and hinge
//! losses, whose kinks MM keeps),
//! each rescaled in its parameters and its loss by log-uniform factors, so
//! that a rule meta-trained on them has to find its own step scale.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::expr::NodeId;
use crate::simplify::{Math, Num, from_rec_expr, to_rec_expr};
use crate::testing::{NetSpec, NetValues, logistic_problem, quadratic_problem, softmax_problem};
use crate::{Graph, Model, Shape, Tensor, lang};
use rand_distr::{Distribution, StandardNormal};

/// A task: the loss and where to start.
#[derive(Clone, Debug)]
pub struct Task {
    /// The family and its draw, for reports.
    pub name: String,
    /// The loss.
    pub model: Model,
}

/// `c f(s u)` of `model`'s loss `f`, started at `init / s`: the same
/// problem in parameters `s` times smaller and a loss `c` times larger.
///
/// # Panics
/// If `s` or `c` is not positive and finite.
pub fn rescaled(model: &Model, s: f64, c: f64) -> Model {
    assert!(s > 0.0 && s.is_finite() && c > 0.0 && c.is_finite(), "scales {s}, {c}");
    let e = to_rec_expr(&model.graph, model.loss);
    let mut out = egg::RecExpr::<Math>::default();
    let mut ids = Vec::with_capacity(e.len());
    for node in e.iter() {
        let node = egg::Language::map_children(node.clone(), |i| ids[usize::from(i)]);
        let id = match node {
            Math::Leaf(crate::simplify::Leaf::Param(_)) => {
                let p = out.add(node);
                let k = out.add(Math::Num(Num::new(s)));
                out.add(Math::Mul([k, p]))
            }
            n => out.add(n),
        };
        ids.push(id);
    }
    let root = *ids.last().expect("a loss has a root");
    let k = out.add(Math::Num(Num::new(c)));
    out.add(Math::Mul([k, root]));
    let (graph, loss) = from_rec_expr(&model.graph, &out).expect("scaling keeps every shape");
    let init = model.init.iter().map(|t| t.map(|x| x / s)).collect();
    Model::new(graph, loss, init).expect("the same parameters")
}

/// A draw from every family in turn (`seed` picks the family, the
/// problem and its scales): parameters scaled by `10^U(-2, 2)`, the loss by
/// `10^U(-2, 2)`.
pub fn sample(seed: u64) -> Task {
    let mut rng = StdRng::seed_from_u64(seed);
    let sub = rng.random_range(0..u64::MAX);
    let (name, model) = match seed % 8 {
        0 => {
            let dim = rng.random_range(2..=50);
            let kappa = 10f64.powf(rng.random_range(0.0..4.0));
            let start: Vec<f64> = (0..dim).map(|_| rng.random_range(-2.0..2.0)).collect();
            (
                format!("quadratic dim {dim} condition {kappa:.3e}"),
                quadratic_problem(dim, kappa, kappa, sub, &start).model,
            )
        }
        1 => {
            let n = rng.random_range(2..=10);
            let a = 10f64.powf(rng.random_range(0.0..2.0));
            (format!("rosenbrock n {n} a {a:.3}"), rosenbrock(n, a, &mut rng))
        }
        2 => {
            let (rows, feats) = (rng.random_range(20..=100), rng.random_range(2..=8));
            let lambda = 10f64.powf(rng.random_range(-3.0..-1.0));
            let start = vec![0.0; feats];
            (format!("logistic {rows}x{feats}"), logistic_problem(rows, feats, lambda, sub, &start).model)
        }
        3 => {
            let (rows, feats, k) = (rng.random_range(20..=100), rng.random_range(2..=6), rng.random_range(2..=4));
            let lambda = 10f64.powf(rng.random_range(-3.0..-1.0));
            let start = vec![0.0; feats * k];
            (format!("softmax {rows}x{feats}, {k} classes"), softmax_problem(rows, feats, k, lambda, sub, &start).model)
        }
        5 => {
            let (rows, feats, k) = (rng.random_range(200..=600), rng.random_range(16..=64), rng.random_range(4..=10));
            (format!("wide softmax {rows}x{feats}, {k} classes"), wide_softmax(rows, feats, k, &mut rng))
        }
        6 => {
            let (rows, feats) = (rng.random_range(50..=300), rng.random_range(4..=32));
            let l1 = rng.random_bool(0.5);
            let what = if l1 { "lasso" } else { "hinge" };
            (format!("{what} {rows}x{feats}"), kinked(rows, feats, l1, &mut rng))
        }
        7 => {
            let spec = NetSpec {
                rows: rng.random_range(200..=600),
                inputs: rng.random_range(16..=64),
                hidden: rng.random_range(8..=32),
                outputs: rng.random_range(4..=10),
                depth: rng.random_range(1..=2),
                activation: crate::testing::ACTIVATIONS[rng.random_range(0..4)],
                head: crate::mm::last_layer::Head::CrossEntropy,
                column: false,
                scale: None,
                penalty: None,
                values: NetValues::Teacher { data_seed: sub, init_seed: sub ^ 1 },
            };
            let net = spec.build();
            (format!("wide {}", net.description), net.model)
        }
        _ => {
            let heads = crate::testing::HEADS;
            let acts = crate::testing::ACTIVATIONS;
            let head = heads[rng.random_range(0..heads.len())];
            let outputs = match head {
                crate::mm::last_layer::Head::CrossEntropy => rng.random_range(2..=3),
                crate::mm::last_layer::Head::Logistic => 1,
                crate::mm::last_layer::Head::Squared => rng.random_range(1..=2),
            };
            let spec = NetSpec {
                rows: rng.random_range(16..=64),
                inputs: rng.random_range(2..=4),
                hidden: rng.random_range(2..=8),
                outputs,
                depth: rng.random_range(1..=2),
                activation: acts[rng.random_range(0..4)],
                head,
                column: false,
                scale: None,
                penalty: None,
                values: NetValues::Teacher { data_seed: sub, init_seed: sub ^ 1 },
            };
            let net = spec.build();
            (net.description.clone(), net.model)
        }
    };
    let (s, c) = (10f64.powf(rng.random_range(-2.0..2.0)), 10f64.powf(rng.random_range(-2.0..2.0)));
    Task { name: format!("{name}, scales {s:.3e} (parameters) and {c:.3e} (loss)"), model: rescaled(&model, s, c) }
}

/// Standard normal rows `X [rows, feats]` and labels of a random linear
/// teacher (with noise), as data of `g`.
fn blobs(g: &mut Graph, rows: usize, feats: usize, k: usize, rng: &mut StdRng) -> (NodeId, Vec<usize>) {
    let normal = |rng: &mut StdRng| -> f64 { StandardNormal.sample(rng) };
    let x: Vec<f64> = (0..rows * feats).map(|_| normal(rng)).collect();
    let teacher: Vec<f64> = (0..feats * k).map(|_| normal(rng)).collect();
    let labels = (0..rows)
        .map(|i| {
            let mut score =
                |c: usize| (0..feats).map(|j| x[i * feats + j] * teacher[j * k + c]).sum::<f64>() + normal(rng);
            (0..k).map(|c| (c, score(c))).max_by(|a, b| a.1.total_cmp(&b.1)).map_or(0, |(c, _)| c)
        })
        .collect();
    (g.data("X", Tensor::new(Shape::Matrix(rows, feats), x)).expect("a fresh name"), labels)
}

/// `mean(logsumexp(X W, 1) - sum(Y * (X W), 1))` from `W = 0`: softmax
/// regression on digits-like widths (no minimizer needed here).
fn wide_softmax(rows: usize, feats: usize, k: usize, rng: &mut StdRng) -> Model {
    let mut g = Graph::new();
    let (x, labels) = blobs(&mut g, rows, feats, k, rng);
    let w = g.param("W", Shape::Matrix(feats, k)).expect("a fresh name");
    let y = g.data("y", Tensor::vector(labels.iter().map(|&l| l as f64).collect())).expect("a fresh name");
    let y = g.onehot(y, k).expect("labels below k");
    let z = g.matmul(x, w).expect("shapes fit");
    let lse = g.logsumexp(z, Some(1)).expect("a matrix");
    let yz = g.mul(y, z).expect("shapes fit");
    let picked = g.sum(yz, Some(1)).expect("a matrix");
    let ce = g.sub(lse, picked).expect("shapes fit");
    let loss = g.mean(ce, None).expect("a vector");
    Model::new(g, loss, vec![Tensor::zeros(Shape::Matrix(feats, k))]).expect("one parameter")
}

/// A kinked loss from `w = 0`: the lasso `mean((X w - t)^2) + 0.01 sum(abs(w))`
/// or the hinge `mean(relu(1 - s * (X w))) + 0.01 sum(w^2)` (labels `s = +-1`).
fn kinked(rows: usize, feats: usize, l1: bool, rng: &mut StdRng) -> Model {
    let mut g = Graph::new();
    let (x, labels) = blobs(&mut g, rows, feats, 2, rng);
    let w = g.param("w", Shape::Vector(feats)).expect("a fresh name");
    let s = g
        .data("s", Tensor::vector(labels.iter().map(|&l| if l == 1 { 1.0 } else { -1.0 }).collect()))
        .expect("a fresh name");
    let z = g.matmul(x, w).expect("shapes fit");
    let (fit, penalty) = if l1 {
        let r = g.sub(z, s).expect("shapes fit");
        let r2 = g.powi(r, 2);
        (g.mean(r2, None).expect("a vector"), g.func(crate::Func::Abs, w))
    } else {
        let sz = g.mul(s, z).expect("shapes fit");
        let one = g.constant(1.0);
        let m = g.sub(one, sz).expect("shapes fit");
        let h = g.func(crate::Func::Relu, m);
        (g.mean(h, None).expect("a vector"), g.powi(w, 2))
    };
    let p = g.sum(penalty, None).expect("a vector");
    let lam = g.constant(0.01);
    let p = g.mul(lam, p).expect("scalars");
    let loss = g.add(fit, p).expect("scalars");
    Model::new(g, loss, vec![Tensor::zeros(Shape::Vector(feats))]).expect("one parameter")
}

/// `sum(a (y[1:] - y[:-1]^2)^2 + (1 - y[:-1])^2)`, `y = x - shift`, from a
/// random start.
fn rosenbrock(n: usize, a: f64, rng: &mut StdRng) -> Model {
    let list = |v: Vec<f64>| v.iter().map(f64::to_string).collect::<Vec<_>>().join(", ");
    let shift = list((0..n).map(|_| rng.random_range(-1.0..1.0)).collect());
    let start = list((0..n).map(|_| rng.random_range(-2.0..2.0)).collect());
    let text = format!(
        "param x[{n}] = [{start}]\ndata s = [{shift}]\nlet y = x - s\n\
         minimize sum({a} * (y[1:{n}] - y[0:{m}]^2)^2 + (1 - y[0:{m}])^2)\n",
        m = n - 1
    );
    lang::parse_program("rosenbrock.loss", &text, std::path::Path::new(".")).expect("a well-formed program")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Evaluator;

    #[test]
    fn rescaling_is_the_same_problem_in_other_units() {
        let m = lang::parse_inline("(1-x)^2 + 100*(y-x^2)^2").unwrap();
        let (s, c) = (0.01, 250.0);
        let r = rescaled(&m, s, c);
        let x = [Tensor::scalar(-1.2), Tensor::scalar(1.0)];
        let u: Vec<Tensor> = x.iter().map(|t| t.map(|v| v / s)).collect();
        let (f, g) = Evaluator::new(&m.graph, m.loss).value_and_grad(&x);
        let (fr, gr) = Evaluator::new(&r.graph, r.loss).value_and_grad(&u);
        // f~(u) = c f(s u), grad f~ = c s grad f.
        assert!((fr - c * f).abs() <= 1e-12 * fr.abs());
        for (a, b) in g.iter().zip(&gr) {
            assert!((b.item() - c * s * a.item()).abs() <= 1e-12 * b.item().abs());
        }
        assert_eq!(r.init[0].item(), 0.0 / s);
    }

    #[test]
    fn every_family_draws_finite_tasks() {
        for seed in 0..48 {
            let t = sample(seed);
            let (f, g) = Evaluator::new(&t.model.graph, t.model.loss).value_and_grad(&t.model.init);
            assert!(f.is_finite() && g.iter().all(Tensor::is_finite), "{}", t.name);
        }
    }
}
