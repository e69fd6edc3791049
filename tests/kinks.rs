//! Kinks: enclosures at a kink along a ray are finite and hold; every MM
//! step stays monotone on losses with abs, relu, max and min; proximal MM
//! reaches the lasso optimum; a stall on a kink no method handles is said.

mod common;

use majorize::bound::{self, Bounder};
use majorize::optim::{self, FullMm, QuasiNewton, RunOptions, SafeCombination, SafeRate};
use majorize::testing::{Instr, instr};
use majorize::{Evaluator, Func, Graph, Interval, Model, NodeId, Optimizer, Problem, Shape, Tensor};
use proptest::prelude::*;

/// `kink(t) + h` with `t = x - x0` (exactly 0 at `x0`) and `h` a random
/// function: kind 0 `abs(t h)`, 1 `relu(t h)`, 2 `max(t h, c t)`, 3
/// `min(c t, t^2 h)` (the graph's max and min: `a + relu(b - a)` and
/// `a - relu(a - b)`).
/// Returns the model, `h`'s node and the kink argument's slope at `x0`.
fn kinked(prog: &[Instr], x0: f64, kind: u8, c: f64) -> (Model, NodeId, f64) {
    let mut g = Graph::new();
    let x = g.param("x", Shape::Scalar).unwrap();
    let mut pool = vec![x];
    for ins in prog {
        majorize::testing::apply(&mut g, &mut pool, ins, true);
    }
    let h = *pool.last().unwrap();
    let at = g.constant(x0);
    let t = g.sub(x, at).unwrap();
    let th = g.mul(t, h).unwrap();
    let k = g.constant(c);
    let tc = g.mul(t, k).unwrap();
    let node = match kind % 4 {
        0 => g.func(Func::Abs, th),
        1 => g.func(Func::Relu, th),
        2 => g.max(th, tc).unwrap(),
        _ => {
            let t2h = g.mul(t, th).unwrap();
            g.min(tc, t2h).unwrap()
        }
    };
    let f = g.add(node, h).unwrap();
    let loss = g.sum(f, None).unwrap();
    let h0 = Evaluator::new(&g, h).forward(&[Tensor::scalar(x0)]).item();
    let slope = match kind % 4 {
        0 | 1 => h0,
        2 => c - h0,
        _ => c,
    };
    (Model::new(g, loss, vec![Tensor::scalar(x0)]).unwrap(), h, slope)
}

proptest! {
    #![proptest_config(majorize::testing::config(600))]

    /// Over `[x0, x0 + e]` or `[x0 - e, x0]` with a kink at `x0`, every degree's enclosure
    /// holds (decided exactly), and it is finite wherever the smooth part's
    /// is and the kink's argument leaves 0 at a slope away from 0.
    #[test]
    fn one_sided_enclosures_hold_and_are_finite(
        prog in prop::collection::vec(instr(), 0..6),
        x0 in -1.5f64..1.5,
        e in 0.01f64..1.5,
        kind in 0u8..4,
        c in -2.0f64..2.0,
        k in 1usize..=5,
        left in any::<bool>(),
    ) {
        let (model, h, slope) = kinked(&prog, x0, kind, c);
        let (g, loss) = (&model.graph, model.loss);
        let region = if left { (x0 - e, x0) } else { (x0, x0 + e) };
        let enc = bound::taylor_bounds(g, loss, x0, region, k);
        let mut ev = Evaluator::new(g, loss);
        for j in 0..=24 {
            let x = (region.0 + e * j as f64 / 24.0).clamp(region.0, region.1);
            let f = ev.forward(&[Tensor::scalar(x)]).item();
            if !f.is_finite() {
                prop_assert!(!enc.at(x).is_finite());
                continue;
            }
            prop_assert!(enc.holds_at(g, loss, x) != Some(false), "{} at {x}: {:?}", g.display(loss), enc.coefficients);
        }
        let smooth = bound::taylor_bounds(g, h, x0, region, k);
        // (A smooth part whose remainder is huge may overflow in the composition.)
        if smooth.coefficients.iter().all(|c| c.is_finite() && c.mag() < 1e8) && slope.abs() > 1e-3 {
            prop_assert!(enc.coefficients.iter().all(|c| c.is_finite()), "{}: {:?}", g.display(loss), enc.coefficients);
        }
    }
}

