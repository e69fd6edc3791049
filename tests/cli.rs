//! The command-line contract: outputs, help, and located errors with exit
//! status 2.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{majorize, scratch, stderr, stdout};

#[test]
fn eval_rosenbrock_json() {
    let o = majorize(&["eval", "(1-x)^2 + 100*(y-x^2)^2", "--init", "x=-1.2,y=1", "--grad", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let close = |a: &serde_json::Value, b: f64| (a.as_f64().unwrap() - b).abs() < 1e-9;
    assert!(close(&v["loss"], 24.2), "{v}");
    assert!(close(&v["grad"]["x"], -215.6), "{v}");
    assert!(close(&v["grad"]["y"], -88.0), "{v}");
}

#[test]
fn eval_file_with_vector_init_and_nested_gradients() {
    let dir = scratch(&[("vec.loss", "param w[3] = 0\nparam M[2, 3] = 1\nminimize sum(w^2) + sum(M @ w)\n")]);
    let file = dir.join("vec.loss");
    let o = majorize(&["eval", file.to_str().unwrap(), "--init", "w=[1,-2,3]", "--grad", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // sum(w^2) = 14; M @ w = [2, 2] with M all ones; total 18.
    assert_eq!(v["loss"].as_f64(), Some(18.0));
    // d/dw = 2w + M^T 1 = [2+2, -4+2, 6+2]; d/dM = 1 w^T, rows of w.
    assert_eq!(v["grad"]["w"], serde_json::json!([4.0, -2.0, 8.0]));
    assert_eq!(v["grad"]["M"], serde_json::json!([[1.0, -2.0, 3.0], [1.0, -2.0, 3.0]]));
}

#[test]
fn help_on_the_binary_and_each_subcommand() {
    let o = majorize(&["--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("eval"));
    let o = majorize(&["eval", "--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("--grad") && stdout(&o).contains("--init"));
}

/// Each bad input: exit status 2, a `file:line:column: message` first line,
/// then the offending line and a caret.
#[test]
fn located_errors_exit_2() {
    let dir = scratch(&[("three.csv", "1,2,3\n4,5,6\n"), ("bad.csv", "1,2,3\n4,five,6\n")]);
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown_function.loss",
            "param x = 1\nminimize sofplus(x)\n",
            "unknown_function.loss:2:10: unknown function `sofplus`; did you mean `softplus`?",
        ),
        (
            "unknown_name.loss",
            "param w = 1\nminimize w2^2\n",
            "unknown_name.loss:2:10: unknown name `w2`; did you mean `w`?",
        ),
        (
            "matmul_shapes.loss",
            "param A[2, 3] = 0\nparam v[2] = 0\nminimize sum(A @ v)\n",
            "matmul_shapes.loss:3:16: shape mismatch in `@`: [2, 3] and [2]",
        ),
        (
            "add_shapes.loss",
            "param a[2] = 0\nparam b[3] = 0\nminimize sum(a + b)\n",
            "add_shapes.loss:3:16: shape mismatch in `+`: [2] and [3]",
        ),
        ("paren.loss", "param x = 1\nminimize (x + 1\n", "paren.loss:2:10: this `(` is never closed"),
        ("extra_paren.loss", "param x = 1\nminimize x + 1)\n", "extra_paren.loss:2:15: unmatched `)`"),
        (
            "not_scalar.loss",
            "param w[3] = 0\nminimize w^2\n",
            "not_scalar.loss:2:10: `minimize` needs a scalar, but this has shape [3]",
        ),
        (
            "missing_csv.loss",
            "data X = csv(\"nope.csv\")\nparam w = 0\nminimize w\n",
            "missing_csv.loss:1:14: cannot read",
        ),
        ("bad_cell.loss", "data X = csv(\"bad.csv\")\nparam w = 0\nminimize w\n", "bad_cell.loss:1:10: "),
        (
            "cols.loss",
            "data X = csv(\"three.csv\", cols=0:5)\nparam w = 0\nminimize w\n",
            "cols.loss:1:32: columns 0:5 are out of range: the file has 3 columns",
        ),
        ("duplicate.loss", "param w = 0\nparam w = 1\nminimize w\n", "duplicate.loss:2:7: `w` is already defined"),
        ("no_minimize.loss", "param w = 0\n", "no_minimize.loss:2:1: no `minimize` statement"),
        (
            "list_shape.loss",
            "param w[3] = [1, 2]\nminimize sum(w)\n",
            "list_shape.loss:1:14: this list has shape [2], but the parameter has shape [3]",
        ),
        (
            "axis.loss",
            "param w[3] = 0\nminimize sum(w, 1)\n",
            "axis.loss:2:10: axis 1 is out of range for `sum` of a [3] operand",
        ),
        (
            "exponent.loss",
            "param w = 0\nminimize (0 - 2)^w\n",
            "exponent.loss:2:10: the base of `^` is -2: with an exponent that is not a constant, it must be > 0",
        ),
    ];
    for (name, text, want) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let path = dir.join(name);
        let o = majorize(&["eval", path.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        let first = err.lines().next().unwrap_or("");
        let located = first.trim_start_matches("error: ");
        let prefix = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
        let tail = located.strip_prefix(&prefix).unwrap_or(located);
        assert!(tail.starts_with(want), "{name}: got `{first}`, want `{want}`");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{name}: message, source line and caret:\n{err}");
        assert!(lines[2].trim_start().starts_with('^'), "{name}: caret line `{}`", lines[2]);
    }
    // The bad-cell message names the CSV place too.
    let o = majorize(&["eval", dir.join("bad_cell.loss").to_str().unwrap()]);
    assert!(stderr(&o).contains("bad.csv:2:3: `five` is not a number"), "{}", stderr(&o));
}

#[test]
fn inline_errors_and_bad_flags_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["eval", "sofplus(x)"], "error: <expr>:1:1: unknown function `sofplus`"),
        (&["eval", "(1 + x"], "error: <expr>:1:1: this `(` is never closed"),
        (&["eval", "x $ y"], "error: <expr>:1:3: unexpected character `$`"),
        (&["eval", "x^2", "--init", "z=1"], "error: --init: no parameter named `z` (parameters: x)"),
        (&["eval", "x^2", "--init", "x=abc"], "error: --init x=abc: expected a number"),
        (&["eval", "x^2", "--init", "x=[1,2]"], "error: value for `x` has shape [2]"),
        (&["eval", "missing.loss"], "error: cannot read `missing.loss`"),
    ];
    for (args, want) in cases {
        let o = majorize(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(want), "{args:?}: got `{}`", stderr(&o));
    }
    let o = majorize(&["eval"]);
    assert_eq!(o.status.code(), Some(2));
    let o = majorize(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

fn examples() -> Vec<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "loss"))
        .collect();
    v.sort();
    v
}

/// Every optimizer `majorize optimizers` lists runs on every example through
/// the command line, and `--steps N` takes exactly N steps.
#[test]
fn every_optimizer_runs_on_every_example() {
    let listing = stdout(&majorize(&["optimizers"]));
    let names: Vec<&str> =
        listing.lines().filter(|l| !l.starts_with(' ')).filter_map(|l| l.split_whitespace().next()).collect();
    assert!(names.len() >= 15, "{names:?}");
    for example in examples() {
        for name in &names {
            let o = majorize(&["minimize", example.to_str().unwrap(), "--optimizer", name, "--steps", "3", "--json"]);
            if *name == "fullmm" && example.ends_with("mlp_digits.loss") {
                // 2410 scalar parameters: full MM says so and stops.
                assert_eq!(o.status.code(), Some(2));
                assert!(stderr(&o).contains("fullmm handles at most 50 scalar parameters"), "{}", stderr(&o));
                continue;
            }
            assert!(o.status.success(), "{name} on {}: {}", example.display(), stderr(&o));
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(v["steps"], 3, "{name}");
            assert_eq!(v["trace"].as_array().unwrap().len(), 4, "{name}: steps 0..=3");
            assert_eq!(v["optimizer"], *name);
            assert!(v["loss"].as_f64().unwrap().is_finite(), "{name} on {}", example.display());
        }
    }
}

#[test]
fn minimize_json_trace_and_csv() {
    let dir = scratch(&[]);
    let trace = dir.join("trace.csv");
    let o = majorize(&[
        "minimize",
        "(x - 3)^2",
        "--optimizer",
        "sgd",
        "--lr",
        "0.25",
        "--steps",
        "2",
        "--json",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // x: 0 -> 1.5 -> 2.25 (each step halves the distance to 3)
    assert_eq!(v["params"]["x"].as_f64(), Some(2.25));
    assert_eq!(v["loss"].as_f64(), Some(0.5625));
    let losses: Vec<f64> = v["trace"].as_array().unwrap().iter().map(|p| p["loss"].as_f64().unwrap()).collect();
    assert_eq!(losses, vec![9.0, 2.25, 0.5625]);
    let csv = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "step,loss,step_size,trust_radius,grad_norm,seconds,optimistic,step_ratio,curvature_ratio"
    );
    assert_eq!(csv.lines().count(), 4);
}

/// `--diagnose`: each MM step's ratios in the JSON trace and the CSV. On
/// `(x - 3)^2` the bound is exact, so SafeRate's step is the line minimizer
/// (ratio 1) and the bound's curvature the true one (ratio 1).
#[test]
fn minimize_diagnose_reports_the_ratios() {
    let dir = scratch(&[]);
    let trace = dir.join("t.csv");
    let o = majorize(&[
        "minimize",
        "(x - 3)^2",
        "--optimizer",
        "saferate",
        "--steps",
        "2",
        "--diagnose",
        "--json",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let first = &v["trace"][1];
    for key in ["step_ratio", "curvature_ratio"] {
        let r = first[key].as_f64().unwrap_or(f64::NAN);
        assert!((r - 1.0).abs() < 1e-5, "{key} = {r}: {first}");
    }
    let csv = std::fs::read_to_string(&trace).unwrap();
    let row: Vec<&str> = csv.lines().nth(2).unwrap().split(',').collect();
    assert!((row[7].parse::<f64>().unwrap() - 1.0).abs() < 1e-5, "{csv}");
}

#[test]
fn minimize_errors_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["minimize", "x^2", "--optimizer", "adma"], "error: unknown optimizer `adma`; did you mean `adam`?"),
        (
            &["minimize", "x^2", "--optimizer", "adam", "--opt", "beta1=2"],
            "error: adam: `beta1` = 2 is invalid: it must be in [0, 1)",
        ),
        (&["minimize", "x^2", "--optimizer", "adam", "--opt", "bta1=0.5"], "error: adam has no option `bta1`"),
        (&["minimize", "3 + 4"], "error: nothing to minimize: the loss has no parameters"),
        (
            &["minimize", "x^2", "--optimizer", "adam", "--opt", "amsgrad=maybe"],
            "error: adam: `amsgrad=maybe` is not a boolean",
        ),
        (
            &["minimize", "x^2", "--optimizer", "sgd", "--opt", "nesterov=true"],
            "error: sgd: `nesterov` = true is invalid",
        ),
        (
            &["minimize", "x^2", "--optimizer", "sgd", "--lr", "0.1", "--opt", "lr=0.2"],
            "error: give the learning rate once",
        ),
        (
            &["minimize", "x^2", "--optimizer", "roaree", "--opt", "surrogate=relu"],
            "error: roaree: `surrogate=relu` is not a choice among tanh",
        ),
        (&["minimize", "x^2", "--optimizer", "sgd", "--tol", "-1"], "error: --tol must be >= 0"),
        (&["minimize", "x^2", "--optimizer", "sgd", "--lr", "-1"], "error: sgd: `lr` = -1 is invalid: it must be >= 0"),
    ];
    for (args, want) in cases {
        let o = majorize(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(want), "{args:?}: got `{}`", stderr(&o));
    }
    // A run that diverges is not bad input: status 5, at its last finite point.
    let o = majorize(&["minimize", "exp(x^2)", "--init", "x=1", "--optimizer", "sgd", "--lr", "10"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: step "), "{}", stderr(&o));
}

#[test]
fn bound_json_plot_and_errors() {
    // The README case: (0.4725336, -4.8323992, [-5.5549328, 28.2878855]).
    let o = majorize(&["bound", "1.5*exp(3*x) - 25*x^2", "--at", "0.5", "--over", "0,1", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // A point coefficient that is not a double prints as its enclosure, an ulp wide.
    let c = v["coefficients"].as_array().unwrap();
    let (lo, hi) = (c[0][0].as_f64().unwrap(), c[0][1].as_f64().unwrap());
    assert!(lo <= 0.4725336055070972 && 0.4725336055070972 <= hi && hi == lo.next_up(), "{}", c[0]);
    assert!((c[2][1].as_f64().unwrap() - 28.28788548405504).abs() < 1e-9);
    // Outside log's domain: an infinite interval, written as nulls, never NaN.
    let o = majorize(&["bound", "log(x)", "--at", "0.5", "--over", "-0.5,1", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["coefficients"][2], serde_json::json!([null, null]));
    assert_eq!(v["finite"], false);
    assert!(!stdout(&o).contains("NaN"));
    // x^3.0 is the integer power: exact coefficients 1, 3 and [2, 4] at 1 over [0, 2].
    let o = majorize(&["bound", "x^3.0", "--at", "1", "--over", "0,2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["coefficients"][0].as_f64(), Some(1.0));
    assert_eq!(v["coefficients"][1].as_f64(), Some(3.0));
    // Plots, PNG and SVG.
    let dir = scratch(&[]);
    for ext in ["png", "svg"] {
        let path = dir.join(format!("bound.{ext}"));
        let o = majorize(&["bound", "softplus(x)", "--at", "0", "--over", "-2,3", "--plot", path.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(std::fs::metadata(&path).unwrap().len() > 1000, "{ext} written");
    }
    let cases: &[(&[&str], &str)] = &[
        (
            &["bound", "x*y", "--at", "0", "--over", "-1,1"],
            "error: bound needs an expression in one variable; `x*y` has the variables x, y",
        ),
        (
            &["bound", "2+3", "--at", "0", "--over", "-1,1"],
            "error: bound needs an expression in one variable; `2+3` has no variable",
        ),
        (&["bound", "exp(x)", "--at", "2", "--over", "-1,1"], "error: --over -1,1 must contain --at 2"),
        (&["bound", "exp(x)", "--at", "0", "--over", "1"], "error: --over expects LO,HI"),
        (
            &["bound", "exp(x)", "--at", "0", "--over", "-1,1", "--degree", "7"],
            "error: --degree must be between 0 and 6",
        ),
        (&["bound", "exp(x)", "--at", "0", "--over", "-1,1", "--plot", "out.jpg"], "error: cannot plot to `out.jpg`"),
        (
            &["bound", "exp(", "--at", "0", "--over", "-1,1"],
            "error: <expr>:1:5: expected an expression, found end of input",
        ),
    ];
    for (args, want) in cases {
        let o = majorize(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(want), "{args:?}: got `{}`", stderr(&o));
    }
}

#[test]
fn minimize_defaults_to_mm_with_no_learning_rate() {
    let o = majorize(&["minimize", "(1-x)^2 + 100*(y-x^2)^2", "--init", "x=-1.2,y=1", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["optimizer"], "fullmm");
    assert!(v["loss"].as_f64().unwrap() < 1e-8, "{}", v["loss"]);
    let losses: Vec<f64> = v["trace"].as_array().unwrap().iter().map(|p| p["loss"].as_f64().unwrap()).collect();
    assert!(losses.windows(2).all(|w| w[1] <= w[0]), "monotone trace");
    // The examples pick their method by size.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for (name, want) in [("logistic_breast_cancer.loss", "lastlayer"), ("rosenbrock.loss", "fullmm")] {
        let o = majorize(&["minimize", dir.join(name).to_str().unwrap(), "--steps", "3", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["optimizer"], want, "{name}");
    }
    // SafeRate along Adam's update, with a trace and a plot.
    let dir = scratch(&[]);
    let (trace, plot) = (dir.join("mm.csv"), dir.join("mm.png"));
    let o = majorize(&[
        "minimize",
        "(x - 3)^4 + y^2",
        "--optimizer",
        "saferate",
        "--direction",
        "adam",
        "--lr",
        "0.1",
        "--steps",
        "50",
        "--trace",
        trace.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["hyperparameters"]["direction"], "adam");
    let csv = std::fs::read_to_string(&trace).unwrap();
    let row: Vec<&str> = csv.lines().nth(2).unwrap().split(',').collect();
    assert!(!row[2].is_empty() && !row[3].is_empty(), "step size and trust radius recorded: {row:?}");
    assert!(std::fs::metadata(&plot).unwrap().len() > 1000);
    let cases: &[(&[&str], &str)] = &[
        (
            &["minimize", "x^2", "--optimizer", "fullmm", "--direction", "adam"],
            "error: --direction applies to saferate and safecombination",
        ),
        (&["minimize", "x^2", "--optimizer", "saferate", "--direction", "adma"], "error: unknown optimizer `adma`"),
        (
            &["minimize", "x^2", "--optimizer", "fullmm", "--opt", "radius=-1"],
            "error: fullmm: `radius` = -1 is invalid",
        ),
        (&["minimize", "x^2", "--optimizer", "saferate", "--lr", "0.1"], "error: --lr does not apply to saferate"),
        (&["minimize", "x^2", "--max-seconds", "0"], "error: --max-seconds must be > 0"),
    ];
    for (args, want) in cases {
        let o = majorize(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(want), "{args:?}: got `{}`", stderr(&o));
    }
}

#[test]
fn simplify_prints_the_rewritten_expression() {
    let o = majorize(&["simplify", "log(1 + exp(-3*x))", "--stats"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "softplus(-3 * x)");
    assert!(stderr(&o).contains("occurrences"), "{}", stderr(&o));
    // A leading minus is an expression, not a flag.
    let o = majorize(&["simplify", "-log(sigmoid(x))", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["expression"], "softplus(-x)", "{v}");
    assert_eq!(v["changed"], true);
    // A file prints as statements, with its shared subexpressions named.
    let mlp = examples().into_iter().find(|p| p.ends_with("mlp_digits.loss")).unwrap();
    let o = majorize(&["simplify", mlp.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("let t1 = ") && text.contains("\nminimize "), "{text}");
    let o = majorize(&["simplify", "nope.loss"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bound_is_tighter_with_simplification_and_no_simplify_turns_it_off() {
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["bound", "log(1 + exp(-3*x))", "--at", "0", "--over", "-1,2", "--json"];
        args.extend_from_slice(extra);
        let o = majorize(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let width =
        |v: &serde_json::Value| v["coefficients"][2][1].as_f64().unwrap() - v["coefficients"][2][0].as_f64().unwrap();
    let with = run(&[]);
    let without = run(&["--no-simplify"]);
    assert_eq!(with["simplified"], true);
    assert_eq!(without["simplified"], false);
    // The reference gives [-219, 44] here (with range propagation).
    assert!(width(&with) * 10.0 <= 219.0 + 44.0, "{with}");
    assert!(width(&with) < width(&without));
    // eval gives the same value either way.
    let e = |extra: &[&str]| {
        let mut args = vec!["eval", "softplus(x) - x + x*x", "--init", "x=0.3", "--json"];
        args.extend_from_slice(extra);
        let v: serde_json::Value = serde_json::from_str(&stdout(&majorize(&args))).unwrap();
        v["loss"].as_f64().unwrap()
    };
    assert!((e(&[]) - e(&["--no-simplify"])).abs() < 1e-14);
}

/// A reader that has gone (`majorize ... | head`) ends the program quietly;
/// a full disk is an error with exit 2. Neither panics.
#[test]
fn closed_or_full_standard_output_does_not_panic() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(["optimizers"])
        .stdout(writer)
        .output()
        .expect("the binary runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let o = Command::new(env!("CARGO_BIN_EXE_majorize"))
            .args(["eval", "x^2", "--init", "x=3"])
            .stdout(full)
            .output()
            .expect("the binary runs");
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("cannot write to standard output"), "{}", stderr(&o));
    }
}

/// Deep expressions run through every pass within the stack; deeper ones
/// are refused with a located message instead of overflowing it.
#[test]
fn deep_expressions_run_or_are_refused() {
    let sum = vec!["sin(x)"; 4999].join("+");
    let nested = (0..240).fold("x".to_string(), |e, _| format!("tanh({e} + x + x)"));
    for e in [&sum, &nested] {
        for args in [
            &["eval", e, "--init", "x=0.3", "--grad"][..],
            &["simplify", e],
            &["bound", e, "--at", "0", "--over", "-1,1"],
        ] {
            let o = majorize(args);
            assert_eq!(o.status.code(), Some(0), "{} {}", args[0], stderr(&o));
        }
    }
    let o = majorize(&["eval", &vec!["x"; 20_000].join("+"), "--init", "x=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<expr>:1:1: the expression is nested too deeply"), "{}", stderr(&o));
    let o = majorize(&["eval", &format!("{}x{}", "(".repeat(50_000), ")".repeat(50_000)), "--init", "x=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nested more than"), "{}", stderr(&o));
}

/// The new primitives from the command line: `atan(x) + erf(x)` at 0.5 is
/// `atan(0.5) + erf(0.5)` (mpmath: 0.46364760900080612 + 0.52049987781304654)
/// with slope `1/(1 + 0.25) + 2/sqrt(pi) e^(-0.25)`; the degree-2 bound of
/// `erf(x)` at 0.3 over [-1, 1] is finite and holds across the region; `tan`
/// over a region holding its pole pi/2 has no finite bound.
#[test]
fn new_primitives_eval_and_bound() {
    let o = majorize(&["eval", "atan(x)+erf(x)", "--init", "x=0.5", "--grad", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let loss = 0.463_647_609_000_806_1 + 0.520_499_877_813_046_5;
    let slope = 0.8 + std::f64::consts::FRAC_2_SQRT_PI * (-0.25f64).exp();
    assert!((v["loss"].as_f64().unwrap() - loss).abs() < 1e-15, "{v}");
    assert!((v["grad"]["x"].as_f64().unwrap() - slope).abs() < 1e-15, "{v}");

    let o = majorize(&["bound", "erf(x)", "--at", "0.3", "--over", "-1,1", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ends = |c: &serde_json::Value| match c.as_f64() {
        Some(x) => (x, x),
        None => (c[0].as_f64().expect("finite"), c[1].as_f64().expect("finite")),
    };
    let c: Vec<(f64, f64)> = v["coefficients"].as_array().unwrap().iter().map(ends).collect();
    assert_eq!(c.len(), 3);
    // c0 = erf(0.3) = 0.32862675945912743 (mpmath), c1 = 2/sqrt(pi) e^(-0.09)
    // (within an ulp: serde_json may read a printed double an ulp off); the
    // remainder ratio ranges over [-0.42410, 0.10018] (mpmath, 4000 points),
    // and the printed interval is within 5% of that width.
    let c0 = 0.328_626_759_459_127_4;
    assert!(c[0].0 - 1e-16 <= c0 && c0 <= c[0].1 + 1e-16, "{c:?}");
    let c1 = std::f64::consts::FRAC_2_SQRT_PI * (-0.09f64).exp();
    assert!((c[1].0 - c1).abs() < 1e-15, "{c:?}");
    assert!(c[2].0 <= -0.424_09 && c[2].1 >= 0.100_18 && c[2].1 - c[2].0 < 1.05 * 0.524_28, "{c:?}");
    for j in 0..=200 {
        let x = -1.0 + 2.0 * f64::from(j) / 200.0;
        let z = x - 0.3;
        let base = c[0].0 + c[1].0 * z;
        let (lower, upper) = (base + c[2].0 * z * z, base + c[2].1 * z * z);
        let f = libm::erf(x);
        assert!(lower - 1e-15 <= f && f <= upper + 1e-15, "erf({x}) = {f} outside [{lower}, {upper}]");
    }

    let o = majorize(&["bound", "tan(x)", "--at", "0", "--over", "-1,2", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["coefficients"][2], serde_json::json!([null, null]));
    assert_eq!(v["finite"], false);
}

/// Where f(x0) is undefined or a derivative is infinite, the point
/// coefficients are the whole line, `[null, null]`, never a made-up number.
#[test]
fn bound_reports_undefined_coefficients_as_null() {
    let json = |args: &[&str]| -> serde_json::Value {
        let o = majorize(args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        serde_json::from_str(&stdout(&o)).expect("json")
    };
    let pole = json(&["bound", "x^-1*x^2", "--at", "0", "--over", "0,1", "--json"]);
    assert_eq!(pole["coefficients"], serde_json::json!([[null, null], [null, null], [null, null]]));
    assert_eq!(pole["finite"], false);
    let root = json(&["bound", "sqrt(x)", "--at", "0", "--over", "0,1", "--json"]);
    assert_eq!(root["coefficients"][0].as_f64(), Some(0.0));
    assert_eq!(root["coefficients"][1][1], serde_json::Value::Null);
    assert_eq!(root["finite"], false);
    let text = stdout(&majorize(&["bound", "x^-1*x^2", "--at", "0", "--over", "0,1"]));
    assert!(text.contains("[-inf, inf]") && !text.contains("NaN"), "{text}");
}

/// A loss unbounded below at a pole: the exact line of a step can miss the
/// pole while the rounded parameters land on it. MM refuses such a step
/// (its loss is -inf or NaN) and every loss of the trace stays finite.
#[test]
fn mm_never_steps_onto_a_pole() {
    let loss = "((sqrt(2) * ((y + x) / (x + 0.5))) / 2) + 0.01*(x^2+y^2)";
    let init = "x=1.8079343689078549,y=1.3286917390807176";
    let o = majorize(&[
        "minimize",
        loss,
        "--init",
        init,
        "--optimizer",
        "saferate",
        "--direction",
        "adam",
        "--steps",
        "60",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let losses: Vec<f64> = v["trace"].as_array().unwrap().iter().map(|p| p["loss"].as_f64().expect("finite")).collect();
    assert!(losses.len() > 40 && losses.windows(2).all(|w| w[1] <= w[0]), "{losses:?}");
    assert!(v["loss"].as_f64().is_some_and(|l| l < -1e10), "it does go down the pole: {}", v["loss"]);
}
