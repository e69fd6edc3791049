//! Row blocks: where the loss is a sum or mean over data rows, the blocked
//! loss and gradient agree with the whole pass, give the same bits at any
//! number of threads, and losses that mix rows are not blocked.

use majorize::{Evaluator, Model, Tensor};

fn example(name: &str) -> Model {
    let path = format!("{}/bench/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    majorize::lang::parse_program(&path, &text, std::path::Path::new(&path).parent().unwrap()).unwrap()
}

/// Parameters a little away from the initial point, so that no gradient is 0 by symmetry.
fn shifted(model: &Model) -> Vec<Tensor> {
    model.init.iter().enumerate().map(|(k, t)| t.map(|v| v + 0.01 * (k as f64 + 1.0))).collect()
}

/// The whole pass: value and gradient without blocks.
fn whole(ev: &mut Evaluator, x: &[Tensor]) -> (f64, Vec<Tensor>) {
    ev.forward(x);
    ev.grad_of_last_forward()
}

#[test]
fn blocked_passes_agree_with_the_whole_pass() {
    // Blocked where the row-wise work is large enough (the MLPs), whole
    // otherwise (the softmax regression, 33 elements a row): the same either way.
    for (name, blocks) in [("mlp_digits.loss", true), ("softmax_digits.loss", false), ("mlp_deep_digits.loss", true)] {
        let model = example(name);
        let mut ev = Evaluator::new(&model.graph, model.loss);
        assert_eq!(ev.row_blocks().is_some(), blocks, "{name}");
        let x = shifted(&model);
        let (f0, g0) = whole(&mut ev, &x);
        let (f1, g1) = ev.value_and_grad(&x);
        assert!((f1 - f0).abs() <= 1e-13 * f0.abs(), "{name}: {f1} vs {f0}");
        assert_eq!(ev.loss(&x), f1, "{name}: the loss alone");
        for (a, b) in g0.iter().zip(&g1) {
            // Sums of the same terms in another order: relative to the
            // size of the terms, not of the (possibly cancelling) result.
            let scale = a.data().iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (u, v) in a.data().iter().zip(b.data()) {
                assert!((u - v).abs() <= 1e-12 * scale, "{name}: {u} vs {v}");
            }
        }
    }
}

#[test]
fn blocked_passes_are_bit_identical_across_thread_counts() {
    let model = example("mlp_digits.loss");
    let x = shifted(&model);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut ev = Evaluator::new(&model.graph, model.loss);
        pool.install(|| ev.value_and_grad(&x))
    };
    let (f1, g1) = run(1);
    for threads in [2, 3] {
        let (f, g) = run(threads);
        assert_eq!(f.to_bits(), f1.to_bits(), "{threads} threads");
        for (a, b) in g1.iter().zip(&g) {
            assert!(a.data().iter().zip(b.data()).all(|(u, v)| u.to_bits() == v.to_bits()), "{threads} threads");
        }
    }
}

/// Rows `X` of 20000 x 2 and targets `y` (enough rows for two blocks), for the inline losses below.
fn with_data(loss: &str) -> Model {
    let x: Vec<String> =
        (0..20_000).map(|i| format!("{},{}", (i % 17) as f64 / 8.0 - 1.0, (i % 5) as f64 / 4.0)).collect();
    let y: Vec<String> = (0..20_000).map(|i| format!("{}", ((i * 7) % 11) as f64 / 10.0)).collect();
    let dir = std::env::temp_dir().join(format!("majorize-row-blocks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("rows.csv");
    let lines: Vec<String> = x.iter().zip(&y).map(|(a, b)| format!("{a},{b}")).collect();
    std::fs::write(&csv, format!("{}\n", lines.join("\n"))).unwrap();
    let text = format!(
        "data X = csv(\"{p}\", cols=0:2)\ndata y = csv(\"{p}\", cols=2)\nparam w[2] = 0.3\nparam c = 0.1\nlet r = X @ w + c - y\nminimize {loss}\n",
        p = csv.display()
    );
    let m = majorize::lang::parse_program("inline.loss", &text, &dir).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    m
}

#[test]
fn losses_that_mix_rows_are_not_blocked() {
    for (loss, blocks) in [
        ("mean(r^2)", true),
        ("0.5 * mean(r^2) + 1e-2 * sum(w^2) - 3 * sum(softplus(r))", true),
        // The mean is the whole loss's: rows meet it.
        ("mean((r - mean(r))^2)", false),
        // Not affine in the row sums.
        ("log(mean(r^2))", false),
        ("mean(r^2) * mean(r^2)", false),
        // A reduction across rows that is not over every element.
        ("logsumexp(r)", false),
        // Gathers: of the data (row-wise where the rows stay whole) and of
        // parameters, blocked; of a row-wise value, which may move rows, not.
        ("mean((X[:, 0:2] @ transpose(reshape(w, 1, 2))[:, 0] + c - y)^2)", true),
        ("mean(r[0:10000]^2)", false),
        ("mean(reshape(r, 10000, 2)^2)", false),
    ] {
        let model = with_data(loss);
        let mut ev = Evaluator::new(&model.graph, model.loss);
        assert_eq!(ev.row_blocks().is_some(), blocks, "{loss}");
        let x = shifted(&model);
        let (f0, g0) = whole(&mut ev, &x);
        let (f1, g1) = ev.value_and_grad(&x);
        assert!((f1 - f0).abs() <= 1e-12 * f0.abs().max(1.0), "{loss}: {f1} vs {f0}");
        for (a, b) in g0.iter().zip(&g1) {
            for (u, v) in a.data().iter().zip(b.data()) {
                assert!((u - v).abs() <= 1e-12 * u.abs().max(1.0), "{loss}: {u} vs {v}");
            }
        }
    }
}