/// The linear coefficient at a kink is the one-sided derivative along the
/// ray, not the subgradient 0.
#[test]
fn the_linear_coefficient_is_the_directional_derivative() {
    // (expression, region right of 0, c1 = f'(0+), the remainder interval over it)
    // (expression, region, c1: the derivative from 0 into the region)
    let cases: [(&str, (f64, f64), f64); 8] = [
        ("abs(x - x^2)", (0.0, 2.0), 1.0),
        ("relu(2*x - x^3)", (0.0, 1.0), 2.0),
        ("abs(-3*x)", (0.0, 1.0), 3.0),
        ("relu(-x) + x^2", (0.0, 1.0), 0.0),
        ("abs(x) * exp(x)", (0.0, 1.0), 1.0),
        ("abs(x - x^2)", (-1.0, 0.0), -1.0),
        ("relu(-x) + x^2", (-1.0, 0.0), -1.0),
        ("relu(x^2 - x^3)", (-1.0, 0.0), 0.0),
    ];
    for (text, region, slope) in cases {
        let m = majorize::lang::parse_inline(text).unwrap();
        let enc = bound::taylor_bounds(&m.graph, m.loss, 0.0, region, 2);
        assert!(enc.coefficients.iter().all(|c| c.is_finite()), "{text}: {:?}", enc.coefficients);
        assert_eq!(enc.coefficients[0], Interval::ZERO, "{text}");
        assert!(
            enc.coefficients[1].contains(slope) && enc.coefficients[1].width() <= 1e-14,
            "{text}: {:?}",
            enc.coefficients
        );
    }
}

/// A loss on `a`, `v[3]`, `M[2, 3]`: a random part plus kink terms whose
/// arguments are exactly 0 at `x0` (separable penalties, and a max and a
/// min of parameters), and `x0`.
fn kinked_model(prog: &[Instr], vals: &[f64]) -> (Model, Vec<Tensor>) {
    let base = majorize::testing::random_model(prog, false);
    let x0 = majorize::testing::params_from(&base, vals);
    let mut g = base.graph.clone();
    let (a, v, m) = (g.param_node(0).unwrap(), g.param_node(1).unwrap(), g.param_node(2).unwrap());
    let v0 = g.data("v0", x0[1].clone()).unwrap();
    let a0 = g.constant(x0[0].item());
    let dv = g.sub(v, v0).unwrap();
    let l1 = g.func(Func::Abs, dv);
    let l1 = g.sum(l1, None).unwrap();
    let da = g.sub(a0, a).unwrap();
    let hinge = g.func(Func::Relu, da);
    // max(v_0 - v0_0 ... ) through the relu form on the matrix entries: M - M0 vs 0.
    let m0 = g.data("M0", x0[2].clone()).unwrap();
    let dm = g.sub(m, m0).unwrap();
    let sq = g.powi(dm, 2);
    let gap = g.sub(dm, sq).unwrap();
    let maxed = g.func(Func::Relu, gap);
    let maxed = g.sum(maxed, None).unwrap();
    let mut loss = base.loss;
    for t in [l1, hinge, maxed] {
        loss = g.add(loss, t).unwrap();
    }
    (Model::new(g, loss, x0.clone()).unwrap(), x0)
}

fn mm_optimizers() -> Vec<(&'static str, Box<dyn Optimizer>)> {
    vec![
        ("saferate", Box::new(SafeRate::default())),
        ("saferate_lbfgs", Box::new(SafeRate::default().with_direction(Box::new(QuasiNewton { memory: 10 })))),
        ("safecombination", Box::new(SafeCombination::default())),
        ("fullmm", Box::new(FullMm::default())),
    ]
}

