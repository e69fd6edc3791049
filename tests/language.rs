//! The loss language: programs, the inline form, data loading relative to
//! the file, and a fuzz test that no input panics.

mod common;

use common::example;
use majorize::{Evaluator, Shape, Tensor, lang};
use proptest::prelude::*;

#[test]
fn examples_parse_with_the_documented_shapes() {
    let cases: &[(&str, &[(&str, Shape)])] = &[
        ("logistic_breast_cancer.loss", &[("w", Shape::Vector(30)), ("b", Shape::Scalar)]),
        ("softmax_iris.loss", &[("W", Shape::Matrix(4, 3)), ("b", Shape::Vector(3))]),
        ("softmax_wine.loss", &[("W", Shape::Matrix(13, 3)), ("b", Shape::Vector(3))]),
        (
            "mlp_digits.loss",
            &[
                ("W1", Shape::Matrix(64, 32)),
                ("b1", Shape::Vector(32)),
                ("W2", Shape::Matrix(32, 10)),
                ("b2", Shape::Vector(10)),
            ],
        ),
        ("ridge_diabetes.loss", &[("w", Shape::Vector(10)), ("b", Shape::Scalar)]),
        ("rosenbrock.loss", &[("x", Shape::Scalar), ("y", Shape::Scalar)]),
    ];
    for (name, params) in cases {
        let model = example(name);
        let got: Vec<(&str, Shape)> = model.graph.params().iter().map(|p| (p.name.as_str(), p.shape)).collect();
        assert_eq!(&got, params, "{name}");
    }
}

#[test]
fn zero_weights_give_the_closed_form_losses() {
    // With all weights 0: logistic loss log 2; softmax over k classes log k;
    // ridge on a standardized target 0.5 * mean(t^2) = 0.5.
    let cases = [
        ("logistic_breast_cancer.loss", 2f64.ln()),
        ("softmax_iris.loss", 3f64.ln()),
        ("softmax_wine.loss", 3f64.ln()),
        ("ridge_diabetes.loss", 0.5),
    ];
    for (name, want) in cases {
        let model = example(name);
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let got = ev.forward(&model.init).item();
        assert!((got - want).abs() < 1e-12, "{name}: {got} vs {want}");
    }
}

#[test]
fn standardized_columns_have_zero_mean_and_unit_variance() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = lang::CsvOptions { skip: 1, cols: lang::Columns::Range(0, 30), standardize: true, ..Default::default() };
    let x = lang::load_csv(&dir.join("data/breast_cancer.csv"), &opts).unwrap();
    assert_eq!(x.shape(), Shape::Matrix(569, 30));
    let mean = x.mean_axis(Some(0));
    let var = x.map(|v| v * v).mean_axis(Some(0));
    for j in 0..30 {
        assert!(mean.data()[j].abs() < 1e-12 && (var.data()[j] - 1.0).abs() < 1e-12);
    }
}

#[test]
fn programs_lists_lets_and_random_inits() {
    let src = "param W[2, 2] = [[1, 2], [3, 4]]\nparam u[3] = uniform(-1, 1)\nparam n[2, 5] = normal(0, 0.1)\n\
               let s = sum(W)  # 10\nminimize s + 0 * sum(u) + 0 * sum(n)\n";
    let model = lang::parse_program("t.loss", src, std::path::Path::new(".")).unwrap();
    assert_eq!(model.init[0], Tensor::new(Shape::Matrix(2, 2), vec![1., 2., 3., 4.]));
    assert!(model.init[1].data().iter().all(|v| (-1.0..1.0).contains(v)));
    let again = lang::parse_program("t.loss", src, std::path::Path::new(".")).unwrap();
    assert_eq!(model.init[2], again.init[2], "random initialization is seeded");
    let mut ev = Evaluator::new(&model.graph, model.loss);
    assert_eq!(ev.forward(&model.init).item(), 10.0);
}

#[test]
fn inline_form_makes_free_identifiers_scalar_parameters() {
    let model = lang::parse_inline("log(1 + exp(-3*x)) + y * sigmoid(x) - x").unwrap();
    let names: Vec<&str> = model.graph.params().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["x", "y"]);
    assert!(model.init.iter().all(|t| t.item() == 0.0));
    let err = lang::parse_inline("exp + 1").unwrap_err();
    assert_eq!(err.kind.to_string(), "`exp` is a function: call it as exp(...)");
}

fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "param",
        "data",
        "let",
        "minimize",
        "x",
        "w",
        "X",
        "y",
        "=",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        "+",
        "-",
        "*",
        "/",
        "^",
        "@",
        "1",
        "2.5",
        "0",
        "3",
        "1e400",
        "\n",
        "sum",
        "mean",
        "logsumexp",
        "onehot",
        "exp",
        "log",
        "sqrt",
        "relu",
        "abs",
        "csv",
        "\"a.csv\"",
        "normal",
        "uniform",
        "standardize",
        "skip",
        "cols",
        "rows",
        "# c",
        "0:3",
        "\"",
        "1e9",
        "-1",
        "[1, 2]",
        "'",
        "[0]",
        "[:, 1:2]",
        "max",
        "clip",
        "softmax",
        "transpose",
        "reshape",
        "norm",
        "dot",
        "ones",
        "logsigmoid",
    ])
}

proptest! {
    #![proptest_config(majorize::testing::config(3000))]

    /// No sequence of tokens makes parsing, lowering or evaluating panic.
    #[test]
    fn no_input_panics(tokens in prop::collection::vec(token(), 0..30)) {
        let text = tokens.join(" ");
        let dir = std::env::temp_dir();
        for model in [lang::parse_program("f.loss", &text, &dir), lang::parse_inline(&text)].into_iter().flatten() {
            let mut ev = Evaluator::new(&model.graph, model.loss);
            let _ = ev.value_and_grad(&model.init);
        }
    }
}
