//! The MM optimizers: every step is monotone on random losses (convex and
//! not), they converge on strongly convex ones, and the examples converge.

mod common;

use common::example;
use majorize::optim::{self, Alternating, FullMm, QuasiNewton, RunOptions, RunResult, SafeCombination, SafeRate};
use majorize::{Evaluator, Model, Optimizer, Problem, Shape, Tensor, lang, testing};
use proptest::prelude::*;

fn run(model: &Model, opt: &mut dyn Optimizer, x0: Vec<Tensor>, steps: usize, tol: f64) -> RunResult {
    let mut p = Problem::new(model);
    optim::run(opt, &mut p, x0, &RunOptions { max_steps: steps, grad_tol: tol, ..RunOptions::default() }, |_| {})
}

fn monotone(r: &RunResult) -> bool {
    r.trace.windows(2).all(|w| w[1].loss <= w[0].loss)
}

fn optimistic_lbfgs() -> SafeRate {
    SafeRate::default().with_direction(Box::new(QuasiNewton { memory: 10 })).optimistic(true)
}

/// A registered MM optimizer with its defaults.
fn registered(name: &str) -> Box<dyn Optimizer> {
    let entry = optim::find(optim::majorizers(), name).unwrap();
    entry.build(&optim::options(&entry, None, None).unwrap()).unwrap()
}

fn mm_optimizers() -> Vec<(&'static str, Box<dyn Optimizer>)> {
    vec![
        ("saferate", Box::new(SafeRate::default())),
        ("saferate_lbfgs", Box::new(SafeRate::default().with_direction(Box::new(QuasiNewton { memory: 10 })))),
        ("optimistic_lbfgs", Box::new(optimistic_lbfgs())),
        ("safecombination", Box::new(SafeCombination::default())),
        (
            "safecombination_lbfgs",
            Box::new(SafeCombination::default().with_direction(Box::new(QuasiNewton { memory: 10 }))),
        ),
        ("safecombination_adam", registered("safecombination_adam")),
        ("fullmm", Box::new(FullMm::default())),
        ("lastlayer", Box::new(Alternating::default())),
    ]
}

proptest! {
    #![proptest_config(majorize::testing::config(60))]

    /// Random losses over every primitive (convex or not, possibly unbounded
    /// below): every step of every MM optimizer keeps or lowers the loss,
    /// and the parameters stay finite.
    #[test]
    fn every_step_is_monotone(case in testing::losses(9, false)) {
        for (_, mut opt) in mm_optimizers() {
            testing::monotone(opt.as_mut(), &case.model, &case.start, 12)?;
        }
    }

    /// Convex problems with a known minimizer (quadratics of condition
    /// number up to 100, ridge-regularized logistic and softmax regression
    /// on random data): every MM optimizer reaches it in 3000 steps,
    /// monotonically: within 1e-4 (relative), and 1e-6 for those that use
    /// curvature (L-BFGS directions, full MM). (Not much closer: a step is
    /// taken only where its certified decrease, about `L |x - x*|^2`,
    /// exceeds the rounding of the loss, `eps |f|`, so a certified method
    /// resolves the minimizer to about `sqrt(eps |f| / L)`; 1e-8 fails.)
    #[test]
    fn convex_problems_reach_their_minimizer(p in testing::convex()) {
        for (name, mut opt) in mm_optimizers() {
            testing::monotone(opt.as_mut(), &p.model, &p.start, 20)?;
            // The curvature-aware ones (L-BFGS directions, full MM) to 1e-6.
            let tol = if name.contains("lbfgs") || name == "fullmm" || name == "lastlayer" { 1e-6 } else { 1e-4 };
            let k = testing::reaches(opt.as_mut(), &p.model, &p.start, &p.minimizer, 3000, tol);
            prop_assert!(k.is_ok(), "{name}: {}", k.unwrap_err());
        }
    }
}

