//! Reverse engineering the shipped learned optimizer (docs/learned.md,
//! after Maheswaranathan et al. 2021): four probes, each a plot in
//! `OUT` (default `docs/learned`) and a few numbers on stdout.
//!
//! ```text
//! cargo run --release --example learned_probe [-- OUT [WEIGHTS.json]]
//! ```
//!
//! 1. `update_vs_gradient.png`: the update of one element as a function of
//!    its gradient, everything else fixed (saturation is clipping).
//! 2. `impulse.png`: the extra update caused by one gradient impulse, over
//!    the following steps (the momentum it learned), beside SGD with
//!    momentum 0.9 and Adam's first moment.
//! 3. `effective_lr.png`: `|update| / |gradient|` along runs on held-out
//!    problems (schedules, warm-up).
//! 4. `rescaling.png`: the loss reached in 100 steps on `c f(s u)` as the
//!    parameter scale `s` and the loss scale `c` vary (adaptation), beside
//!    Adam at its default (lr 1e-3) and the meta-trained control.
//!
//! And, on stdout only, the training objective on 64 fresh tasks of the
//! meta-training families, beside the control and Adam.

use majorize::bench::plot::{self, Plot, Series};
use majorize::optim::Transform;
use majorize::optim::learned::meta::{es, tasks};
use majorize::optim::learned::{LearnedRule, shipped};
use majorize::optim::{self, Optimizer};
use majorize::{Model, Problem, Tensor, lang};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// Elements of the probe tensor: large enough that one element barely moves
/// its tensor's RMS.
const N: usize = 1024;

fn noise(rng: &mut StdRng, n: usize) -> Vec<f64> {
    (0..n).map(|_| StandardNormal.sample(rng)).collect()
}

/// The state after `warm` steps of unit-noise gradients at fixed parameters.
fn warmed(rule: &LearnedRule, p: &Tensor, warm: usize, seed: u64) -> <LearnedRule as Transform>::State {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut state = rule.init(std::slice::from_ref(p));
    for _ in 0..warm {
        let g = Tensor::vector(noise(&mut rng, N));
        rule.update(vec![g], &mut state, std::slice::from_ref(p));
    }
    state
}

fn update_vs_gradient(rule: &LearnedRule, out: &str) {
    let mut rng = StdRng::seed_from_u64(1);
    let p = Tensor::vector(noise(&mut rng, N));
    let g = noise(&mut rng, N);
    println!("update vs gradient: the element's parameter is {:.4}", p.data()[0]);
    let mut series = Vec::new();
    for (k, warm) in [10usize, 100, 1000].into_iter().enumerate() {
        let state = warmed(rule, &p, warm, 2);
        let points: Vec<(f64, f64)> = (-300..=300)
            .map(|i| {
                let x = i as f64 / 10.0;
                let mut gi = g.clone();
                gi[0] = x;
                let mut s = state.clone();
                let u = rule.update(vec![Tensor::vector(gi)], &mut s, std::slice::from_ref(&p));
                (x, u[0].data()[0])
            })
            .collect();
        let at = |x: f64| points.iter().find(|q| (q.0 - x).abs() < 1e-9).map_or(f64::NAN, |q| q.1);
        println!(
            "update vs gradient after {warm} steps: u(-30) {:.3e}, u(-1) {:.3e}, u(0) {:.3e}, u(1) {:.3e}, u(30) {:.3e}; u(30)/u(1) = {:.2}",
            at(-30.0),
            at(-1.0),
            at(0.0),
            at(1.0),
            at(30.0),
            (at(30.0) - at(0.0)) / (at(1.0) - at(0.0))
        );
        series.push(Series { name: format!("after {warm} steps"), points, color: k, bold: k == 1 });
    }
    let plot = Plot {
        title: "learned: the update of one element against its gradient (unit-noise gradients elsewhere)",
        x_label: "gradient of the element (the others ~ N(0, 1))",
        y_label: "update of the element",
        series,
        log_y: false,
    };
    plot::write(&format!("{out}/update_vs_gradient.png"), &plot).expect("a writable directory");
}

