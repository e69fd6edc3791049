//! `majorize check` and `majorize::testing`: a loss's checks pass where
//! the engine keeps its promises and fail, with a shrunk case that
//! reruns, where an optimizer breaks one; the property helpers tell a
//! broken optimizer from a correct one.

mod common;

#[path = "../examples/own_optimizer/optimizers.rs"]
mod optimizers;

use common::{majorize, stderr, stdout};
use majorize::Optimizer;
use majorize::testing::check::{Case, CheckOptions, Method, Property, check_loss, replay};
use majorize::testing::{self, Convex};
use optimizers::{Backtracking, FixedStep};

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn every_property_holds_on_the_examples() {
    for file in ["examples/rosenbrock.loss", "examples/ridge_diabetes.loss", "examples/softmax_iris.loss"] {
        let out = majorize(&["check", file, "--json"]);
        assert!(out.status.success(), "{file}: {}{}", stdout(&out), stderr(&out));
        let v = json(&out);
        assert_eq!(v["passed"], true, "{file}");
        let props: Vec<&str> =
            v["properties"].as_array().unwrap().iter().map(|p| p["property"].as_str().unwrap()).collect();
        for p in ["bounds", "gradients", "monotone", "convergence"] {
            assert!(props.contains(&p), "{file}: {props:?}");
        }
        for p in v["properties"].as_array().unwrap() {
            assert!(p["cases"].as_u64().unwrap() > 0 && p["checks"].as_u64().unwrap() > 0, "{file}: {p}");
        }
        // Rosenbrock's minimum is one point: every start ends there.
        if file.contains("rosenbrock") {
            assert_eq!(v["convergence"]["distinct"], 1, "{}", v["convergence"]);
            assert!(v["convergence"]["losses"]["max"].as_f64().unwrap() < 1e-12, "{}", v["convergence"]);
        }
    }
}

/// Every loss of `bench/` and `examples/`, at a reduced size (the full
/// default run of each is in docs/testing.md).
#[test]
fn every_bench_loss_passes_a_short_check() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "bench", "bench/heldout"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "loss") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 25, "{files:?}");
    // The daily S&P 500 loss reads a windows file that `majorize bench
    // sp500-daily` generates (untracked); tests/sp500_daily.rs runs it.
    files.retain(|p| !p.ends_with("sp500_ssm.loss"));
    for f in files {
        let f = f.to_str().unwrap();
        let out = majorize(&["check", f, "--samples", "4", "--steps", "3", "--max-steps", "20", "--max-seconds", "3"]);
        assert!(out.status.success(), "{f}: {}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains("every property held"), "{f}: {}", stdout(&out));
    }
}