#[test]
fn rosenbrock_to_1e_10() {
    let model = example("rosenbrock.loss");
    let r = run(&model, &mut FullMm::default(), model.init.clone(), 1000, 0.0);
    assert!(monotone(&r));
    assert!(r.loss() < 1e-10, "{} after {} steps", r.loss(), r.steps());
}

/// Logistic regression on breast_cancer, against Newton's method in f64.
#[test]
fn logistic_regression_reaches_the_newton_optimum() {
    let model = example("logistic_breast_cancer.loss");
    let data = |name: &str| {
        let d = model.graph.data_tensors().iter().find(|d| d.name == name).unwrap();
        (*d.value).clone()
    };
    let (x, y) = (data("X"), data("y"));
    let (n, p) = match x.shape() {
        Shape::Matrix(n, p) => (n, p),
        s => panic!("{s}"),
    };
    // Newton on f(w, b) = mean(softplus(z) - y z) + 1e-3 |w|^2, z = X w + b.
    let mut theta = vec![0.0; p + 1];
    for _ in 0..30 {
        let mut grad = vec![0.0; p + 1];
        let mut hess = faer::Mat::<f64>::zeros(p + 1, p + 1);
        for i in 0..n {
            let row: Vec<f64> = (0..p).map(|j| x.at(i, j)).chain(std::iter::once(1.0)).collect();
            let z: f64 = row.iter().zip(&theta).map(|(a, b)| a * b).sum();
            let s = 1.0 / (1.0 + (-z).exp());
            for a in 0..=p {
                grad[a] += (s - y.data()[i]) * row[a] / n as f64;
                for b in 0..=p {
                    hess[(a, b)] += s * (1.0 - s) * row[a] * row[b] / n as f64;
                }
            }
        }
        for a in 0..p {
            grad[a] += 2e-3 * theta[a];
            hess[(a, a)] += 2e-3;
        }
        let rhs = faer::Mat::<f64>::from_fn(p + 1, 1, |r, _| grad[r]);
        use faer::prelude::Solve;
        let step = hess.partial_piv_lu().solve(&rhs);
        for a in 0..=p {
            theta[a] -= step[(a, 0)];
        }
    }
    let optimum = {
        let mut ev = Evaluator::new(&model.graph, model.loss);
        ev.forward(&[Tensor::vector(theta[..p].to_vec()), Tensor::scalar(theta[p])]).item()
    };
    for (name, mut opt) in [
        ("safecombination", Box::new(SafeCombination::default()) as Box<dyn Optimizer>),
        ("saferate", Box::new(SafeRate::default())),
        ("saferate_lbfgs", Box::new(SafeRate::default().with_direction(Box::new(QuasiNewton { memory: 10 })))),
        ("optimistic_lbfgs", Box::new(optimistic_lbfgs())),
    ] {
        let r = run(&model, opt.as_mut(), model.init.clone(), 2000, 0.0);
        assert!(monotone(&r), "{name}");
        assert!((r.loss() - optimum).abs() <= 1e-6, "{name}: {} vs the optimum {optimum}", r.loss());
    }
}

#[test]
fn softmax_regressions_converge() {
    for name in ["softmax_iris.loss", "softmax_wine.loss"] {
        let model = example(name);
        let r = run(&model, &mut SafeCombination::default(), model.init.clone(), 2000, 0.0);
        assert!(monotone(&r), "{name}");
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let (_, g) = ev.value_and_grad(&r.params);
        let norm: f64 = g.iter().map(|t| t.dot(t)).sum::<f64>().sqrt();
        assert!(norm < 1e-5, "{name}: gradient norm {norm} at loss {} ({})", r.loss(), r.stop);
    }
}

#[test]
fn the_digits_mlp_decreases_monotonically_over_200_steps() {
    let model = example("mlp_digits.loss");
    let r = run(&model, &mut SafeRate::default(), model.init.clone(), 200, 0.0);
    assert_eq!(r.steps(), 200, "{}", r.stop);
    assert!(monotone(&r));
    assert!(r.loss() < 0.5 * r.trace[0].loss, "{} -> {}", r.trace[0].loss, r.loss());
}

