//! The comparison harness: every contender on every problem, baselines
//! over a learning-rate grid, the best learning rate chosen on training or
//! validation loss (never on test), timed inside one run.

use std::path::Path;

use super::BenchError;
use super::metrics::{self, Baselines, TestMetrics};
use super::networks::{self, NetworkReport};
use super::problems::{self, Loaded, ProblemSpec};
use crate::optim::{self, FullMm, Problem, RunOptions, STALL_STEPS, SafeCombination, Surrogate};

/// The learning rates every baseline runs with (its default is added when
/// it is not one of them): 7 points, one per decade.
pub const LR_GRID: [f64; 7] = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0];

/// One optimizer configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Contender {
    /// How the report names it.
    pub label: String,
    /// The optimizer's registry name.
    pub optimizer: &'static str,
    /// Extra hyperparameters, as `--opt` takes them.
    pub opts: String,
    /// Whether it is an MM method (no learning rate; stops when stalled).
    pub mm: bool,
}

impl Contender {
    fn new(optimizer: &'static str, opts: &str, label: &str, mm: bool) -> Self {
        Contender { label: label.to_string(), optimizer, opts: opts.to_string(), mm }
    }

    /// The contender's optimizer at learning rate `lr` (`None`: its default
    /// or none), with its options.
    pub(super) fn build(&self, lr: Option<f64>) -> Result<Box<dyn optim::Optimizer>, optim::OptimError> {
        let entry = optim::find(optim::all(), self.optimizer)?;
        entry.build(&optim::options(&entry, lr, (!self.opts.is_empty()).then_some(self.opts.as_str()))?)
    }
}

/// The contenders for a problem: the MM methods whose default domain it is
/// in (SafeRate, SafeRate along L-BFGS, its optimistic form and SafeRate
/// along the learned optimizer always,
/// `lastlayer` where the loss has a last layer it takes (`last_layer`),
/// SafeCombination up to 1000 scalars (also along the learned update), with its Adam-shaped blocks on
/// networks, full MM up to 10), every
/// baseline at its defaults, and for the S&P 500 study SGD with momentum,
/// Nesterov and Roaree's six surrogates in place of its default one.
///
/// A loss with separable kink terms (`kinks`) also gets full MM up to
/// [`FullMm::MAX_SCALARS`], its proximal form being the default there.
pub fn contenders(spec: &ProblemSpec, scalars: usize, tensors: usize, kinks: bool, last_layer: bool) -> Vec<Contender> {
    let mut out = vec![
        Contender::new("saferate", "", "saferate", true),
        Contender::new("saferate_lbfgs", "", "saferate_lbfgs", true),
        Contender::new("optimistic_lbfgs", "", "optimistic_lbfgs", true),
        Contender::new("saferate_learned", "", "saferate_learned", true),
    ];
    if last_layer {
        out.push(Contender::new("lastlayer", "", "lastlayer", true));
    }
    if tensors <= SafeCombination::MAX_BLOCKS && scalars <= SafeCombination::DEFAULT_SCALARS {
        out.push(Contender::new("safecombination", "", "safecombination", true));
        out.push(Contender::new("safecombination_learned", "", "safecombination_learned", true));
        if spec.network {
            out.push(Contender::new("safecombination_adam", "", "safecombination_adam", true));
        }
    }
    if scalars <= FullMm::DEFAULT_SCALARS || kinks && scalars <= FullMm::MAX_SCALARS {
        out.push(Contender::new("fullmm", "", "fullmm", true));
    }
    for e in optim::baselines() {
        if spec.study && e.name == "roaree" {
            for s in Surrogate::NAMES {
                out.push(Contender::new("roaree", &format!("surrogate={s}"), &format!("roaree_{s}"), false));
            }
            continue;
        }
        out.push(Contender::new(e.name, "", e.name, false));
        if spec.study && e.name == "sgd" {
            out.push(Contender::new("sgd", "momentum=0.9", "sgd_momentum", false));
            out.push(Contender::new("sgd", "momentum=0.9,nesterov=true", "nesterov", false));
        }
    }
    out
}

/// Whether the training loss has separable kink terms (proximal MM applies).
fn has_kinks(l: &Loaded) -> bool {
    crate::mm::kinks::recognise(&l.train.graph, l.train.loss).is_some()
}

/// A baseline's default learning rate (`None`: it has none, or is not a
/// baseline).
pub fn default_lr(c: &Contender) -> Option<f64> {
    let entry = optim::find(optim::baselines(), c.optimizer).ok()?;
    match entry.keys.iter().find(|k| k.name == "lr")?.default_value() {
        optim::Value::Num(x) => Some(x),
        _ => None,
    }
}