proptest! {
    #![proptest_config(majorize::testing::config(60))]

    /// Random losses with kink terms, started on their kinks: every step of
    /// every MM optimizer keeps or lowers the loss; the ray and box
    /// enclosures there hold at sampled points (to the rounding of the
    /// evaluated loss).
    #[test]
    fn mm_is_monotone_on_kinked_losses(
        prog in prop::collection::vec(instr(), 1..8),
        vals in prop::collection::vec(-1.5f64..1.5, 10),
        dirs in prop::collection::vec(-1.0f64..1.0, 20),
        e in 0.05f64..1.0,
    ) {
        let (model, x0) = kinked_model(&prog, &vals);
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let (f0, g) = ev.value_and_grad(&x0);
        if !f0.is_finite() || !g.iter().all(Tensor::is_finite) {
            return Ok(());
        }
        let d1 = majorize::testing::params_from(&model, &dirs[..10]);
        let d2 = majorize::testing::params_from(&model, &dirs[10..]);
        let b = Bounder::new(&model.graph, model.loss);
        let [c0, c1, c2] = b.line2(&x0, &d1, e);
        let q = b.quad(&x0, &[d1.clone(), d2.clone()], &[Interval::new(0.0, e), Interval::new(0.0, e)]);
        let at = |s: f64, t: f64| -> Vec<Tensor> {
            x0.iter().zip(d1.iter().zip(&d2)).map(|(x, (p, r))| x.zip_with(p, |a, b| a + s * b).zip_with(r, |a, b| a + t * b)).collect()
        };
        for i in 0..=6 {
            let s = e * i as f64 / 6.0;
            let f = ev.forward(&at(s, 0.0)).item();
            let tol = 1e-10 * (1.0 + f.abs());
            if f.is_finite() && c2.is_finite() {
                let si = Interval::point(s);
                let iv = c0 + c1 * si + c2 * si.sqr();
                prop_assert!(iv.lo() - tol <= f && f <= iv.hi() + tol, "line: {f} outside {iv} at {s}");
            }
            for j in 0..=6 {
                let t = e * j as f64 / 6.0;
                let f = ev.forward(&at(s, t)).item();
                let iv = q.at(&[s, t]);
                if f.is_finite() && iv.is_finite() {
                    let tol = 1e-10 * (1.0 + f.abs());
                    prop_assert!(iv.lo() - tol <= f && f <= iv.hi() + tol, "quad: {f} outside {iv} at ({s}, {t})");
                }
            }
        }
        for (name, mut opt) in mm_optimizers() {
            let mut p = Problem::new(&model);
            let r = optim::run(opt.as_mut(), &mut p, x0.clone(), &RunOptions { max_steps: 10, grad_tol: 0.0, ..RunOptions::default() }, |_| {});
            prop_assert!(r.trace.windows(2).all(|w| w[1].loss <= w[0].loss), "{name}: {:?}", r.trace.iter().map(|p| p.loss).collect::<Vec<_>>());
            prop_assert!(r.params.iter().all(Tensor::is_finite), "{name}: non-finite parameters");
        }
    }
}

/// The lasso's optimum by cyclic coordinate descent with an exact
/// intercept (the columns are centred), run until no weight moves.
fn lasso_reference(x: &Tensor, y: &[f64], lambda: f64) -> f64 {
    let (n, p) = match x.shape() {
        Shape::Matrix(r, c) => (r, c),
        s => panic!("{s:?}"),
    };
    let b = y.iter().sum::<f64>() / n as f64;
    let col = |j: usize| (0..n).map(move |i| x.at(i, j));
    let norms: Vec<f64> = (0..p).map(|j| col(j).map(|v| v * v).sum::<f64>() / n as f64).collect();
    let mut w = vec![0.0; p];
    let mut r: Vec<f64> = y.iter().map(|v| v - b).collect();
    for _ in 0..100_000 {
        let mut moved = 0.0f64;
        for j in 0..p {
            let rho = col(j).zip(&r).map(|(a, b)| a * b).sum::<f64>() / n as f64 + norms[j] * w[j];
            let new = rho.signum() * (rho.abs() - lambda).max(0.0) / norms[j];
            if new != w[j] {
                for (i, ri) in r.iter_mut().enumerate() {
                    *ri -= x.at(i, j) * (new - w[j]);
                }
                moved = moved.max((new - w[j]).abs());
                w[j] = new;
            }
        }
        if moved < 1e-16 {
            break;
        }
    }
    let fit: f64 = r.iter().map(|v| v * v).sum::<f64>() / n as f64;
    0.5 * fit + lambda * w.iter().map(|v| v.abs()).sum::<f64>()
}