fn impulse(rule: &LearnedRule, out: &str) {
    const AT: usize = 100;
    const AFTER: usize = 200;
    const HIT: usize = 64;
    let mut rng = StdRng::seed_from_u64(3);
    let p = Tensor::vector(noise(&mut rng, N));
    let grads: Vec<Vec<f64>> = (0..AT + AFTER).map(|_| noise(&mut rng, N)).collect();
    let run = |kick: f64| -> Vec<f64> {
        let mut state = rule.init(std::slice::from_ref(&p));
        let mut mean = Vec::new();
        for (t, g) in grads.iter().enumerate() {
            let mut g = g.clone();
            if t == AT {
                g.iter_mut().take(HIT).for_each(|x| *x += kick);
            }
            let u = rule.update(vec![Tensor::vector(g)], &mut state, std::slice::from_ref(&p));
            if t >= AT {
                mean.push(u[0].data()[..HIT].iter().sum::<f64>() / HIT as f64);
            }
        }
        mean
    };
    let (base, kicked) = (run(0.0), run(3.0));
    let response: Vec<f64> = kicked.iter().zip(&base).map(|(a, b)| a - b).collect();
    let first = response[0];
    let total: f64 = response.iter().sum();
    let half = response.iter().position(|r| r.abs() < 0.5 * first.abs()).unwrap_or(AFTER);
    println!(
        "impulse of 3 at step {AT}: first response {first:.3e}, total {total:.3e} ({:.2}x the first), below half the first after {half} steps",
        total / first
    );
    let norm = |v: Vec<(f64, f64)>| v;
    let series = vec![
        Series {
            name: "learned (mean over 64 elements)".into(),
            points: norm(response.iter().enumerate().map(|(k, r)| (k as f64, r / first)).collect()),
            color: 0,
            bold: true,
        },
        Series {
            name: "SGD momentum 0.9: 0.9^k".into(),
            points: (0..AFTER).map(|k| (k as f64, 0.9f64.powi(k as i32))).collect(),
            color: 1,
            bold: false,
        },
        Series {
            name: "no momentum".into(),
            points: (0..AFTER).map(|k| (k as f64, if k == 0 { 1.0 } else { 0.0 })).collect(),
            color: 2,
            bold: false,
        },
    ];
    let plot = Plot {
        title: "learned: extra update after one gradient impulse, over the first",
        x_label: "steps after the impulse",
        y_label: "response / first response",
        series,
        log_y: false,
    };
    plot::write(&format!("{out}/impulse.png"), &plot).expect("a writable directory");
}

fn load(path: &str) -> Model {
    let text = std::fs::read_to_string(path).expect("run from the source tree");
    let dir = std::path::Path::new(path).parent().expect("a file in a directory");
    lang::parse_program(path, &text, dir).expect("a bench loss")
}

fn effective_lr(rule: &LearnedRule, out: &str) {
    let mut series = Vec::new();
    for (k, name) in
        ["logistic_breast_cancer", "softmax_digits", "mlp_digits", "rosenbrock", "sp500_mlp"].into_iter().enumerate()
    {
        let model = load(&format!("bench/{name}.loss"));
        let mut problem = Problem::new(&model);
        let mut x = model.init.clone();
        let mut state = rule.init(&x);
        let mut points = Vec::new();
        for t in 0..1000 {
            let (_, g) = problem.value_and_grad(&x);
            let u = rule.update(g.clone(), &mut state, &x);
            points.push((t as f64 + 1.0, optim::apply_updates(&mut x, &u) / optim::global_norm(&g)));
            if !x.iter().all(Tensor::is_finite) {
                break;
            }
        }
        let at = |t: usize| points.get(t - 1).map_or(f64::NAN, |p| p.1);
        println!(
            "{name}: |u|/|g| at steps 1, 10, 100, 1000: {:.3e} {:.3e} {:.3e} {:.3e}",
            at(1),
            at(10),
            at(100),
            at(1000)
        );
        series.push(Series { name: name.into(), points, color: k, bold: false });
    }
    let plot = Plot {
        title: "learned: effective learning rate |update| / |gradient| along runs on held-out problems",
        x_label: "step",
        y_label: "|update| / |gradient| (log10)",
        series,
        log_y: true,
    };
    plot::write(&format!("{out}/effective_lr.png"), &plot).expect("a writable directory");
}

