//! One table, every optimizer (optax's `_OPTIMIZERS_UNDER_TEST`): each runs
//! on a parabola, Rosenbrock and a logistic regression; parameters keep
//! their shapes and stay finite, and the loss comes down.

mod common;

use majorize::optim::{self, RunOptions};
use majorize::{Model, Problem, lang};

/// (optimizer, lr, extra options) under test.
const UNDER_TEST: &[(&str, f64, &str)] = &[
    ("sgd", 1e-3, ""),
    ("sgd", 1e-3, "momentum=0.9"),
    ("sgd", 1e-3, "momentum=0.9,nesterov=true"),
    ("adam", 1e-2, ""),
    ("adam", 1e-2, "amsgrad=true"),
    ("adamw", 1e-2, ""),
    ("rmsprop", 1e-3, ""),
    ("rmsprop", 1e-3, "centered=true,momentum=0.5"),
    ("adagrad", 1e-1, ""),
    ("lion", 1e-3, ""),
    ("roaree", 1e-3, "surrogate=tanh,kappa=10"),
    ("roaree", 1e-3, "surrogate=erf,kappa=10"),
    ("normalized", 1e-2, "beta=0"),
    ("greedy_sgdm", 1e-3, ""),
    ("greedy_sgdm", 1e-3, "mode=per_tensor,j_ema=0.5"),
    ("greedy_adam", 1e-2, ""),
    ("greedy_adam", 1e-2, "mode=per_tensor,decoupled=true,weight_decay=1e-4"),
    ("dog", 1.0, ""),
    ("prodigy", 1.0, ""),
    ("dadapt_adam", 1.0, ""),
    ("sf_sgd", 1e-3, ""),
    ("sf_adamw", 1e-2, ""),
];

fn parabola() -> Model {
    lang::parse_program("p.loss", "param x[3] = [1, 2, 3]\nminimize sum(x^2)\n", std::path::Path::new(".")).unwrap()
}

fn rosenbrock() -> Model {
    common::example("rosenbrock.loss")
}

fn logistic() -> Model {
    common::example("logistic_breast_cancer.loss")
}

/// Parameter-free methods: their `lr` is a multiplier that stays 1.
const PARAMETER_FREE: &[&str] = &["dog", "prodigy", "dadapt_adam"];

/// Runs every optimizer under test on `model` (with its lr times `lr_scale`,
/// except for the parameter-free methods)
/// and checks that the final loss is at most `fraction` of the initial one.
fn check_all(model: &Model, what: &str, steps: usize, lr_scale: f64, fraction: f64) {
    for &(name, lr, opt) in UNDER_TEST {
        let entry = optim::find(optim::baselines(), name).unwrap();
        let scale = if PARAMETER_FREE.contains(&name) { 1.0 } else { lr_scale };
        let o = optim::options(&entry, Some(lr * scale), Some(opt)).unwrap();
        let mut optimizer = entry.build(&o).unwrap();
        let mut problem = Problem::new(model);
        let run_opts = RunOptions { max_steps: steps, ..RunOptions::default() };
        let r = optim::run(optimizer.as_mut(), &mut problem, model.init.clone(), &run_opts, |_| {});
        let label = format!("{name} {opt} on {what}");
        assert_eq!(r.steps(), steps, "{label}: {:?}", r.stop);
        for (p, q) in r.params.iter().zip(&model.init) {
            assert_eq!(p.shape(), q.shape(), "{label}");
            assert!(p.is_finite(), "{label}");
        }
        let (first, last) = (r.trace[0].loss, r.loss());
        assert!(last <= fraction * first, "{label}: loss {first} -> {last}");
    }
}

#[test]
fn every_optimizer_on_a_parabola() {
    check_all(&parabola(), "sum x^2", 3000, 10.0, 1e-3);
}

#[test]
fn every_optimizer_on_rosenbrock() {
    check_all(&rosenbrock(), "Rosenbrock", 3000, 1.0, 0.2);
}

#[test]
fn every_optimizer_on_logistic_regression() {
    check_all(&logistic(), "logistic regression", 300, 10.0, 0.3);
}