/// The learning rates a contender runs with (`None`: it has none).
pub fn learning_rates(c: &Contender) -> Vec<Option<f64>> {
    let entry = optim::find(optim::baselines(), c.optimizer).ok();
    if c.mm || entry.as_ref().is_some_and(|e| !e.keys.iter().any(|k| k.name == "lr")) {
        return vec![None];
    }
    let default = default_lr(c);
    let mut lrs: Vec<f64> = LR_GRID.to_vec();
    if let Some(d) = default.filter(|d| !LR_GRID.iter().any(|g| (g - d).abs() <= 1e-12 * d.abs())) {
        lrs.push(d);
        lrs.sort_by(f64::total_cmp);
    }
    lrs.into_iter().map(Some).collect()
}

/// `(step, seconds, loss)` after one step of a run.
pub type Point = (usize, f64, f64);

/// The points after each step of a run (step 0 first).
pub type Trace = Vec<Point>;

/// One run: a contender at one learning rate.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The contender's label.
    pub contender: String,
    /// The learning rate, for baselines.
    pub lr: Option<f64>,
    /// Steps taken.
    pub steps: usize,
    /// Why it stopped.
    pub stop: String,
    /// The final training loss (infinite if the run failed).
    pub loss: f64,
    /// The loss on the validation rows, if any.
    pub valid_loss: Option<f64>,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
    /// Loss evaluations, gradients and bound passes.
    pub counts: (usize, usize, usize),
    /// Test metrics (for the selected run of each contender).
    pub test: Option<TestMetrics>,
    /// Whether this is the contender's selected run.
    pub selected: bool,
    /// Whether the run is at the contender's default setting (its default
    /// learning rate, or it has none).
    pub default: bool,
    /// The loss at the start.
    pub start: f64,
    /// Steps after which the loss was higher than before.
    pub rises: usize,
}

impl RunSummary {
    /// Seconds per step.
    pub fn seconds_per_step(&self) -> f64 {
        self.seconds / self.steps.max(1) as f64
    }

    /// What selection minimizes: the validation loss if there is one, else
    /// the training loss; infinite for a failed run.
    fn score(&self) -> f64 {
        let s = self.valid_loss.unwrap_or(self.loss);
        if s.is_finite() && self.loss.is_finite() { s } else { f64::INFINITY }
    }
}

/// A contender's selected run, with its trace and the cost of its search.
#[derive(Clone, Debug)]
pub struct Best {
    /// The selected run.
    pub run: RunSummary,
    /// The selected run's trace.
    pub trace: Trace,
    /// Seconds of every run of this contender (the learning-rate search).
    pub search_seconds: f64,
    /// Runs of this contender.
    pub runs: usize,
}

/// Everything measured on one problem.
#[derive(Clone, Debug)]
pub struct ProblemResult {
    /// The problem.
    pub spec: ProblemSpec,
    /// Steps per run.
    pub steps: usize,
    /// Scalar parameters.
    pub scalars: usize,
    /// Every run.
    pub runs: Vec<RunSummary>,
    /// The selected run of each contender, in contender order.
    pub best: Vec<Best>,
    /// The sanity baselines of a forecast.
    pub baselines: Option<Baselines>,
    /// On a network: the targets against Adam's search, and the diagnosis.
    pub network: Option<NetworkReport>,
}

impl ProblemResult {
    /// The selected run of the contender labelled `label`.
    pub fn best_of(&self, label: &str) -> Option<&Best> {
        self.best.iter().find(|b| b.run.contender == label)
    }
}

/// Progress of a bench: runs done out of the total, and what runs now.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    /// Runs finished.
    pub done: usize,
    /// Runs in all.
    pub total: usize,
    /// `problem: contender lr`.
    pub message: &'a str,
}

/// Runs one contender at one learning rate.
pub(super) fn run_one(problem: &Loaded, c: &Contender, lr: Option<f64>, steps: usize) -> (RunSummary, Trace) {
    let model = &problem.train;
    let default = lr == default_lr(c);
    let failed = |why: String| {
        let summary = RunSummary {
            contender: c.label.clone(),
            lr,
            steps: 0,
            stop: why,
            loss: f64::INFINITY,
            valid_loss: None,
            seconds: 0.0,
            counts: (0, 0, 0),
            test: None,
            selected: false,
            default,
            start: f64::NAN,
            rises: 0,
        };
        (summary, Vec::new())
    };
    let mut opt = match c.build(lr) {
        Ok(o) => o,
        Err(e) => return failed(e.to_string()),
    };
    let mut p = Problem::new(model);
    let run_opts = RunOptions {
        max_steps: steps,
        stall_steps: if c.mm || optim::stops_when_stalled(c.optimizer) { STALL_STEPS } else { 0 },
        ..RunOptions::default()
    };
    let result = optim::run(opt.as_mut(), &mut p, model.init.clone(), &run_opts, |_| {});
    let failed_run = matches!(result.stop, optim::StopReason::Failed(_));
    let loss = if failed_run || !result.loss().is_finite() { f64::INFINITY } else { result.loss() };
    let trace: Trace = result.trace.iter().map(|t| (t.step, t.seconds, t.loss)).collect();
    let summary = RunSummary {
        contender: c.label.clone(),
        lr,
        steps: result.steps(),
        stop: result.stop.to_string(),
        loss,
        valid_loss: if loss.is_finite() { metrics::valid_loss(problem, &result.params) } else { None },
        seconds: result.trace.last().map_or(0.0, |t| t.seconds),
        counts: p.counts(),
        test: if loss.is_finite() { metrics::test_metrics(problem, &result.params) } else { None },
        selected: false,
        default,
        start: trace.first().map_or(f64::NAN, |t| t.2),
        rises: trace.windows(2).filter(|w| w[1].2.partial_cmp(&w[0].2).is_none_or(|o| o.is_gt())).count(),
    };
    (summary, trace)
}

