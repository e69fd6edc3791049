//! The benchmark layer: the problems load and split without leaks, the S&P
//! 500 table is what the code makes from the daily data, and the quick suite
//! runs end to end (a smoke test: it writes the report, CSV files and plots,
//! and MM never increases a loss).

use std::path::Path;
use std::process::Command;

use majorize::bench::{self, Metric};
use majorize::lang::{Part, Split};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_problem_loads_and_its_parts_partition_the_rows() {
    for spec in bench::catalogue() {
        let p = bench::load(root(), &spec).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        assert!(p.train.num_scalars() > 0, "{}", spec.name);
        let Some(split) = spec.split else {
            assert!(p.test.is_none() && spec.metric == Metric::None);
            continue;
        };
        // Rows per part, from the first data tensor of each part.
        let rows = |prog: &majorize::lang::Program| prog.model.graph.data_tensors()[0].value.shape().dims2();
        let train = rows(&p.train_named);
        let test = rows(p.test.as_ref().unwrap());
        let valid = p.valid.as_ref().map(rows);
        assert!(p.test.as_ref().unwrap().names.contains_key("pred"), "{}: no `let pred`", spec.name);
        let total = match split {
            Split::Interleaved(k) => {
                let n = train.0 + test.0;
                assert_eq!(test.0, n / k, "{}", spec.name);
                n
            }
            Split::Chronological { .. } => train.0 + test.0 + valid.unwrap().0,
        };
        let whole = bench::ProblemSpec { split: None, ..spec.clone() };
        let all = bench::load(root(), &whole).unwrap();
        assert_eq!(all.train_named.model.graph.data_tensors()[0].value.shape().dims2().0, total, "{}", spec.name);
    }
}

#[test]
fn split_parts_are_the_expected_rows() {
    let time = Split::Chronological { valid: 0.15, test: 0.15, gap: 0 };
    let parts: Vec<Part> = (0..20).map(|i| time.part(i, 20).unwrap()).collect();
    assert_eq!(parts.iter().filter(|&&p| p == Part::Test).count(), 3);
    assert_eq!(parts.iter().filter(|&&p| p == Part::Valid).count(), 3);
    assert!(parts[..14].iter().all(|&p| p == Part::Train) && parts[17..].iter().all(|&p| p == Part::Test));
}

#[test]
fn sp500_weekly_table_is_reproducible_and_has_no_look_ahead() {
    let daily = std::fs::read_to_string(root().join("data/sp500_1950_2018.csv")).unwrap();
    let table = bench::sp500::weekly_table(&daily).unwrap();
    let committed = std::fs::read_to_string(root().join("bench/data/sp500_weekly.csv")).unwrap();
    assert_eq!(table, committed, "bench/data/sp500_weekly.csv is stale: run `majorize bench sp500`");
    // Each row's target is the next row's r0: the return after the week.
    let rows: Vec<Vec<f64>> =
        table.lines().skip(1).map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    assert!(rows.len() > 2800);
    for w in rows.windows(2) {
        assert!(w[1][0] > w[0][0], "weeks in order");
        assert!((w[0][11] - w[1][1]).abs() <= 1e-9, "target {} vs next r0 {}", w[0][11], w[1][1]);
        assert!((w[1][2] - w[0][1]).abs() <= 1e-9, "lag");
    }
}

#[test]
fn learning_rate_grid_holds_each_default() {
    let spec = bench::catalogue().into_iter().find(|p| p.study).unwrap();
    let cs = bench::contenders(&spec, 200, 4, false, true);
    let labels: Vec<&str> = cs.iter().map(|c| c.label.as_str()).collect();
    for want in [
        "saferate",
        "optimistic_lbfgs",
        "lastlayer",
        "safecombination",
        "safecombination_adam",
        "sgd_momentum",
        "nesterov",
        "roaree_sigmoid",
        "roaree_norm",
        "prodigy",
        "learned",
        "adam_meta",
        "saferate_learned",
    ] {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }
    assert!(!labels.contains(&"fullmm") && !labels.contains(&"roaree"));
    for c in &cs {
        let lrs = bench::learning_rates(c);
        if c.mm || ["lbfgs", "cg", "learned", "adam_meta"].contains(&c.optimizer) {
            // No learning rate: one run.
            assert_eq!(lrs, vec![None], "{}", c.label);
        } else {
            assert!(lrs.len() >= 7, "{}: {lrs:?}", c.label);
        }
    }
    let sf = cs.iter().find(|c| c.label == "sf_adamw").unwrap();
    assert!(bench::learning_rates(sf).contains(&Some(0.0025)), "the default joins the grid");
}

