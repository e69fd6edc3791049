//! Hostile and careless input: every case gets a clear message (located
//! where there is text) and its documented exit status; none aborts, hangs
//! or panics. Statuses: 2 bad input, 3 unbounded below, 4 no finite loss at
//! the start, 5 a step went non-finite.

mod common;

use common::{majorize, majorize_in, scratch, stderr, stdout};

/// Runs `args` in `dir` and checks the status and a fragment of stderr.
fn expect(dir: &std::path::Path, args: &[&str], status: i32, fragment: &str) {
    let o = majorize_in(dir, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(status), "{args:?}: {err}");
    assert!(err.contains(fragment), "{args:?}: `{fragment}` not in `{err}`");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "{args:?}: {err}");
}

#[test]
fn memory_is_estimated_before_anything_is_allocated() {
    let dir = scratch(&[
        ("big.loss", "param a[100000, 1] = 0\nparam b[100000] = 0\nminimize sum((a + b)^2)\n"),
        (
            "three.loss",
            "param a[11000, 11000] = 0\nparam b[11000, 11000] = 0\nparam c[11000, 11000] = 0\nminimize sum(a + b + c)\n",
        ),
    ]);
    for cmd in ["eval", "minimize"] {
        expect(&dir, &[cmd, "big.loss"], 2, "more than the memory budget");
        expect(&dir, &[cmd, "big.loss"], 2, "has shape [100000, 100000]");
    }
    // 968 MB a parameter: the second one goes over a 1 GB budget, at its declaration.
    expect(&dir, &["eval", "three.loss", "--max-memory", "1G"], 2, "three.loss:2:7: the parameter `b`");
    expect(&dir, &["minimize", "three.loss", "--max-memory", "1.5G"], 2, "more than the memory budget of 1.5 GB");
    expect(&dir, &["eval", "three.loss", "--max-memory", "lots"], 2, "--max-memory: `lots` is not a size");
}

