//! The daily S&P 500 study: the committed loss is the generator's, the
//! loaded training and validation data see nothing of the future, and a
//! shortened showdown runs end to end (a smoke test).

use std::path::{Path, PathBuf};
use std::process::Command;

use majorize::bench::sp500_daily::{self, Size, study};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch root with `data/` holding `daily` as the price file and an
/// empty `bench/`.
fn scratch(name: &str, daily: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("majorize-daily-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("bench")).unwrap();
    std::fs::write(dir.join("data/sp500_1950_2018.csv"), daily).unwrap();
    dir
}

#[test]
fn the_committed_loss_is_the_generators() {
    let text = std::fs::read_to_string(root().join("bench/sp500_ssm.loss")).unwrap();
    let len: usize = text
        .lines()
        .next()
        .and_then(|l| l.split("windows of ").nth(1))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the first line names the window length");
    let defaults = study::StudyOptions::default();
    let size = Size { len, channels: defaults.channels, hidden: defaults.hidden };
    assert_eq!(
        text,
        sp500_daily::ssm_loss(&sp500_daily::windows_file(len), size),
        "bench/sp500_ssm.loss is stale: run `majorize bench sp500-daily`"
    );
}

/// Every price and volume from the first day of the test part's first
/// window on, changed: the data the training and validation losses load
/// (standardized features and targets) stay the same to the bit; the test
/// data changes.
#[test]
fn no_look_ahead_through_the_loader() {
    let len = 8;
    let size = Size { len, channels: 2, hidden: 3 };
    let text = std::fs::read_to_string(root().join("data/sp500_1950_2018.csv")).unwrap();
    let rows = sp500_daily::daily_rows(&text).unwrap();
    let [_, _, test] = sp500_daily::split(&rows, len, sp500_daily::study_split(len));
    let first_test_day = rows[rows.iter().position(|r| r.date == test[0].date).unwrap() + 1 - len].date;
    let mut changed = String::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let date: Option<i64> = f[0].replace('-', "").parse().ok();
        if i > 0 && date.is_some_and(|d| d >= first_test_day) {
            let s = |j: usize, k: f64| (f[j].parse::<f64>().unwrap() * k).to_string();
            let [o, h, l, c, a, v] = [s(1, 1.2), s(2, 1.4), s(3, 1.1), s(4, 1.2), s(5, 1.2), s(6, 5.0)];
            changed.push_str(&format!("{},{o},{h},{l},{c},{a},{v}\n", f[0]));
        } else {
            changed.push_str(line);
            changed.push('\n');
        }
    }
    let load = |name: &str, daily: &str| {
        let dir = scratch(name, daily);
        sp500_daily::prepare(&dir, len).unwrap();
        let l = study::load(&dir, size, 1, 0).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        let data = |p: &majorize::lang::Program| -> Vec<Vec<f64>> {
            p.model.graph.data_tensors().iter().map(|d| d.value.data().to_vec()).collect()
        };
        (data(&l.train_named), data(l.valid.as_ref().unwrap()), data(l.test.as_ref().unwrap()))
    };
    let (train, valid, test) = load("same", &text);
    let (train2, valid2, test2) = load("shifted", &changed);
    assert!(!train.is_empty() && train.iter().all(|d| !d.is_empty()));
    assert!(train == train2, "a training feature or target changed");
    assert!(valid == valid2, "a validation feature or target changed");
    assert!(test != test2, "the change did not reach the test part");
}

/// The shortened showdown: every contender, 2 steps, one seed, L = 8, in
/// a scratch root (so that no tracked file is written). The report has
/// its sections, every contender has a run, and no MM run raised its loss.
#[test]
fn a_shortened_showdown_writes_the_report() {
    let daily = std::fs::read_to_string(root().join("data/sp500_1950_2018.csv")).unwrap();
    let dir = scratch("smoke", &daily);
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(["bench", "sp500-daily", "--len", "8", "--steps", "2", "--seeds", "1", "--quiet", "--out"])
        .arg(&out)
        .arg("--root")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("sp500.md")).unwrap();
    for section in ["## Sanity baselines", "## Every optimizer", "## Verdicts on the three claims", "## Loss curves"] {
        assert!(md.contains(section), "no {section}");
    }
    for claim in ["1. *Adaptive", "2. *Lion", "3. *Roaree"] {
        assert!(md.contains(claim), "no verdict {claim}");
    }
    for family in ["sgd", "adaptive", "sign", "mm", "others"] {
        assert!(out.join(format!("sp500/{family}.png")).is_file(), "{family}.png");
    }
    let mut csv = csv::Reader::from_path(out.join("sp500/runs.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let runs: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let labels: Vec<&str> = runs.iter().map(|r| &r[col("optimizer")]).collect();
    for want in ["adam", "rmsprop", "lion", "roaree_tanh", "roaree_norm", "saferate", "dog", "learned", "nesterov"] {
        assert!(labels.contains(&want), "no run of {want}: {labels:?}");
    }
    assert_eq!(labels.iter().filter(|l| l.starts_with("roaree_")).count(), 6);
    for r in &runs {
        if ["saferate", "saferate_lbfgs", "optimistic_lbfgs"].contains(&&r[col("optimizer")]) {
            assert_eq!(&r[col("rises")], "0", "{r:?}");
        }
    }
    assert!(!dir.join("bench/sp500_ssm.loss").exists(), "a run with --len leaves the published loss");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_study_flags_exit_2() {
    for args in [vec!["bench", "quick", "--seeds", "2"], vec!["bench", "sp500-daily", "--len", "0"]] {
        let o = Command::new(env!("CARGO_BIN_EXE_majorize")).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let daily = std::fs::read_to_string(root().join("data/sp500_1950_2018.csv")).unwrap();
    let dir = scratch("bad", &daily);
    let o = Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(["bench", "sp500-daily", "--only", "adamm", "--len", "8", "--steps", "1", "--root"])
        .arg(&dir)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("adam"), "a suggestion");
    std::fs::remove_dir_all(&dir).ok();
}
