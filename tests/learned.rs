//! The learned optimizer: the shipped weights' trajectory (golden), its
//! certified forms never raise the loss (proptest), its command-line
//! entries, and `majorize meta-train`.

mod common;

use common::{majorize, scratch, stderr, stdout};
use majorize::optim::learned::shipped;
use majorize::optim::{self, Optimizer};
use majorize::{Problem, Tensor, lang, testing};
use proptest::prelude::*;

fn registered(name: &str) -> Box<dyn Optimizer> {
    let entry = optim::find(optim::all(), name).unwrap();
    entry.build(&optim::options(&entry, None, None).unwrap()).unwrap()
}

/// The losses of the first steps of the shipped `learned` on a fixed
/// problem, as this build computes them.
fn trajectory() -> Vec<f64> {
    let model = lang::parse_inline("(x - 1)^2 + 10 * (y + 2)^2 + 0.1 * (x * y)^2").unwrap();
    let mut problem = Problem::new(&model);
    let mut opt = registered("learned");
    let mut x = vec![Tensor::scalar(0.5), Tensor::scalar(0.5)];
    let mut out = vec![problem.value(&x)];
    for _ in 0..GOLDEN.len() - 1 {
        opt.step(&mut problem, &mut x).unwrap();
        out.push(problem.value(&x));
    }
    out
}

/// The golden trajectory of the shipped weights (src/optim/learned/weights.json):
/// it changes only when the weights, the features or the step do; then
/// paste the values the failure prints.
const GOLDEN: [f64; 8] = [
    62.75625,
    51.92441306183658,
    45.58888744095965,
    42.30831414875655,
    40.709203216232716,
    40.039615292234146,
    40.18837420278881,
    39.99916060585079,
];

#[test]
fn the_shipped_weights_follow_their_golden_trajectory() {
    let got = trajectory();
    let same = got.iter().zip(&GOLDEN).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs().max(1e-300));
    assert!(same, "the trajectory changed: {got:?}");
}

#[test]
fn the_shipped_files_record_how_they_were_made() {
    for text in [shipped::WEIGHTS, shipped::CONTROL] {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let command = v["command"].as_str().unwrap();
        assert!(command.starts_with("majorize meta-train") && command.contains("--steps"), "{command}");
        assert!(v["seed"].is_u64() && v["outer_steps"].as_u64().unwrap() > 0);
        assert!(v["licence"].as_str().unwrap().contains("MIT"));
    }
}

proptest! {
    #![proptest_config(testing::config(40))]

    /// Random losses over every primitive: no step of SafeRate or
    /// SafeCombination along the learned update raises the loss, and the
    /// parameters stay finite.
    #[test]
    fn the_certified_learned_optimizers_never_raise_the_loss(case in testing::losses(9, false)) {
        for name in ["saferate_learned", "safecombination_learned"] {
            testing::monotone(registered(name).as_mut(), &case.model, &case.start, 12)?;
        }
    }

    /// The same on small networks (0 to 2 hidden layers, every head).
    #[test]
    fn on_networks_too(net in testing::networks()) {
        testing::monotone(registered("saferate_learned").as_mut(), &net.model, &net.start, 12)?;
    }
}

#[test]
fn minimize_takes_learned_with_no_hyperparameters_and_as_a_direction() {
    let o = majorize(&["minimize", "(x - 3)^2 + (y + 1)^2", "--optimizer", "learned", "--steps", "200"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("x = "), "{}", stdout(&o));
    let o = majorize(&["minimize", "(x - 3)^2", "--optimizer", "learned", "--lr", "0.1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    for args in [
        ["--optimizer", "saferate", "--direction", "learned"],
        ["--optimizer", "safecombination", "--direction", "learned"],
        ["--optimizer", "saferate", "--direction", "adam_meta"],
    ] {
        let mut all = vec!["minimize", "(1 - x)^2 + 100 * (y - x^2)^2", "--steps", "100"];
        all.extend(args);
        let o = majorize(&all);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn meta_train_writes_weights_that_read_back_and_repeats_itself() {
    let dir = scratch(&[]);
    let path = |n: &str| dir.join(n).display().to_string();
    let run = |out: &str, control: bool| {
        let mut args = vec!["meta-train", "--steps", "30", "--seed", "4", "--pairs", "4", "--out", out, "--quiet"];
        if control {
            args.push("--control");
        }
        let o = majorize(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        v
    };
    let (a, b) = (run(&path("a.json"), false), run(&path("b.json"), false));
    assert_eq!(a["layers"], b["layers"], "a seed and a step count give the same weights");
    assert_eq!(a["outer_steps"], 30);
    shipped::read_rule(&std::fs::read_to_string(path("a.json")).unwrap()).unwrap();
    // Its weights drive `learned` from the command line; a wrong file is refused.
    let weights = format!("weights={}", path("a.json"));
    let o = majorize(&["minimize", "(x - 3)^2", "--optimizer", "learned", "--opt", &weights, "--steps", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = majorize(&["minimize", "(x - 3)^2", "--optimizer", "adam_meta", "--opt", &weights]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("majorize-meta-adam"), "{}", stderr(&o));
    let c = run(&path("c.json"), true);
    shipped::read_control(&std::fs::read_to_string(path("c.json")).unwrap()).unwrap();
    assert_eq!(c["command"], "majorize meta-train --control --seed 4 --pairs 4 --steps 30");
    for bad in [["--budget", "0"], ["--pairs", "0"], ["--steps", "0"]] {
        let mut args = vec!["meta-train", "--out"];
        let out = path("bad.json");
        args.push(&out);
        args.extend(bad);
        let o = majorize(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
    }
}
