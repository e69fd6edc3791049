//! `majorize bench speed`: what each pass and each optimizer step costs on
//! one loss, as medians over repeats in one run.
//!
//! The passes are the ones every step is made of: forward, value+gradient,
//! the degree-2 line bound pass (SafeRate's), the degree-2 pass over 2 and 5
//! directions (SafeCombination's), and one step each of sgd, adam, saferate
//! and safecombination, continuing from the previous step as in a run. The
//! report also gives the peak resident memory and the cost of a scalar `exp`
//! loop after a matrix product (see `tensor::clear_upper_state`):
//! when that figure exceeds the clean one, the upper-state penalty is back.

use std::time::{Duration, Instant};

use crate::bound::Bounder;
use crate::eval::Evaluator;
use crate::expr::Model;
use crate::interval::Interval;
use crate::optim::{self, Problem};
use crate::tensor::{Shape, Tensor};

/// One timed figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// What was timed.
    pub name: &'static str,
    /// The median over the repeats, in seconds.
    pub median: f64,
    /// The fastest repeat, in seconds.
    pub min: f64,
    /// How many repeats were timed.
    pub repeats: usize,
}

/// The figures of one `bench speed` run.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeedReport {
    /// Scalar parameters of the loss.
    pub scalars: usize,
    /// The passes and steps, in the order they were timed.
    pub timings: Vec<Timing>,
    /// Peak resident memory of the process, in bytes (where the system says).
    pub peak_resident: Option<u64>,
    /// Nanoseconds per scalar `exp` in a loop: clean, after a product through
    /// [`Tensor::matmul`], and after a product straight through faer.
    pub exp_ns: [f64; 3],
}

impl SpeedReport {
    /// The median of the figure called `name`.
    pub fn median(&self, name: &str) -> Option<f64> {
        self.timings.iter().find(|t| t.name == name).map(|t| t.median)
    }
}

