//! Losses a user would write with the whole language (slices, transposes,
//! softmax, max/min/clip, norms, real powers, erf, atan, ...), not taken
//! from any issue: each parses, its value agrees with numpy's
//! (`tests/data/heldout.py`), its gradient with central differences, and
//! SafeRate along L-BFGS (the default beyond 10 scalars) lowers it
//! monotonically.

mod common;

use majorize::optim::{self, QuasiNewton, RunOptions, SafeRate};
use majorize::{Evaluator, Model, Problem, Tensor};

const SOFTMAX_SLICES: &str = "
data X = csv(\"data/iris.csv\", skip=1, cols=0:4, standardize)
data y = csv(\"data/iris.csv\", skip=1, cols=4)
data c = [1, 2, 3]
param W[4, 3] = 0.1
param b[3] = 0
let P = softmax(X @ W + b, 1)
let ce = -mean(sum(onehot(y, 3) * log(P), 1))
let hub = mean(min(abs(X[:, 0] - X[:, 1:2] @ W[0:1, 0]), 1))
minimize ce + 1e-2 * norm(W)^2 + 0.1 * dot(b, c)^2 + 1e-3 * sum(clip(W, -0.5, 0.5)) + 1e-3 * sum(max(W', 0.2)) + hub
";

const PROBIT: &str = "
data X = csv(\"data/iris.csv\", skip=1, cols=0:4, standardize)
data y = csv(\"data/iris.csv\", skip=1, cols=4)
let t = relu(1 - y) * relu(1 - y)
param w[4] = [0.5, -0.25, 0.125, 0]
param s = 0.3
let p = 0.5 * (1 + erf((X @ w + s) / sqrt(2)))
minimize -mean(t * log(p) + (1 - t) * log(1 - p)) - 1e-2 * sum(logsigmoid(w)) + 1e-3 * 2^s + 1e-3 * sum(abs(w) + 1)^1.5 + 1e-3 * (s*s + 1)^(s + 1)
";

const CAUCHY_ATAN: &str = "
data X = csv(\"data/iris.csv\", skip=1, cols=0:4, standardize)
param v[2] = [0.2, -0.1]
param M[2, 2] = [[0.3, -0.2], [0.1, 0.4]]
let r = X[:, 2] - X[:, 0:2] @ v
minimize mean(log1p(r^2)) + mean(atan(r)^2) + 1e-2 * sum((M @ transpose(M))^2) + 1e-2 * sum(tanh(M[:, 0]) * sinh(M[1, :]) * cosh(M[0, :]))
";

/// (name, program, numpy's value at the initial parameters)
const CASES: [(&str, &str, f64); 3] = [
    ("softmax_slices", SOFTMAX_SLICES, 1.7997175197304158),
    ("probit", PROBIT, 1.4862085257352078),
    ("cauchy_atan", CAUCHY_ATAN, 0.832566573844824),
];

fn load(name: &str, text: &str) -> Model {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    majorize::lang::parse_program(name, text, root).unwrap_or_else(|e| panic!("{name}: {}", e.render()))
}

#[test]
fn values_agree_with_numpy() {
    for (name, text, want) in CASES {
        let m = load(name, text);
        let got = Evaluator::new(&m.graph, m.loss).forward(&m.init).item();
        assert!((got - want).abs() <= 1e-13 * want.abs(), "{name}: {got} vs numpy {want}");
    }
}

#[test]
fn gradients_agree_with_central_differences() {
    for (name, text, _) in CASES {
        let m = load(name, text);
        let mut ev = Evaluator::new(&m.graph, m.loss);
        let (_, g) = ev.value_and_grad(&m.init);
        for (p, gp) in g.iter().enumerate() {
            for e in 0..gp.data().len() {
                let mut dir: Vec<Tensor> = m.init.iter().map(|t| Tensor::zeros(t.shape())).collect();
                dir[p].data_mut()[e] = 1.0;
                let fd = majorize::testing::central_difference(&mut ev, &m.init, &dir, 1e-6);
                let an = gp.data()[e];
                assert!((fd - an).abs() <= 1e-6 * (1.0 + an.abs()), "{name}: parameter {p}[{e}]: {an} vs {fd}");
            }
        }
    }
}

#[test]
fn the_default_method_lowers_them_monotonically() {
    for (name, text, _) in CASES {
        let m = load(name, text);
        let mut opt = SafeRate::default().with_direction(Box::new(QuasiNewton { memory: 10 }));
        let mut p = Problem::new(&m);
        let r = optim::run(
            &mut opt,
            &mut p,
            m.init.clone(),
            &RunOptions { max_steps: 30, ..RunOptions::default() },
            |_| {},
        );
        let losses: Vec<f64> = r.trace.iter().map(|t| t.loss).collect();
        assert!(losses.windows(2).all(|w| w[1] <= w[0]), "{name}: {losses:?}");
        assert!(r.loss() < losses[0], "{name}: no decrease {losses:?}");
    }
}