#[test]
fn negative_numbers_are_option_values() {
    let dir = scratch(&[]);
    let o = majorize_in(&dir, &["bound", "exp(x)", "--at", "-6e-05", "--over", "-1,0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["x0"].as_f64(), Some(-6e-05));
    expect(&dir, &["minimize", "x^2", "--optimizer", "sgd", "--lr", "-0.5"], 2, "lr");
    expect(&dir, &["minimize", "x^2", "--tol", "-1e-3"], 2, "--tol must be >= 0");
    expect(&dir, &["minimize", "x^2", "--steps", "-5"], 2, "-5");
}

#[test]
fn constants_non_finite_numbers_and_non_ascii_names() {
    let dir = scratch(&[]);
    // pi and e are constants: 0.5 log(2 pi) at the minimum (x = 1).
    let o = majorize_in(&dir, &["minimize", "(x-1)^2 + 0.5*log(2*pi) + 0*e", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!((v["loss"].as_f64().unwrap() - 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12, "{v}");
    assert_eq!(v["params"].as_object().unwrap().len(), 1, "{v}");
    for (expr, fragment) in [
        ("nan * x", "<expr>:1:1: `nan` is not a number"),
        ("x + inf", "<expr>:1:5: `inf` is not a number"),
        ("x * 1e999", "<expr>:1:5: the number `1e999` is too large"),
        ("x + 1e-400", "<expr>:1:5: the number `1e-400` is too small"),
        ("x / 0 + 1 / 0", "<expr>:1:9: this constant is inf"),
        ("x² + 1", "<expr>:1:2: non-ASCII character `²`"),
        ("ｘ + 1", "<expr>:1:1: non-ASCII character `ｘ`"),
        ("σ(x)", "<expr>:1:1: non-ASCII character `σ`"),
    ] {
        expect(&dir, &["eval", expr, "--init", "x=1"], 2, fragment);
    }
    let dir = scratch(&[("pi.loss", "param pi = 3\nminimize pi^2\n"), ("nan.loss", "param w = 0/0\nminimize w^2\n")]);
    expect(&dir, &["eval", "pi.loss"], 2, "pi.loss:1:7: `pi` is the constant");
    expect(&dir, &["eval", "nan.loss"], 2, "nan.loss:1:11: this constant is NaN");
}

#[test]
fn a_bare_name_of_a_loss_file_is_not_an_expression() {
    let dir = scratch(&[("rosen.loss", "param x = -1.2\nparam y = 1\nminimize (1-x)^2 + 100*(y-x^2)^2\n")]);
    for cmd in ["minimize", "eval", "simplify"] {
        expect(&dir, &[cmd, "rosen"], 2, "did you mean `rosen.loss`?");
    }
}

#[test]
fn runs_without_a_finite_minimum_have_their_own_status() {
    let dir = scratch(&[]);
    // Unbounded below: the parameter runs off while the loss keeps falling.
    let o = majorize_in(&dir, &["minimize", "x", "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["stop_reason"], "unbounded");
    assert!(stderr(&o).contains("unbounded below"));
    expect(&dir, &["minimize", "x", "--optimizer", "sgd", "--lr", "1e14"], 3, "unbounded below");
    // No finite loss at the start.
    let o = majorize_in(&dir, &["minimize", "log(x)", "--json"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["stop_reason"], "no_finite_loss");
    assert!(stderr(&o).contains("not finite at the initial parameters (x = 0)"), "{}", stderr(&o));
    // A baseline that diverges stops at its last finite point.
    expect(&dir, &["minimize", "x^4", "--init", "x=1", "--optimizer", "sgd", "--lr", "1"], 5, "not finite");
    // Bounded but never reached: not an error.
    let o = majorize_in(&dir, &["minimize", "exp(-x)", "--steps", "50"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn bad_cells_and_bad_init_values_are_refused() {
    let dir = scratch(&[
        ("nan.csv", "1, 2\n3,  nan\n"),
        ("inf.csv", "1,inf\n"),
        ("big.txt", "1 2\n  3   1e999\n"),
        ("a.loss", "data X = csv(\"nan.csv\")\nparam w = 0\nminimize sum(X * w)^2\n"),
        ("b.loss", "data X = csv(\"inf.csv\")\nparam w = 0\nminimize sum(X * w)^2\n"),
        ("c.loss", "data X = csv(\"big.txt\")\nparam w = 0\nminimize sum(X * w)^2\n"),
    ]);
    for cmd in ["eval", "minimize", "simplify"] {
        expect(&dir, &[cmd, "a.loss"], 2, "nan.csv:2:5: `nan` is not a finite number");
        expect(&dir, &[cmd, "b.loss"], 2, "inf.csv:1:3: `inf` is not a finite number");
        expect(&dir, &[cmd, "c.loss"], 2, "big.txt:2:7: `1e999` is not a finite number");
    }
    for cmd in ["eval", "minimize"] {
        expect(&dir, &[cmd, "x^2", "--init", "x=nan"], 2, "every value must be a finite number");
        expect(&dir, &[cmd, "x^2", "--init", "x=1e999"], 2, "every value must be a finite number");
        expect(&dir, &[cmd, "x^2", "--init", "x=1,x=2"], 2, "sets `x` twice");
        expect(&dir, &[cmd, "x^2", "--init", ""], 2, "--init is empty");
    }
}

#[test]
fn what_is_not_a_regular_file_is_refused_without_reading() {
    let dir = scratch(&[
        ("zero.loss", "data X = csv(\"/dev/zero\")\nparam w = 0\nminimize sum(X * w)^2\n"),
        ("fifo.loss", "data X = csv(\"pipe.csv\")\nparam w = 0\nminimize sum(X * w)^2\n"),
    ]);
    for name in ["pipe.csv", "pipe.loss"] {
        let _ = std::fs::remove_file(dir.join(name));
        let made = std::process::Command::new("mkfifo").arg(dir.join(name)).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    }
    expect(&dir, &["eval", "zero.loss"], 2, "zero.loss:1:14: `/dev/zero` is not a regular file");
    expect(&dir, &["eval", "fifo.loss"], 2, "is not a regular file");
    expect(&dir, &["eval", "pipe.loss"], 2, "not a regular file");
    // A data file larger than the budget, refused before it is read.
    let mut rows = String::new();
    for i in 0..2000 {
        rows.push_str(&format!("{i},{i}\n"));
    }
    std::fs::write(dir.join("rows.csv"), rows).unwrap();
    std::fs::write(dir.join("rows.loss"), "data X = csv(\"rows.csv\")\nparam w = 0\nminimize sum(X * w)^2\n").unwrap();
    expect(&dir, &["eval", "rows.loss", "--max-memory", "4k"], 2, "more than the memory budget");
    assert!(majorize_in(&dir, &["eval", "rows.loss"]).status.success());
}

#[test]
fn limits_that_would_exhaust_memory_are_refused() {
    let dir = scratch(&[]);
    expect(&dir, &["minimize", "x^2", "--steps", "100000000000"], 2, "the trace of so many steps");
    expect(&dir, &["simplify", "x", "--node-limit", "1000000000"], 2, "--node-limit is at most");
    let o = majorize(&["simplify", "x + 0"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn indices_slices_and_derived_functions_are_checked_where_written() {
    let dir = scratch(&[
        ("col.csv", "1\n2\n3\n"),
        ("hint.loss", "data x = csv(\"col.csv\")\nparam W1[1, 16] = 0\nminimize sum(x @ W1)\n"),
        ("neg.loss", "param w[3] = 0\nminimize w[-1]^2\n"),
        ("range.loss", "param X[2, 3] = 0\nminimize sum(X[:, 1:4])\n"),
        ("index.loss", "param X[2, 3] = 0\nminimize X[2, 0]\n"),
        ("empty.loss", "param w[3] = 0\nminimize sum(w[2:1])\n"),
        ("many.loss", "param w[3] = 0\nminimize w[0, 1]\n"),
        ("scalar.loss", "param a = 0\nminimize a[0]\n"),
        ("frac.loss", "param w[3] = 0\nminimize w[0.5]\n"),
        ("clip.loss", "param w = 0\nminimize clip(w, 1, -1)\n"),
        ("base.loss", "param w = 0\nminimize (-2) ^ w\n"),
        ("dot.loss", "param a[3] = 0\nparam b[4] = 0\nminimize dot(a, b)\n"),
        ("data.loss", "data c = [1, [2]]\nminimize sum(c)\n"),
        ("ones.loss", "minimize sum(ones(0))\n"),
        ("reshape.loss", "param w[6] = 0\nminimize sum(reshape(w, 4, 2))\n"),
        ("softmax.loss", "param w[6] = 0\nminimize sum(softmax(w, 1))\n"),
        ("arity.loss", "param w = 0\nminimize max(w)\n"),
    ]);
    expect(
        &dir,
        &["eval", "hint.loss"],
        2,
        "hint.loss:3:16: shape mismatch in `@`: [3] and [1, 16] (`x` was read from one column, which gives a vector; \
         read it with cols=j:j+1 to get a one-column matrix)",
    );
    expect(&dir, &["eval", "neg.loss"], 2, "neg.loss:2:12: negative indices are not supported");
    expect(&dir, &["eval", "range.loss"], 2, "range.loss:2:21: index 4 is out of range for the columns (3");
    expect(&dir, &["eval", "index.loss"], 2, "index.loss:2:12: index 2 is out of range for the rows (2");
    expect(&dir, &["eval", "empty.loss"], 2, "empty.loss:2:16: the slice 2:1 is empty");
    expect(&dir, &["eval", "many.loss"], 2, "many.loss:2:11: a [3] value takes at most 1 indices, not 2");
    expect(&dir, &["eval", "scalar.loss"], 2, "scalar.loss:2:11: a scalar cannot be indexed");
    expect(&dir, &["eval", "frac.loss"], 2, "frac.loss:2:12: an index must be a constant integer");
    expect(&dir, &["eval", "clip.loss"], 2, "clip.loss:2:18: clip needs lo <= hi, not 1 > -1");
    expect(&dir, &["eval", "base.loss"], 2, "base.loss:2:10: the base of `^` is -2");
    expect(&dir, &["eval", "dot.loss"], 2, "dot.loss:3:10: shape mismatch in `dot`: [3] and [4]");
    expect(&dir, &["eval", "data.loss"], 2, "data.loss:1:14: list elements must be numbers");
    expect(&dir, &["eval", "ones.loss"], 2, "ones.loss:1:19: a dimension must be an integer >= 1");
    expect(&dir, &["eval", "reshape.loss"], 2, "reshape.loss:2:14: cannot reshape [6] (6 elements) to [4, 2]");
    expect(&dir, &["eval", "softmax.loss"], 2, "softmax.loss:2:14: axis 1 is out of range for `logsumexp`");
    expect(&dir, &["eval", "arity.loss"], 2, "arity.loss:2:10: wrong number of arguments: usage is max(a, b)");
    expect(&dir, &["eval", "x ^ y", "--init", "x=-1,y=0.5"], 0, "");
}
