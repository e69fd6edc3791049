//! Trajectories of every optimizer against the reference implementations
//! (PyTorch 2.15, optax 0.2.8, prodigyopt 1.1.2, dadaptation 3.2,
//! schedulefree 1.4.1), recorded in float64 by `tests/data/gen_optim_vectors.py`
//! on two problems, 5 steps each.

use majorize::optim::{self, Optimizer};
use majorize::{Model, Problem, lang};
use serde_json::Value;

fn problem(name: &str) -> Model {
    let src = match name {
        "quartic" => "param x[3] = [1, -2, 3]\nminimize 0.25 * sum(x^4) + 0.5 * sum(x)^2\n",
        "two_tensor" => {
            "param a[3] = [1, -2, 3]\nparam B[2, 2] = [[0.5, -1], [2, 0]]\n\
             minimize 0.25 * sum(a^4) + 0.5 * sum(a)^2 + 0.5 * sum((B - 1)^2) + 0.1 * sum(a) * sum(B)\n"
        }
        other => panic!("unknown problem {other}"),
    };
    lang::parse_program(name, src, std::path::Path::new(".")).unwrap()
}

fn opt_text(opt: &serde_json::Map<String, Value>) -> String {
    opt.iter()
        .map(|(k, v)| match v {
            Value::Bool(b) => format!("{k}={b}"),
            Value::Number(n) => format!("{k}={}", n.as_f64().unwrap()),
            other => panic!("unexpected option value {other}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn every_case_matches_its_reference_implementation() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/optim_vectors.json");
    let data: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut worst = (0.0f64, String::new());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let model = problem(case["problem"].as_str().unwrap());
        let spec = &case["majorize"];
        let entry = optim::find(optim::baselines(), spec["optimizer"].as_str().unwrap()).unwrap();
        let text = opt_text(spec["opt"].as_object().unwrap());
        let o = optim::options(&entry, None, Some(&text)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut opt: Box<dyn Optimizer> = entry.build(&o).unwrap();
        let mut p = Problem::new(&model);
        let mut x = model.init.clone();
        for (t, want) in case["trajectory"].as_array().unwrap().iter().enumerate() {
            opt.step(&mut p, &mut x).unwrap_or_else(|e| panic!("{name}: {e}"));
            for (info, got) in model.graph.params().iter().zip(&x) {
                let want: Vec<f64> = want[&info.name].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
                let start = model.init[model.graph.param_index(&info.name).unwrap()].data().to_vec();
                for (i, (&g, &w)) in got.data().iter().zip(&want).enumerate() {
                    // Values to 1e-9 relative, and the displacement from the start to
                    // 1e-6 relative (parameter-free methods move by as little as 1e-5).
                    let rel = (g - w).abs() / w.abs().max(1e-12);
                    let moved = (w - start[i]).abs();
                    let rel_move = (g - w).abs() / moved.max(1e-300);
                    assert!(
                        rel <= 1e-9 && (rel_move <= 1e-6 || (g - w).abs() <= 1e-15),
                        "{name} step {}: {}[{i}] = {g}, reference {w} (moved {moved})",
                        t + 1,
                        info.name
                    );
                    if rel > worst.0 {
                        worst = (rel, format!("{name} step {} {}[{i}]", t + 1, info.name));
                    }
                }
            }
        }
    }
    eprintln!("largest relative difference: {:e} ({})", worst.0, worst.1);
}