/// Times `f` over repeats for about `budget` (at least 3, at most 1000
/// repeats), after untimed runs for a tenth of it (at least one): the
/// thread pool and the buffers warm.
fn time(name: &'static str, budget: Duration, mut f: impl FnMut()) -> Timing {
    let warm = Instant::now();
    f();
    while warm.elapsed() < budget / 10 {
        f();
    }
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < 3 || (times.len() < 1000 && start.elapsed() < budget) {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Timing { name, median: times[times.len() / 2], min: times[0], repeats: times.len() }
}

/// The directions of the multi-direction pass: the negative gradient split
/// into groups of tensors (as SafeCombination splits it: one per tensor when
/// there are enough directions), then the whole negative gradient (standing
/// in for momentum) up to `count`.
fn directions(grad: &[Tensor], count: usize) -> Vec<Vec<Tensor>> {
    let neg: Vec<Tensor> = grad.iter().map(|t| t.map(|x| -x)).collect();
    let blocks = count.min(neg.len()).max(1);
    let mut dirs: Vec<Vec<Tensor>> = (0..blocks)
        .map(|b| {
            neg.iter()
                .enumerate()
                .map(|(i, t)| if i * blocks / neg.len() == b { t.clone() } else { Tensor::zeros(t.shape()) })
                .collect()
        })
        .collect();
    while dirs.len() < count {
        dirs.push(neg.clone());
    }
    dirs
}

fn step_timing(name: &'static str, model: &Model, optimizer: &str, lr: Option<f64>, budget: Duration) -> Timing {
    let entry = optim::find(optim::all(), optimizer).expect("a registered optimizer");
    let options = optim::options(&entry, lr, None).expect("valid options");
    let mut opt = entry.build(&options).expect("valid options");
    let mut problem = Problem::new(model);
    let mut x = model.init.clone();
    time(name, budget, || {
        // A step that fails (a non-finite loss) starts over from the start.
        if opt.step(&mut problem, &mut x).is_err() {
            opt.reset();
            x = model.init.clone();
        }
    })
}

/// Nanoseconds per `exp` in a scalar loop, after `before` ran.
fn exp_loop_ns(before: impl Fn()) -> f64 {
    const N: usize = 2_000_000;
    before();
    let t = Instant::now();
    let mut s = 0.0;
    for i in 0..N {
        s += std::hint::black_box(-((i % 1000) as f64) * 0.005).exp();
    }
    std::hint::black_box(s);
    t.elapsed().as_secs_f64() * 1e9 / N as f64
}

/// The upper-state figures: clean, after [`Tensor::matmul`], after faer alone.
fn upper_state_figures() -> [f64; 3] {
    let a = Tensor::full(Shape::Matrix(64, 64), 0.5);
    // A first loop warms the code and the clock up.
    exp_loop_ns(|| {});
    let clean = exp_loop_ns(|| {});
    let ours = exp_loop_ns(|| {
        std::hint::black_box(a.matmul(&a));
    });
    let raw = exp_loop_ns(|| {
        let m = faer::Mat::<f64>::from_fn(64, 64, |i, j| (i + j) as f64);
        let mut out = faer::Mat::<f64>::zeros(64, 64);
        faer::linalg::matmul::matmul(out.as_mut(), faer::Accum::Replace, m.as_ref(), m.as_ref(), 1.0, faer::Par::Seq);
        std::hint::black_box(out);
    });
    [clean, ours, raw]
}

/// Peak resident memory of this process (Linux: `VmHWM`).
fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Times every pass and step on `model` (already simplified, as `minimize`
/// runs it), spending about `budget` on each figure.
pub fn measure(model: &Model, budget: Duration) -> SpeedReport {
    let (graph, root, x0) = (&model.graph, model.loss, &model.init);
    let mut timings = Vec::new();
    // An evaluator, not a Problem: a Problem skips the forward pass at the
    // parameters of the last one.
    let mut ev = Evaluator::new(graph, root);
    timings.push(time("forward", budget, || {
        std::hint::black_box(ev.forward(x0));
    }));
    timings.push(time("value_and_grad", budget, || {
        std::hint::black_box(ev.value_and_grad(x0));
    }));
    let (_, grad) = ev.value_and_grad(x0);
    let bounder = Bounder::new(graph, root);
    let v = directions(&grad, 1).remove(0);
    timings.push(time("bound_line_degree2", budget, || {
        std::hint::black_box(bounder.line2(x0, &v, 0.5));
    }));
    let plan = ev.plan().clone();
    timings.push(time("point_taylor2", budget, || {
        std::hint::black_box(crate::eval::jet_on(&plan, x0, &v));
    }));
    for (name, m) in [("bound_directions_2", 2), ("bound_directions_5", 5)] {
        let dirs = directions(&grad, m);
        let eta = vec![Interval::new(0.0, 0.5); m];
        timings.push(time(name, budget, || {
            std::hint::black_box(bounder.quad(x0, &dirs, &eta));
        }));
    }
    timings.push(step_timing("step_sgd", model, "sgd", Some(0.1), budget));
    timings.push(step_timing("step_adam", model, "adam", Some(1e-3), budget));
    timings.push(step_timing("step_saferate", model, "saferate", None, budget));
    timings.push(step_timing("step_saferate_lbfgs", model, "saferate_lbfgs", None, budget));
    timings.push(step_timing("step_optimistic_lbfgs", model, "optimistic_lbfgs", None, budget));
    timings.push(step_timing("step_safecombination", model, "safecombination", None, budget));
    let scalars = graph.params().iter().map(|p| p.shape.len()).sum();
    SpeedReport { scalars, timings, peak_resident: peak_resident(), exp_ns: upper_state_figures() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_split_the_gradient_into_blocks_then_repeat_it() {
        let g = vec![Tensor::scalar(1.0), Tensor::vector(vec![2.0, 3.0]), Tensor::scalar(4.0), Tensor::scalar(5.0)];
        let d = directions(&g, 5);
        assert_eq!(d.len(), 5);
        // Blocks 0..4 each hold one tensor of -g; the fifth is all of -g.
        for (b, dir) in d.iter().take(4).enumerate() {
            for (i, t) in dir.iter().enumerate() {
                let want = if i == b { g[i].map(|x| -x) } else { Tensor::zeros(g[i].shape()) };
                assert_eq!(t, &want);
            }
        }
        assert_eq!(d[4], g.iter().map(|t| t.map(|x| -x)).collect::<Vec<_>>());
        // Two directions: the tensors split in two halves.
        let d = directions(&g, 2);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0][0].item(), -1.0);
        assert_eq!(d[0][2].item(), 0.0);
        let d1 = directions(&g, 1);
        assert_eq!(d1[0][3].item(), -5.0);
    }

    #[test]
    fn every_figure_is_timed_on_a_small_loss() {
        let model = crate::lang::parse_inline("(1-x)^2 + 100*(y-x^2)^2").unwrap();
        let r = measure(&model, Duration::from_millis(1));
        assert_eq!(r.scalars, 2);
        assert_eq!(r.timings.len(), 12);
        for t in &r.timings {
            assert!(t.repeats >= 3 && t.min <= t.median && t.median.is_finite(), "{t:?}");
        }
        assert!(r.median("step_saferate").is_some());
        assert!(r.exp_ns.iter().all(|v| *v > 0.0));
    }
}
