//! Forward and forward+gradient passes of the digits MLP (64-32-10,
//! softplus) on all 1797 rows: the cost that bounding, simplification and
//! optimizer steps are compared against.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use majorize::bound::Bounder;
use majorize::optim::{Optimizer, SafeRate, Sgd};
use majorize::simplify::Simplifier;
use majorize::{Evaluator, Interval, Problem, Tensor, lang};

fn mlp(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mlp_digits.loss");
    let text = std::fs::read_to_string(&path).expect("example exists");
    let model = lang::parse_program("mlp_digits.loss", &text, path.parent().unwrap()).expect("example parses");
    let mut ev = Evaluator::new(&model.graph, model.loss);
    c.bench_function("mlp_digits/forward", |b| b.iter(|| ev.forward(&model.init).item()));
    c.bench_function("mlp_digits/forward+grad", |b| b.iter(|| ev.value_and_grad(&model.init).0));
    // The degree-2 enclosure along the negative gradient over [0, 0.5]: SafeRate's bound pass.
    let (_, g) = ev.value_and_grad(&model.init);
    let v: Vec<Tensor> = g.iter().map(|t| t.map(|x| -x)).collect();
    let bounder = Bounder::new(&model.graph, model.loss);
    c.bench_function("mlp_digits/bound_degree2_line", |b| b.iter(|| bounder.line2(&model.init, &v, 0.5)[2]));
    // The general pass the fused one stands in for (SafeRate's before it).
    c.bench_function("mlp_digits/bound_degree2_line_general", |b| {
        b.iter(|| bounder.line::<3>(&model.init, &v, Interval::new(0.0, 0.5)).polys[0].c[2])
    });
    // The elementwise kernels alone: softplus and its slope over a hidden layer's worth.
    let xs: Vec<f64> = (0..57_504).map(|i| (i as f64 - 28_752.0) * 1e-3).collect();
    let mut out = vec![0.0; xs.len()];
    c.bench_function("kernels/softplus_57504", |b| {
        b.iter(|| {
            majorize::eval::kernels::map(majorize::Func::Softplus, &xs, &mut out);
            out[0]
        })
    });
    // Simplification (egg) of the whole loss, and what it buys: the forward
    // pass and the bound pass of the rewritten graph.
    let simplifier = Simplifier::default();
    c.bench_function("mlp_digits/simplify", |b| b.iter(|| simplifier.run(&model.graph, model.loss).report.cost_after));
    let s = simplifier.run(&model.graph, model.loss);
    let mut ev_s = Evaluator::new(&s.graph, s.root);
    c.bench_function("mlp_digits/forward_simplified", |b| b.iter(|| ev_s.forward(&model.init).item()));
    let bounder_s = Bounder::new(&s.graph, s.root);
    c.bench_function("mlp_digits/bound_degree2_line_simplified", |b| {
        b.iter(|| bounder_s.line::<3>(&model.init, &v, Interval::new(0.0, 0.5)).polys[0].c[2])
    });
    // Whole optimizer steps, five in a row from the start as in a run: a
    // plain gradient step against a SafeRate step (gradient, bound pass along
    // the step, and the check of the new loss, whose forward pass the next
    // gradient reuses).
    let mut problem = Problem::new(&model);
    let mut sgd = Sgd { lr: 0.1, ..Sgd::default() }.build().expect("valid");
    c.bench_function("mlp_digits/sgd_5_steps", |b| {
        b.iter(|| {
            let mut x = model.init.clone();
            (0..5).map(|_| sgd.step(&mut problem, &mut x).expect("finite").loss).sum::<f64>()
        })
    });
    let mut safe = SafeRate::default();
    c.bench_function("mlp_digits/saferate_5_steps", |b| {
        b.iter(|| {
            safe.reset();
            let mut x = model.init.clone();
            (0..5).map(|_| safe.step(&mut problem, &mut x).expect("finite").loss).sum::<f64>()
        })
    });
}

criterion_group!(benches, mlp);
criterion_main!(benches);
