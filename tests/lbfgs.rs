//! L-BFGS, CG and certified L-BFGS: L-BFGS's iterates are SciPy's
//! L-BFGS-B's on the test functions and three data problems (tests/data/scipy_lbfgs.json, written by
//! `bench/scipy_lbfgs.py --reference`), every method reaches SciPy's
//! optimum on the convex problems, and the certified method never
//! increases the loss.

use majorize::optim::{self, Cg, Lbfgs, Optimizer, QuasiNewton, RunOptions, SafeRate};
use majorize::{Model, Problem, Tensor};

fn example(name: &str) -> Model {
    let path = format!("{}/bench/{name}.loss", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    majorize::lang::parse_program(&path, &text, std::path::Path::new(&path).parent().unwrap()).unwrap()
}

fn reference() -> serde_json::Value {
    let path = format!("{}/tests/data/scipy_lbfgs.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn flat(ts: &[Tensor]) -> Vec<f64> {
    ts.iter().flat_map(|t| t.data().to_vec()).collect()
}

/// The first 20 iterates agree with SciPy's to 1e-10 relative (measured
/// here: 4e-14 at most): the two compute the same direction in different
/// orders (L-BFGS-B's compact form against the two-loop recursion) with the
/// same line search.
#[test]
fn iterates_are_scipys() {
    let r = reference();
    let problems = r["problems"].as_object().unwrap();
    let mut compared = 0;
    for name in [
        "rosenbrock",
        "beale",
        "booth",
        "himmelblau",
        "matyas",
        "three_hump_camel",
        "goldstein_price",
        "logistic_breast_cancer",
        "ridge_diabetes",
        "softmax_iris",
    ] {
        let want = problems[name]["iterates"].as_array().unwrap();
        let model = example(name);
        let mut problem = Problem::new(&model);
        let mut opt = Lbfgs::default();
        let mut x = model.init.clone();
        for (k, w) in want.iter().enumerate() {
            let w: Vec<f64> = w.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            let got = flat(&x);
            let scale = w.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (a, b) in got.iter().zip(&w) {
                assert!((a - b).abs() <= 1e-10 * scale, "{name}, iterate {k}: {got:?} vs SciPy's {w:?}");
            }
            compared += 1;
            opt.step(&mut problem, &mut x).unwrap();
        }
    }
    assert!(compared >= 160, "{compared} iterates compared");
}

fn run(model: &Model, opt: &mut dyn Optimizer, steps: usize) -> optim::RunResult {
    let mut problem = Problem::new(model);
    let opts =
        RunOptions { max_steps: steps, grad_tol: 1e-10, stall_steps: optim::STALL_STEPS, ..RunOptions::default() };
    optim::run(opt, &mut problem, model.init.clone(), &opts, |_| {})
}

/// SciPy's optimum to 1e-10 relative (the convex problems have one).
#[test]
fn every_method_reaches_scipys_optimum_on_the_convex_problems() {
    let r = reference();
    let problems = r["problems"].as_object().unwrap();
    for name in ["logistic_breast_cancer", "ridge_diabetes", "softmax_iris", "softmax_wine"] {
        let want = problems[name]["loss"].as_f64().unwrap();
        let model = example(name);
        let methods: Vec<(&str, Box<dyn Optimizer>)> = vec![
            ("lbfgs", Box::new(Lbfgs::default())),
            ("cg", Box::new(Cg::default())),
            ("saferate_lbfgs", Box::new(SafeRate::default().with_direction(Box::new(QuasiNewton { memory: 10 })))),
        ];
        for (m, mut opt) in methods {
            let out = run(&model, opt.as_mut(), 2000);
            let losses: Vec<f64> = out.trace.iter().map(|p| p.loss).collect();
            assert!(losses.windows(2).all(|w| w[1] <= w[0]), "{m} on {name}: the loss rose");
            assert!(
                (out.loss() - want).abs() <= 1e-10 * want,
                "{m} on {name}: {} vs SciPy's {want} ({})",
                out.loss(),
                out.stop
            );
        }
    }
}

/// L-BFGS and CG go down the Rosenbrock valley to its minimum; the
/// certified method too, never up.
#[test]
fn rosenbrock_to_its_minimum() {
    let model = example("rosenbrock");
    for (m, mut opt) in [
        ("lbfgs", Box::new(Lbfgs::default()) as Box<dyn Optimizer>),
        ("cg", Box::new(Cg::default())),
        ("saferate_lbfgs", Box::new(SafeRate::default().with_direction(Box::new(QuasiNewton { memory: 10 })))),
    ] {
        let out = run(&model, opt.as_mut(), 500);
        assert!(out.loss() < 1e-20, "{m}: {} after {} steps ({})", out.loss(), out.steps(), out.stop);
        let losses: Vec<f64> = out.trace.iter().map(|p| p.loss).collect();
        assert!(losses.windows(2).all(|w| w[1] <= w[0]), "{m}: the loss rose");
    }
}

#[test]
fn memory_must_be_a_positive_integer() {
    let entry = optim::find(optim::all(), "lbfgs").unwrap();
    for bad in ["memory=0", "memory=2.5", "memory=-1"] {
        let o = optim::options(&entry, None, Some(bad)).unwrap();
        let e = entry.build(&o).err().expect(bad).to_string();
        assert!(e.contains("memory") && e.contains("integer"), "{bad}: {e}");
    }
    assert!(optim::options(&entry, Some(0.1), None).is_err(), "lbfgs has no learning rate");
}