#[test]
fn a_baseline_that_overshoots_fails_with_a_case_that_reruns() {
    let out = majorize(&["check", "x^2", "--optimizer", "sgd", "--lr", "1.2", "--only", "monotone"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("FAILED monotone: sgd"), "{text}");
    assert!(stderr(&out).contains("check failed: monotone: sgd"), "{}", stderr(&out));
    let rerun = text.lines().find_map(|l| l.trim().strip_prefix("rerun: majorize ")).expect("a rerun line");
    let case = text.lines().find_map(|l| l.trim().strip_prefix("minimal case: ")).unwrap();
    // The case is the smallest: x = spread * N(0,1) from seed 0, with the
    // least spread that fails (any does: sgd with lr 1.2 on x^2 multiplies
    // x by -1.4).
    assert!(case.starts_with("monotone:method=sgd,start=0,"), "{case}");
    let args: Vec<String> = shell_words(rerun);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let again = majorize(&args);
    assert_eq!(again.status.code(), Some(1), "{args:?}: {}", stdout(&again));
    assert!(stdout(&again).contains(&format!("minimal case: {case}")), "{}", stdout(&again));
    // The replayed case alone, in JSON.
    let out = majorize(&["check", "x^2", "--optimizer", "sgd", "--lr", "1.2", "--replay", case, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["passed"], false);
    assert_eq!(v["properties"][0]["failure"]["case"], case);
}

/// Splits a command line printed with single quotes (as `check` quotes).
fn shell_words(s: &str) -> Vec<String> {
    let (mut words, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for ch in s.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[test]
fn bad_options_are_refused_with_status_2() {
    for args in [
        &["check", "x^2", "--samples", "0"][..],
        &["check", "x^2", "--samples", "-3"],
        &["check", "x^2", "--only", "speed"],
        &["check", "x^2", "--replay", "bounds:radius=-1"],
        &["check", "x^2", "--replay", "nonsense"],
        &["check", "x^2", "--replay", "monotone:method=nosuch,start=1"],
        &["check", "x^2", "--max-seconds", "0"],
        &["check", "x^2", "--optimizer", "nosuch"],
        &["check", "3"],
        &["check", "x +* 2"],
    ] {
        let out = majorize(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}{}", stdout(&out), stderr(&out));
        assert!(!stderr(&out).is_empty() && !stderr(&out).contains("panicked"), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn the_library_check_reports_what_the_cli_prints() {
    let model = majorize::lang::parse_inline("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let opts = CheckOptions { samples: 16, ..CheckOptions::default() };
    let mut seen = 0;
    let report = check_loss(&model, &opts, |p| {
        assert!(p.done <= p.planned);
        seen += 1;
    });
    assert!(report.passed());
    assert!(seen as u64 >= 16, "{seen}");
    let methods: Vec<&str> = report.outcomes.iter().map(|o| o.label.as_str()).collect();
    assert!(methods.contains(&"monotone: fullmm") && methods.contains(&"monotone: saferate+adam"), "{methods:?}");
    // A case replays as it ran.
    let mut case = Case::new(Property::Bounds);
    (case.start, case.spread, case.dir, case.radius) = (3, 0.5, 7, 0.125);
    let o = replay(&model, &case, &opts).unwrap();
    assert!(o.held() && o.checks > 0, "{o:?}");
    // A user's optimizer, named: its monotonicity is checked, and fails.
    let opts = CheckOptions {
        samples: 16,
        only: vec![Property::Monotone],
        methods: Some(vec![Method::new("fixed", false, || Box::new(FixedStep { lr: 0.9 }))]),
        ..CheckOptions::default()
    };
    let report = check_loss(&model, &opts, |_| {});
    let f = report.outcomes[0].failure.as_ref().expect("a fixed step of 0.9 overshoots on Rosenbrock");
    assert!(f.reason.contains("raised the loss"), "{}", f.reason);
    assert_eq!(f.case.method.as_deref(), Some("fixed"));
}

/// The helpers on a user's optimizers (examples/own_optimizer): the fixed
/// step fails monotonicity exactly above its edge `2 / lr`, and shrinking
/// finds that edge; backtracking holds every property.
#[test]
fn a_broken_optimizer_shrinks_to_its_edge_and_a_correct_one_passes() {
    let quadratics = || testing::quadratic(1..=6, 1.0..=100.0);
    let lr = 0.9;
    let fixed = testing::check(64, quadratics(), |p: Convex| {
        testing::monotone(&mut FixedStep { lr }, &p.model, &p.start, 50).map(drop)
    });
    let c = fixed.expect_err("a fixed step of 0.9 overshoots where the curvature exceeds 2/0.9");
    let top = c.value.eigenvalues.last().copied().unwrap();
    // Shrunk to one unknown and the largest eigenvalue just above 2 / lr
    // (on the strategy's grid of 3.5 / 3584).
    assert_eq!(c.value.minimizer[0].shape().len(), 1, "{c}");
    assert!(top > 2.0 / lr && top < 2.0 / lr + 3.5 / 3584.0 * 2.0, "{c}");
    let make = || -> Box<dyn Optimizer> { Box::new(Backtracking { lr: 0.9 }) };
    let q = quadratics();
    assert!(
        testing::check(64, q, |p: Convex| testing::monotone(make().as_mut(), &p.model, &p.start, 50).map(drop)).is_ok()
    );
    let r = testing::check(64, testing::convex(), |p: Convex| {
        testing::reaches(make().as_mut(), &p.model, &p.start, &p.minimizer, 3000, 1e-4).map(drop)
    });
    assert!(r.is_ok(), "{}", r.unwrap_err());
    let r = testing::check(64, testing::losses(8, false), |c| {
        testing::finite(make().as_mut(), &c.model, &c.start, 30).map(drop)
    });
    assert!(r.is_ok(), "{}", r.unwrap_err());
    // The fixed step lets infinities in on a random loss.
    let r = testing::check(64, testing::losses(8, false), |c| {
        testing::finite(&mut FixedStep { lr }, &c.model, &c.start, 30).map(drop)
    });
    assert!(r.unwrap_err().reason.contains("into the parameters"));
}