/// `learned` with `rule`, or a registered optimizer at its defaults.
fn optimizer(rule: &LearnedRule, name: &str) -> Box<dyn Optimizer> {
    if name == "learned" {
        return Box::new(rule.clone().optimizer());
    }
    let entry = optim::find(optim::all(), name).expect("a registered optimizer");
    entry.build(&optim::options(&entry, None, None).expect("its defaults")).expect("valid defaults")
}

/// `f_T / f_0` of `opt` on `model` after `steps` steps.
fn reduction(model: &Model, opt: &mut dyn Optimizer, steps: usize) -> f64 {
    let mut problem = Problem::new(model);
    let mut x = model.init.clone();
    let f0 = problem.value(&x);
    for _ in 0..steps {
        if opt.step(&mut problem, &mut x).is_err() {
            return f64::INFINITY;
        }
    }
    let f = problem.value(&x);
    if f.is_finite() { f / f0 } else { f64::INFINITY }
}

fn rescaling(rule: &LearnedRule, out: &str) {
    let base = load("bench/softmax_iris.loss");
    let scales: Vec<f64> = (-6..=6).map(|k| 10f64.powf(k as f64 / 2.0)).collect();
    let mut series = Vec::new();
    for (k, name) in ["learned", "adam_meta", "adam"].into_iter().enumerate() {
        for (j, c) in [1e-2, 1.0, 1e2].into_iter().enumerate() {
            let points: Vec<(f64, f64)> = scales
                .iter()
                .map(|&s| (s.log10(), reduction(&tasks::rescaled(&base, s, c), optimizer(rule, name).as_mut(), 100)))
                .collect();
            let text: Vec<String> = points.iter().map(|p| format!("{:.2e}", p.1)).collect();
            println!("rescaling, {name}, loss scale {c:e}: f_100/f_0 for s = 1e-3..1e3: {}", text.join(" "));
            series.push(Series { name: format!("{name}, loss x{c:e}"), points, color: k, bold: j == 1 });
        }
    }
    let plot = Plot {
        title: "softmax_iris rescaled, c f(s u): loss after 100 steps over the start",
        x_label: "log10 s, the loss being c f(s u) from u = x0 / s",
        y_label: "f_100 / f_0 (log10)",
        series,
        log_y: true,
    };
    plot::write(&format!("{out}/rescaling.png"), &plot).expect("a writable directory");
}

/// The mean meta-loss (the training objective) at 100 steps on 64 fresh
/// tasks of the training families (seeds never drawn in training), and
/// how many of them each optimizer wins.
fn in_distribution(rule: &LearnedRule) {
    let tasks: Vec<tasks::Task> = (0..64u64).map(|k| tasks::sample(u64::MAX - k)).collect();
    let names = ["learned", "adam_meta", "adam"];
    let losses: Vec<Vec<f64>> =
        names.iter().map(|n| tasks.iter().map(|t| es::meta_loss(optimizer(rule, n), t, 100)).collect()).collect();
    for (n, l) in names.iter().zip(&losses) {
        let wins = (0..tasks.len()).filter(|&i| losses.iter().all(|o| l[i] <= o[i])).count();
        println!(
            "in distribution, 64 fresh tasks, 100 steps: {n} mean meta-loss {:.3}, lowest on {wins}",
            l.iter().sum::<f64>() / l.len() as f64
        );
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "docs/learned".into());
    let rule = match args.next() {
        Some(path) => shipped::read_rule(&std::fs::read_to_string(&path).expect("a readable file")).expect("weights"),
        None => shipped::rule(),
    };
    std::fs::create_dir_all(&out).expect("a writable directory");
    update_vs_gradient(&rule, &out);
    impulse(&rule, &out);
    effective_lr(&rule, &out);
    rescaling(&rule, &out);
    in_distribution(&rule);
    println!("wrote {out}/update_vs_gradient.png, impulse.png, effective_lr.png, rescaling.png");
}