/// Runs every contender (or those labelled in `only`, when it is not
/// empty) on every problem of `suite` (see [`problems::suite`]), reading
/// problem files below `root`, calling `progress` before each run.
///
/// # Errors
/// [`BenchError`] for an unknown suite, a label in `only` that no
/// contender has, or a problem that does not load.
pub fn run_suite(
    root: &Path,
    suite: &str,
    steps: Option<usize>,
    only: &[String],
    mut progress: impl FnMut(Progress<'_>),
) -> Result<Vec<ProblemResult>, BenchError> {
    let chosen = problems::suite(suite, steps)?;
    if chosen.iter().any(|(p, _)| p.study) {
        super::sp500::prepare(&root.join("data/sp500_1950_2018.csv"), &root.join("bench/data/sp500_weekly.csv"))?;
    }
    let loaded: Vec<(Loaded, usize)> =
        chosen.iter().map(|(spec, s)| Ok((problems::load(root, spec)?, *s))).collect::<Result<_, BenchError>>()?;
    let every: Vec<Vec<Contender>> = loaded
        .iter()
        .map(|(l, _)| {
            let last_layer = crate::mm::last_layer::recognise(&l.train.graph, l.train.loss).is_some();
            contenders(&l.spec, l.train.num_scalars(), l.train.graph.params().len(), has_kinks(l), last_layer)
        })
        .collect();
    if let Some(unknown) = only.iter().find(|o| !every.iter().flatten().any(|c| &c.label == *o)) {
        // The hint comes from the suite's own labels (sgd_momentum, roaree_tanh, ...).
        let hint = crate::lang::suggest(unknown, every.iter().flatten().map(|c| c.label.as_str()));
        return Err(BenchError::UnknownContender { name: unknown.clone(), hint });
    }
    let plan: Vec<Vec<Contender>> = every
        .into_iter()
        .map(|cs| cs.into_iter().filter(|c| only.is_empty() || only.contains(&c.label)).collect())
        .collect();
    let total: usize = plan.iter().flatten().map(|c| learning_rates(c).len()).sum();
    let mut done = 0;
    let mut results = Vec::new();
    for ((problem, steps), cs) in loaded.iter().zip(&plan) {
        let mut runs = Vec::new();
        let mut best = Vec::new();
        let mut adam = None;
        let mut diagnosis = Vec::new();
        for c in cs {
            let mut mine: Vec<(RunSummary, Trace)> = Vec::new();
            for lr in learning_rates(c) {
                let lr_text = lr.map(|x| format!(" lr={x}")).unwrap_or_default();
                progress(Progress { done, total, message: &format!("{}: {}{lr_text}", problem.spec.name, c.label) });
                mine.push(run_one(problem, c, lr, *steps));
                done += 1;
            }
            if problem.spec.network && c.label == "adam" {
                let traces: Vec<(Option<f64>, &[Point])> = mine.iter().map(|(r, t)| (r.lr, t.as_slice())).collect();
                adam = networks::AdamSearch::of(&traces);
            }
            if problem.spec.network && c.mm {
                progress(Progress { done, total, message: &format!("{}: {} (diagnosis)", problem.spec.name, c.label) });
                diagnosis.extend(networks::diagnose(problem, c, *steps));
            }
            let search_seconds = mine.iter().map(|(r, _)| r.seconds).sum();
            let pick = (0..mine.len()).min_by(|&a, &b| mine[a].0.score().total_cmp(&mine[b].0.score())).unwrap_or(0);
            mine[pick].0.selected = true;
            best.push(Best {
                run: mine[pick].0.clone(),
                trace: mine[pick].1.clone(),
                search_seconds,
                runs: mine.len(),
            });
            runs.extend(mine.into_iter().map(|(r, _)| r));
        }
        let network = problem.spec.network.then(|| {
            let reach = match &adam {
                Some(a) => best
                    .iter()
                    .filter(|b| cs.iter().any(|c| c.mm && c.label == b.run.contender))
                    .map(|b| networks::Reach::of(&b.run.contender, &b.trace, a.l100))
                    .collect(),
                None => Vec::new(),
            };
            NetworkReport { adam: adam.clone(), reach, diagnosis: std::mem::take(&mut diagnosis) }
        });
        results.push(ProblemResult {
            spec: problem.spec.clone(),
            steps: *steps,
            scalars: problem.train.num_scalars(),
            runs,
            best,
            baselines: metrics::baselines(problem),
            network,
        });
    }
    progress(Progress { done, total, message: "done" });
    Ok(results)
}
