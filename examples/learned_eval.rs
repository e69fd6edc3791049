//! Work in progress (issue 17): a learned rule's weights against Adam on
//! the bench's losses (held out from meta-training), final training loss
//! after N steps. `cargo run --release --example learned_eval -- W.json [STEPS]`.

use std::sync::Arc;

use majorize::Optimizer;
use majorize::optim::learned::LearnedRule;
use majorize::optim::learned::mlp::Mlp;

fn run(model: &majorize::Model, opt: &mut dyn Optimizer, steps: usize) -> (f64, bool) {
    let mut p = majorize::Problem::new(model);
    let mut x = model.init.clone();
    for _ in 0..steps {
        if opt.step(&mut p, &mut x).is_err() {
            return (p.value(&x), true);
        }
    }
    let f = p.value(&x);
    (f, !f.is_finite())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a weights file");
    let steps: usize = args.next().map_or(300, |s| s.parse().expect("a step count"));
    let only = args.next();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let net = Arc::new(Mlp::from_json(&v).unwrap());
    let rule = LearnedRule::new(net, v["exp_mult"].as_f64().unwrap(), v["step_mult"].as_f64().unwrap());
    let mut files: Vec<_> = std::fs::read_dir("bench").unwrap().map(|e| e.unwrap().path()).collect();
    files.extend(std::fs::read_dir("bench/heldout").unwrap().map(|e| e.unwrap().path()));
    files.retain(|p| p.extension().is_some_and(|x| x == "loss"));
    files.retain(|p| only.as_ref().is_none_or(|o| p.to_string_lossy().contains(o.as_str())));
    files.sort();
    println!(
        "{:<36} {:>12} {:>12} {:>12} {:>12} {:>16}",
        "loss", "start", "learned", "adam 1e-3", "adam 1e-2", "saferate(learned)"
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let m = majorize::lang::parse_program(f.to_str().unwrap(), &text, f.parent().unwrap()).unwrap();
        let f0 = majorize::Problem::new(&m).value(&m.init);
        let (l, ld) = run(&m, &mut rule.clone().optimizer(), steps);
        let adam = |lr: f64| majorize::optim::Adam { lr, ..Default::default() }.build().unwrap();
        let (a3, _) = run(&m, &mut adam(1e-3), steps);
        let (a2, _) = run(&m, &mut adam(1e-2), steps);
        let mut safe = majorize::optim::SafeRate::default().with_direction(Box::new(rule.clone()));
        let (s, _) = run(&m, &mut safe, steps);
        let mark = if ld { " (learned diverged)" } else { "" };
        println!("{:<36} {f0:>12.4e} {l:>12.4e} {a3:>12.4e} {a2:>12.4e} {s:>16.4e}{mark}", f.display().to_string());
    }
}
