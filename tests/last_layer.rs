//! Exact last-layer steps (squared error, softmax cross-entropy, logistic
//! loss): the bench networks are recognised (after
//! simplification, as `minimize` sees them), losses without a last linear
//! layer are not, and on random small networks every exact step and every
//! `lastlayer` step keeps or lowers the loss.

mod common;

use majorize::mm::last_layer::{Head, recognise};
use majorize::optim::Alternating;
use majorize::simplify::Simplifier;
use majorize::testing::{monotone, networks};
use majorize::{Evaluator, Model, lang};
use proptest::prelude::*;

/// A `.loss` file of `bench/`, simplified as `minimize` does.
fn bench(name: &str) -> Model {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench");
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let model = lang::parse_program(name, &text, &dir).unwrap_or_else(|e| panic!("{}", e.render()));
    Simplifier::default().run_model(&model).0
}

#[test]
fn the_bench_networks_are_recognised() {
    // (file, head, W, b, factor: 1/N of the mean (1797 digits, 1/N over
    // the sp500 weeks), ridge on W)
    let sp500_weeks = bench("sp500_mlp.loss").graph.data_tensors()[0].value.shape().dims2().0;
    let cases = [
        ("mlp_digits.loss", Head::CrossEntropy, "W2", "b2", 1.0 / 1797.0, 0.0),
        ("mlp_deep_digits.loss", Head::CrossEntropy, "W3", "b3", 1.0 / 1797.0, 0.0),
        ("softmax_digits.loss", Head::CrossEntropy, "W", "b", 1.0 / 1797.0, 1e-3),
        ("sp500_mlp.loss", Head::Squared, "w2", "b2", 1.0 / sp500_weeks as f64, 0.0),
    ];
    for (file, head, w, b, factor, ridge) in cases {
        let model = bench(file);
        let layer = recognise(&model.graph, model.loss).unwrap_or_else(|| panic!("{file}: no last layer"));
        let name = |i: usize| model.graph.params()[i].name.as_str();
        assert_eq!(layer.head, head, "{file}");
        assert_eq!((name(layer.weight), layer.bias.map(|(i, s)| (name(i), s))), (w, Some((b, 1.0))), "{file}");
        assert!((layer.factor - factor).abs() <= 1e-15 * factor, "{file}: factor {}", layer.factor);
        assert_eq!(layer.ridge, ridge, "{file}");
    }
    // softmax_digits' input is the data itself, scaled into W: X @ (W * 0.0625).
    let model = bench("softmax_digits.loss");
    assert_eq!(recognise(&model.graph, model.loss).unwrap().scale, 0.0625);
}

#[test]
fn losses_without_a_last_linear_layer_are_not_recognised() {
    let data =
        "data A = [[1, 2], [3, -1], [0, 1]]\ndata y = [1, 0, 1]\nparam W[2, 2] = 0\nparam w[2] = 0\nparam b = 0\n";
    for objective in [
        // A logistic head on a layer with two outputs.
        "mean(softplus(A @ W) - A * (A @ W))",
        // A nonlinearity after the layer.
        "mean((tanh(A @ w + b) - y)^2)",
        // W elsewhere in the loss (a kink penalty).
        "mean((A @ w + b - y)^2) + sum(abs(w))",
        // The layer's input depends on its own weights.
        "mean((tanh(A * sum(w)) @ w + b - y)^2)",
        // An offset beside the layer depends on them.
        "mean((tanh(A @ W) @ w + sum(w) - y)^2)",
        // The cube, not the square.
        "mean((A @ w + b - y)^3)",
        // A negative ridge.
        "mean((A @ w + b - y)^2) - 0.1 * sum(w^2)",
        // No layer at all.
        "(1 - b)^2 + 100 * (sum(w) - b^2)^2",
    ] {
        let model = lang::parse_program("t.loss", &format!("{data}minimize {objective}\n"), std::path::Path::new("."))
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let model = Simplifier::default().run_model(&model).0;
        assert!(recognise(&model.graph, model.loss).is_none(), "{objective}");
    }
}

proptest! {
    #![proptest_config(majorize::testing::config(60))]

    /// On random small networks the last layer is recognised, the exact
    /// step alone does not raise the loss (beyond rounding), and every
    /// `lastlayer` step keeps or lowers it, with finite parameters.
    #[test]
    fn every_lastlayer_step_is_monotone(net in networks()) {
        let (model, x0) = (&net.model, &net.start);
        let layer = recognise(&model.graph, model.loss);
        prop_assert!(layer.is_some(), "not recognised: {}", model.graph.display(model.loss));
        let layer = layer.unwrap();
        prop_assert_eq!(layer.head, net.spec.head);
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let (f0, g) = ev.value_and_grad(x0);
        prop_assume!(f0.is_finite());
        if let Some(x) = layer.step(&layer.input_values(&model.graph, x0), x0, &g) {
            let f1 = ev.loss(&x);
            prop_assert!(f1 <= f0 + 1e-12 * f0.abs(), "exact step: {f0} -> {f1} on {}", model.graph.display(model.loss));
        }
        monotone(&mut Alternating::default(), model, x0, 12)?;
    }
}