/// The diagnosis leaves the steps unchanged, and says what it should: on
/// the digits MLP the optimistic steps come near the line minimizer (their
/// ratio is within [0.5, 2] on most steps) and the bound's curvature is at
/// least the true one wherever both are known (it must be, up to rounding:
/// C2 encloses h''(0)/2).
#[test]
fn diagnosis_changes_no_step() {
    let model = example("mlp_digits.loss");
    let plain = run(&model, &mut optimistic_lbfgs(), model.init.clone(), 12, 0.0);
    let mut p = Problem::new(&model);
    p.set_diagnose(true);
    let opts = RunOptions { max_steps: 12, ..RunOptions::default() };
    let diagnosed = optim::run(&mut optimistic_lbfgs(), &mut p, model.init.clone(), &opts, |_| {});
    let losses = |r: &RunResult| r.trace.iter().map(|p| p.loss).collect::<Vec<_>>();
    assert_eq!(losses(&plain), losses(&diagnosed));
    let d: Vec<_> = diagnosed.trace.iter().filter_map(|p| p.record.as_ref()?.diagnosis).collect();
    assert_eq!(d.len(), 12);
    let near = d.iter().filter(|d| (0.5..=2.0).contains(&d.step_ratio)).count();
    assert!(near >= 9, "{d:?}");
    for x in &d {
        assert!(x.curvature_ratio.is_nan() || x.curvature_ratio >= 1.0 - 1e-9, "{x:?}");
    }
}

/// SafeRate wraps a baseline's update: monotone, and it beats that baseline's
/// own fixed-rate steps when the rate is too large.
#[test]
fn saferate_wraps_a_baseline_direction() {
    let model = example("rosenbrock.loss");
    let entry = optim::find(optim::baselines(), "adam").unwrap();
    let adam = entry.direction(&optim::options(&entry, Some(0.5), None).unwrap()).unwrap();
    let r = run(&model, &mut SafeRate::default().with_direction(adam), model.init.clone(), 300, 0.0);
    assert!(monotone(&r));
    let plain = run(
        &model,
        entry.build(&optim::options(&entry, Some(0.5), None).unwrap()).unwrap().as_mut(),
        model.init.clone(),
        300,
        0.0,
    );
    assert!(!monotone(&plain), "plain Adam at lr 0.5 is not monotone here");
    assert!(r.loss() < r.trace[0].loss);
}

/// Domains: the bound over a region that leaves log's domain is infinite,
/// so the trust region shrinks instead of stepping into NaN.
#[test]
fn no_nan_at_domain_boundaries() {
    for src in ["x - 2*log(x)", "rsqrt(x) + x", "sqrt(x) - log(x) + 0.1*x^2"] {
        let mut model = lang::parse_inline(src).unwrap();
        model.set_init("x", Tensor::scalar(0.05)).unwrap();
        for (name, mut opt) in mm_optimizers() {
            let r = run(&model, opt.as_mut(), model.init.clone(), 200, 0.0);
            assert!(monotone(&r), "{name} on {src}");
            assert!(
                r.params[0].item().is_finite() && r.params[0].item() > 0.0,
                "{name} on {src}: {}",
                r.params[0].item()
            );
        }
    }
}

/// A loss with no parameters: full MM says it does not apply, the others
/// step without moving, and nothing panics.
#[test]
fn no_parameters_is_handled() {
    let b = majorize::Builder::new();
    let c = b.constant(2.0);
    let model = b.minimize(c.exp()).expect("a scalar loss");
    for (name, mut opt) in mm_optimizers() {
        let mut p = Problem::new(&model);
        let mut x: Vec<Tensor> = Vec::new();
        match opt.step(&mut p, &mut x) {
            Ok(rec) => assert_eq!(rec.loss, 2f64.exp(), "{name}"),
            Err(e) => {
                assert_eq!(name, "fullmm");
                assert!(e.to_string().contains("at least one scalar parameter"), "{e}");
            }
        }
    }
}