fn bench_file(name: &str) -> (std::path::PathBuf, Model) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench");
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    (path, majorize::lang::parse_program(name, &text, &dir).unwrap_or_else(|e| panic!("{}", e.render())))
}

#[test]
fn the_default_minimize_reaches_the_lasso_optimum_from_zero() {
    let (path, model) = bench_file("lasso_breast_cancer.loss");
    let data = |name: &str| model.graph.data_tensors().iter().find(|d| d.name == name).unwrap().value.clone();
    let best = lasso_reference(&data("X"), data("t").data(), 0.1);
    let out = common::majorize(&["minimize", path.to_str().unwrap(), "--json", "--quiet"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(v["optimizer"], "fullmm");
    let loss = v["loss"].as_f64().unwrap();
    assert!((loss - best).abs() <= 1e-10, "{loss} vs coordinate descent {best}");
    // The optimum is sparse: most weights are exactly 0.
    let zeros = v["params"]["w"].as_array().unwrap().iter().filter(|w| w.as_f64() == Some(0.0)).count();
    assert!(zeros >= 20, "{zeros} zero weights");
    // Proximal SafeRate, for losses too large for full MM, gets there too.
    let mut p = Problem::new(&model);
    let opts = RunOptions { max_steps: 3000, grad_tol: 0.0, stall_steps: optim::STALL_STEPS, ..RunOptions::default() };
    let r = optim::run(&mut SafeRate::default(), &mut p, model.init.clone(), &opts, |_| {});
    assert!((r.loss() - best).abs() <= 1e-10, "saferate: {} vs {best}", r.loss());
}

#[test]
fn a_kinked_one_dimensional_loss_reaches_its_minimum() {
    // (x - 1)^2 + |x| from 0: the minimum 0.75 at x = 1/2.
    let out = common::majorize(&["minimize", "(x-1)^2 + abs(x)", "--json", "--quiet"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert!((v["loss"].as_f64().unwrap() - 0.75).abs() <= 1e-15, "{v}");
    assert!((v["params"]["x"].as_f64().unwrap() - 0.5).abs() <= 1e-15, "{v}");
}

#[test]
fn a_stall_on_a_kink_is_reported() {
    // |x y - 1| is not separable: full MM has no majorizer at x y = 1.
    let out = common::majorize(&["minimize", "abs(x*y - 1) + (x-2)^2", "--init", "x=1,y=1", "--optimizer", "fullmm"]);
    assert_eq!(out.status.code(), Some(6), "{}", common::stderr(&out));
    assert!(common::stdout(&out).contains("(stalled_at_kink)"), "{}", common::stdout(&out));
    assert!(common::stderr(&out).contains("abs at 1 element"), "{}", common::stderr(&out));
    // SafeRate's ray leaves the kink one-sidedly and goes down, until it
    // sits on the kink's curve x y = 1 again (the minimum 0 is at x = 2 on it).
    let out = common::majorize(&[
        "minimize",
        "abs(x*y - 1) + (x-2)^2",
        "--init",
        "x=1,y=1",
        "--optimizer",
        "saferate",
        "--json",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(v["stop_reason"], "stalled_at_kink");
    assert!(v["loss"].as_f64().unwrap() < 0.5, "{v}");
}

#[test]
fn the_default_falls_back_to_saferate_where_full_mm_does_not_fit() {
    // 2000 x 40 data: full MM's bound carries 861 coefficients per element.
    let rows: Vec<String> = (0..2000)
        .map(|i| (0..41).map(|j| format!("{}", ((i * 41 + j) as f64 * 0.37).sin())).collect::<Vec<_>>().join(","))
        .collect();
    let dir = common::scratch(&[
        ("big.csv", &rows.join("\n")),
        (
            "lasso.loss",
            "data X = csv(\"big.csv\", cols=0:40)\ndata t = csv(\"big.csv\", cols=40)\nparam w[40] = 0\nminimize 0.5 * mean((X @ w - t)^2) + 0.01 * sum(abs(w))\n",
        ),
    ]);
    let out = common::majorize_in(
        &dir,
        &["minimize", "lasso.loss", "--max-memory", "16M", "--steps", "5", "--json", "--quiet"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(v["optimizer"], "saferate", "{v}");
    // With room for it, full MM is the default.
    let out = common::majorize_in(&dir, &["minimize", "lasso.loss", "--steps", "2", "--json", "--quiet"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(v["optimizer"], "fullmm", "{v}");
}

/// On random losses with kink terms, started on their kinks: the pieces
/// recognised add up to the graph's kink terms, and every proximal plan
/// that moves keeps its promise (the evaluated decrease is at least the
/// promised one, to the rounding of the evaluated loss).
#[test]
fn proximal_plans_keep_their_promises() {
    use majorize::mm::{kinks, prox};
    let mut runner = proptest::test_runner::TestRunner::new(majorize::testing::config(80));
    let strategy = (prop::collection::vec(instr(), 1..8), prop::collection::vec(-1.5f64..1.5, 10), 0.05f64..2.0);
    let moved = std::cell::Cell::new(0usize);
    runner
        .run(&strategy, |(prog, vals, r)| {
            let (model, x0) = kinked_model(&prog, &vals);
            let mut ev = Evaluator::new(&model.graph, model.loss);
            let (f0, g) = ev.value_and_grad(&x0);
            if !f0.is_finite() || !g.iter().all(Tensor::is_finite) {
                return Ok(());
            }
            let k = kinks::recognise(&model.graph, model.loss).expect("the penalties are kink terms");
            // The pieces are the terms: at shifted points, their enclosure holds the terms' sum.
            for shift in [0.0, 0.3, -0.7] {
                let x: Vec<Tensor> = x0.iter().map(|t| t.map(|v| v + shift * (v + 0.5).sin())).collect();
                let terms: f64 = k.terms.iter().map(|&t| Evaluator::new(&model.graph, t).forward(&x).item()).sum();
                let iv = k.enclose(&flat(&x));
                let tol = 1e-12 * (1.0 + terms.abs());
                prop_assert!(iv.lo() - tol <= terms && terms <= iv.hi() + tol, "{terms} outside {iv}");
            }
            let smooth = prox::Smooth::new(&model.graph, k);
            let flat_g = flat(&g);
            let gs: Vec<f64> = flat_g.iter().zip(smooth.kinks.gradient(&flat(&x0))).map(|(a, b)| a - b).collect();
            let radii = vec![r; gs.len()];
            for plan in [prox::box_plan(&smooth, &x0, &radii), prox::ray_plan(&smooth, &x0, &gs, r)] {
                if plan.size > 0.0 {
                    moved.set(moved.get() + 1);
                    let f = ev.forward(&plan.params(&x0)).item();
                    let tol = 1e-12 * (1.0 + f0.abs());
                    prop_assert!(
                        f0 - f >= plan.promised() - tol,
                        "decrease {} below the promised {}",
                        f0 - f,
                        plan.promised()
                    );
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(moved.get() >= 30, "only {} plans moved", moved.get());
}

fn flat(x: &[Tensor]) -> Vec<f64> {
    x.iter().flat_map(|t| t.data().iter().copied()).collect()
}
