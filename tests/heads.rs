//! Loss heads end to end: on small random networks with a softmax
//! cross-entropy or a squared-error head (recognised after
//! simplification), SafeRate's bound `line2` holds at sampled points of
//! the ray, keeps the general pass's exact coefficients, and its
//! curvature is never above the general pass's.

use majorize::bound::Bounder;
use majorize::simplify::Simplifier;
use majorize::{Evaluator, Interval, Tensor, lang};
use rand::{RngExt, SeedableRng, rngs::StdRng};

/// A literal matrix of random numbers in `[-s, s]`.
fn matrix(rng: &mut StdRng, rows: usize, cols: usize, s: f64) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|_| {
            format!("[{}]", (0..cols).map(|_| format!("{:.6}", rng.random_range(-s..s))).collect::<Vec<_>>().join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

/// A random network program: `n` rows, `d` inputs, `h` hidden units, `k`
/// outputs, the hidden function `act`, and the head `head`.
fn program(rng: &mut StdRng, n: usize, d: usize, h: usize, k: usize, act: &str, head: &str) -> String {
    let labels: Vec<String> = (0..n).map(|_| rng.random_range(0..k).to_string()).collect();
    format!(
        "data X = {}\ndata y = [{}]\ndata T = {}\nparam W1[{d}, {h}] = normal(0, 1)\nparam b1[{h}] = normal(0, 0.5)\n\
         param W2[{h}, {k}] = normal(0, 1)\nparam b2[{k}] = 0\nlet Z = {act}(X @ W1 + b1) @ W2 + b2\nminimize {head}\n",
        matrix(rng, n, d, 2.0),
        labels.join(", "),
        matrix(rng, n, k, 1.0),
    )
}

#[test]
fn line2_holds_and_is_no_wider_on_random_networks() {
    let heads = [
        "mean(logsumexp(Z, 1) - sum(onehot(y, K) * Z, 1))",
        "mean(logsumexp(Z, 1) - sum(onehot(y, K) * Z, 1)) + 1e-2 * sum(W1^2)",
        "0.5 * mean((Z - T)^2) + 1e-3 * sum(W2^2)",
        "mean((T - Z)^2)",
    ];
    let mut rng = StdRng::seed_from_u64(0);
    let mut tighter = [0usize; 4];
    for case in 0..32 {
        let which = case % heads.len();
        let k = [2, 3, 5, 10][case / 4 % 4];
        let act = ["softplus", "tanh"][case / 16];
        let head = heads[which].replace('K', &k.to_string());
        let text = program(&mut rng, 12, 3, 4, k, act, &head);
        let model = lang::parse_program("random", &text, std::path::Path::new(".")).unwrap();
        let (model, _) = Simplifier::default().run_model(&model);
        let (graph, root) = (&model.graph, model.loss);
        let b = Bounder::new(graph, root);
        let mut ev = Evaluator::new(graph, root);
        let x0 = model.init.clone();
        let (_, g) = ev.value_and_grad(&x0);
        let random: Vec<Tensor> = g.iter().map(|t| t.map(|_| rng.random_range(-1.0..1.0))).collect();
        for v in [g.iter().map(|t| t.map(|x| -x)).collect::<Vec<_>>(), random] {
            for e in [0.05, 0.5, 2.0] {
                let general = b.line::<3>(&x0, &v, Interval::new(0.0, e)).polys[0].c;
                let old = b.fused2(&x0, &v, e).unwrap_or(general);
                let new = b.line2(&x0, &v, e);
                assert!(new[0] == old[0] && new[1] == old[1], "case {case}: the exact coefficients are kept");
                assert!(
                    new[2].hi() <= old[2].hi() && new[2].lo() >= old[2].lo(),
                    "case {case}: {} vs {}",
                    new[2],
                    old[2]
                );
                if new[2].hi() < 0.99 * old[2].hi() {
                    tighter[which] += 1;
                }
                for i in 1..=40 {
                    let t = e * f64::from(i) / 40.0;
                    let x: Vec<Tensor> = x0.iter().zip(&v).map(|(x, d)| x.zip_with(d, |x, d| x + t * d)).collect();
                    let f = ev.forward(&x).item();
                    let upper = new[0].hi() + new[1].hi() * t + new[2].hi() * t * t;
                    let tol = 1e-11 * (f.abs() + (new[2].hi() * t * t).abs() + 1.0);
                    assert!(f <= upper + tol, "case {case} ({head}, e = {e}), t = {t}: {f} > {upper}");
                }
            }
        }
    }
    // The heads make a difference somewhere on every kind of head.
    assert!(tighter.iter().all(|&n| n > 0), "cases where the head's bound is tighter: {tighter:?}");
}

/// Where the predictions are affine along the ray (linear regression), the
/// general pass is already exact for a squared error: its `C2` is the
/// constant ratio of the quadratic `f(x0 + t v)`, to rounding, and the
/// head cannot narrow it (the head's own bound is the same number).
#[test]
fn squared_error_of_affine_predictions_is_already_exact() {
    let mut rng = StdRng::seed_from_u64(3);
    for case in 0..8 {
        let text = format!(
            "data X = {}\ndata t = [{}]\nparam w[3] = normal(0, 1)\nparam b = 0.5\nminimize 0.5 * mean((X @ w + b - t)^2)\n",
            matrix(&mut rng, 20, 3, 2.0),
            (0..20).map(|_| format!("{:.4}", rng.random_range(-1.0..1.0))).collect::<Vec<_>>().join(", "),
        );
        let model = lang::parse_program("affine", &text, std::path::Path::new(".")).unwrap();
        let (model, _) = Simplifier::default().run_model(&model);
        let b = Bounder::new(&model.graph, model.loss);
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let x0 = model.init.clone();
        let v: Vec<Tensor> = x0.iter().map(|t| t.map(|_| rng.random_range(-1.0..1.0))).collect();
        let e = 1.5;
        let general = b.line::<3>(&x0, &v, Interval::new(0.0, e)).polys[0].c;
        let new = b.line2(&x0, &v, e);
        // f is quadratic in t: its ratio is f(x0 + v) - c0 - c1 at t = 1.
        let x1: Vec<Tensor> = x0.iter().zip(&v).map(|(x, d)| x.zip_with(d, |x, d| x + d)).collect();
        let ratio = ev.forward(&x1).item() - general[0].mid() - general[1].mid();
        let tol = 1e-12 * (ev.forward(&x0).item().abs() + ratio.abs() + 1.0);
        assert!((general[2].hi() - ratio).abs() <= tol, "case {case}: {} vs {ratio}", general[2]);
        assert!(new[2].hi() >= general[2].hi() - tol, "case {case}");
    }
}