#[test]
fn quick_suite_writes_report_csv_and_plots() {
    let out = std::env::temp_dir().join(format!("majorize-bench-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(["bench", "quick", "--quiet", "--out", out.to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    for (spec, _) in bench::suite("quick", None).unwrap() {
        assert!(md.contains(&format!("## {}", spec.name)), "{} missing", spec.name);
        for kind in ["steps", "seconds"] {
            let png = out.join(format!("plots/{}_{kind}.png", spec.name));
            assert!(std::fs::metadata(&png).map(|m| m.len() > 10_000).unwrap_or(false), "{png:?}");
        }
    }
    // The sanity baseline and the verdict against it, whichever way it goes.
    let verdict = md.contains("beat the mean predictor") || md.contains("No optimizer beats the mean predictor");
    assert!(md.contains("predict the training mean") && verdict, "{md}");
    // Every run is in runs.csv, one selected per optimizer and problem.
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let selected = runs.lines().filter(|l| l.split(',').nth(3) == Some("true")).count();
    assert!(selected >= 7 * 18, "{selected} selected runs");
    // MM traces never go up.
    let traces = std::fs::read_to_string(out.join("traces.csv")).unwrap();
    let mut last: Option<(String, f64)> = None;
    for line in traces.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let key = format!("{}/{}", f[0], f[1]);
        let loss: f64 = f[5].parse().unwrap();
        if ["saferate", "saferate_lbfgs", "safecombination", "fullmm", "saferate_learned", "safecombination_learned"]
            .contains(&f[1])
            && let Some((k, prev)) = &last
            && *k == key
        {
            assert!(loss <= *prev, "{key}: {loss} after {prev}");
        }
        last = Some((key, loss));
    }
    // The learned optimizer's section, with its targets and divergences counted.
    for want in ["## The learned optimizer on held-out problems", "below its control `adam_meta`", "| learned |"] {
        assert!(md.contains(want), "{want} missing");
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn only_runs_the_contenders_named_and_refuses_unknown_ones() {
    let out = std::env::temp_dir().join(format!("majorize-bench-only-{}", std::process::id()));
    let run = |only: &str| {
        Command::new(env!("CARGO_BIN_EXE_majorize"))
            .args(["bench", "rosenbrock", "--quiet", "--steps", "20", "--only", only, "--out", out.to_str().unwrap()])
            .current_dir(root())
            .output()
            .unwrap()
    };
    let o = run("learned,adam");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let names: std::collections::BTreeSet<&str> = runs.lines().skip(1).filter_map(|l| l.split(',').nth(1)).collect();
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["adam", "learned"]);
    let o = run("lerned");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `learned`"));
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn speed_reports_every_figure_as_json() {
    let o = Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(["bench", "speed", "bench/rosenbrock.loss", "--json", "--seconds", "0.01"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["scalars"], 2);
    let names = [
        "forward",
        "value_and_grad",
        "bound_line_degree2",
        "bound_directions_2",
        "bound_directions_5",
        "step_sgd",
        "step_adam",
        "step_saferate",
        "step_safecombination",
    ];
    for name in names {
        let t = &v["timings"][name];
        let (median, min) = (t["median_s"].as_f64().unwrap(), t["min_s"].as_f64().unwrap());
        assert!(min > 0.0 && min <= median, "{name}: {t}");
    }
    // Bad use: --json without speed, a non-positive budget.
    let bad = Command::new(env!("CARGO_BIN_EXE_majorize")).args(["bench", "quick", "--json"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let bad = Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(["bench", "speed", "bench/rosenbrock.loss", "--seconds", "0"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--seconds"));
}
