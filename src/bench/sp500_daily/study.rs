//! The showdown: every optimizer on the daily state-space model, learning
//! rates chosen on validation at the first seed, then every seed at the
//! chosen setting.

use std::path::Path;

use super::baselines::{self, Sanity};
use super::{Size, ssm_loss, study_split, windows_file};
use crate::bench::BenchError;
use crate::bench::harness::{self, Contender, Progress, RunSummary, Trace};
use crate::bench::problems::{Loaded, Metric, ProblemSpec};
use crate::lang::{self, Part};
use crate::simplify::Simplifier;

/// The parameter-free methods: they run at their defaults (the point of
/// them), not over the learning-rate grid.
pub const PARAMETER_FREE: [&str; 3] = ["dog", "prodigy", "dadapt_adam"];

/// The window lengths the study chooses among, on validation.
pub const LENGTHS: [usize; 3] = [8, 16, 32];

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyOptions {
    /// Days per window; `None`: chosen among [`LENGTHS`] on validation.
    pub len: Option<usize>,
    /// Channels of the scan.
    pub channels: usize,
    /// Width of the output projection.
    pub hidden: usize,
    /// Steps per run.
    pub steps: usize,
    /// Seeds of initialization (the first chooses the learning rates).
    pub seeds: u64,
    /// Only these contenders (labels), when not empty.
    pub only: Vec<String>,
}

impl Default for StudyOptions {
    /// The published study: 16 channels, width 128, 100 steps, 5 seeds.
    fn default() -> Self {
        StudyOptions { len: None, channels: 16, hidden: 128, steps: 100, seeds: 5, only: Vec::new() }
    }
}

/// One seed's run of a contender.
#[derive(Clone, Debug)]
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// The run.
    pub summary: RunSummary,
    /// Its trace.
    pub trace: Trace,
}

/// A contender's learning-rate search and its runs at every seed.
#[derive(Clone, Debug)]
pub struct ContenderResult {
    /// The contender.
    pub contender: Contender,
    /// The chosen learning rate (`None`: it has none).
    pub lr: Option<f64>,
    /// The search at the first seed: learning rate, validation loss
    /// (infinite where the run failed).
    pub search: Vec<(Option<f64>, f64)>,
    /// The runs at the chosen setting, one per seed.
    pub seeds: Vec<SeedRun>,
}

/// The choice of the window length: per length, Adam's best validation
/// loss over the learning-rate grid, and its learning rate.
#[derive(Clone, Debug, PartialEq)]
pub struct LengthChoice {
    /// `(len, validation loss, lr)` per candidate.
    pub candidates: Vec<(usize, f64, Option<f64>)>,
    /// The length chosen.
    pub chosen: usize,
}

/// Everything the report needs.
#[derive(Clone, Debug)]
pub struct Study {
    /// The options run.
    pub options: StudyOptions,
    /// The model's size.
    pub size: Size,
    /// The window length's choice (`None`: given).
    pub length: Option<LengthChoice>,
    /// Windows per part (train, validation, test), and the first and last
    /// date of each.
    pub parts: [(usize, i64, i64); 3],
    /// The sanity baselines on the test windows.
    pub sanity: Vec<Sanity>,
    /// Every contender, in contender order.
    pub results: Vec<ContenderResult>,
}

/// The problem's spec (the loss is generated, not read from `file`).
fn spec(len: usize, steps: usize) -> ProblemSpec {
    ProblemSpec {
        name: "sp500_ssm",
        file: "bench/sp500_ssm.loss",
        split: Some(study_split(len)),
        metric: Metric::Forecast,
        steps,
        quick_steps: 0,
        study: true,
        network: false,
    }
}

/// The study's problem at initialization seed `seed`, with the windows
/// file below `root/bench/` (see [`super::prepare`]).
///
/// # Errors
/// [`BenchError::Problem`] if the generated loss does not load.
pub fn load(root: &Path, size: Size, steps: usize, seed: u64) -> Result<Loaded, BenchError> {
    let spec = spec(size.len, steps);
    let text = ssm_loss(&windows_file(size.len), size);
    let base = root.join("bench");
    let part = |p: Part| {
        let options = lang::ParseOptions { split: Some((study_split(size.len), p)), seed, ..Default::default() };
        lang::parse_program_with(spec.file, &text, &base, &options)
            .map_err(|e| BenchError::Problem { name: spec.name.to_string(), message: e.render() })
    };
    let train_named = part(Part::Train)?;
    let (train, _) = Simplifier::default().run_model(&train_named.model);
    let (valid, test) = (Some(part(Part::Valid)?), Some(part(Part::Test)?));
    Ok(Loaded { spec, train, train_named, valid, test })
}

/// The learning rates the study tries for `c` (its default alone for the
/// parameter-free methods).
pub fn rates(c: &Contender) -> Vec<Option<f64>> {
    if PARAMETER_FREE.contains(&c.optimizer) { vec![harness::default_lr(c)] } else { harness::learning_rates(c) }
}

/// Whether a run failed or ended above its start.
fn diverged(r: &RunSummary) -> bool {
    !(r.loss.is_finite() && r.loss <= r.start)
}

/// What selection minimizes: the validation loss of a finite run.
fn score(r: &RunSummary) -> f64 {
    match r.valid_loss {
        Some(v) if v.is_finite() && r.loss.is_finite() => v,
        _ => f64::INFINITY,
    }
}

/// The contenders of the study's problem (those labelled in `only` when
/// it is not empty).
fn contenders(problem: &Loaded, only: &[String]) -> Result<Vec<Contender>, BenchError> {
    let last_layer = crate::mm::last_layer::recognise(&problem.train.graph, problem.train.loss).is_some();
    let all = harness::contenders(
        &problem.spec,
        problem.train.num_scalars(),
        problem.train.graph.params().len(),
        false,
        last_layer,
    );
    if let Some(unknown) = only.iter().find(|o| !all.iter().any(|c| &c.label == *o)) {
        let hint = lang::suggest(unknown, all.iter().map(|c| c.label.as_str()));
        return Err(BenchError::UnknownContender { name: unknown.clone(), hint });
    }
    Ok(all.into_iter().filter(|c| only.is_empty() || only.contains(&c.label)).collect())
}

/// Runs the study below `root` (with `data/` and `bench/`), calling
/// `progress` before each run.
///
/// # Errors
/// [`BenchError`] if the data or the loss does not load, or a label in
/// `only` is no contender's.
pub fn run(root: &Path, options: &StudyOptions, mut progress: impl FnMut(Progress<'_>)) -> Result<Study, BenchError> {
    let size_of = |len| Size { len, channels: options.channels, hidden: options.hidden };
    let length = match options.len {
        Some(_) => None,
        None => Some(choose_length(root, options, &mut progress, size_of)?),
    };
    let len = options.len.or(length.as_ref().map(|l| l.chosen)).unwrap_or(32);
    let size = size_of(len);
    let rows = super::prepare(root, len)?;
    let parts = super::split(&rows, len, study_split(len));
    let span = |p: &[super::Window]| (p.len(), p.first().map_or(0, |w| w.date), p.last().map_or(0, |w| w.date));
    let first = load(root, size, options.steps, 0)?;
    let cs = contenders(&first, &options.only)?;
    if length.is_some() {
        write_loss(root, size)?;
    }
    let seeds = options.seeds.max(1);
    let total = cs.iter().map(|c| rates(c).len()).sum::<usize>() + cs.len() * (seeds as usize - 1);
    let mut done = 0;
    let mut results = Vec::new();
    for c in &cs {
        let mut runs: Vec<(RunSummary, Trace)> = Vec::new();
        for lr in rates(c) {
            // The grid rises: past a divergence, larger rates are skipped.
            if runs.last().is_some_and(|(r, _)| diverged(r)) {
                done += 1;
                continue;
            }
            let lr_text = lr.map(|x| format!(" lr={x}")).unwrap_or_default();
            progress(Progress { done, total, message: &format!("L={len} seed 0: {}{lr_text}", c.label) });
            runs.push(harness::run_one(&first, c, lr, options.steps));
            done += 1;
        }
        let search = runs.iter().map(|(r, _)| (r.lr, score(r))).collect();
        let pick = (0..runs.len()).min_by(|&a, &b| score(&runs[a].0).total_cmp(&score(&runs[b].0))).unwrap_or(0);
        let (summary, trace) = runs.swap_remove(pick);
        let lr = summary.lr;
        results.push(ContenderResult {
            contender: c.clone(),
            lr,
            search,
            seeds: vec![SeedRun { seed: 0, summary, trace }],
        });
    }
    drop(first);
    for seed in 1..seeds {
        let problem = load(root, size, options.steps, seed)?;
        for r in &mut results {
            let message = format!("L={len} seed {seed}: {}", r.contender.label);
            progress(Progress { done, total, message: &message });
            let (summary, trace) = harness::run_one(&problem, &r.contender, r.lr, options.steps);
            r.seeds.push(SeedRun { seed, summary, trace });
            done += 1;
        }
    }
    progress(Progress { done, total, message: "done" });
    Ok(Study {
        options: options.clone(),
        size,
        length,
        parts: [span(&parts[0]), span(&parts[1]), span(&parts[2])],
        sanity: baselines::all(&parts[0], &parts[2]),
        results,
    })
}

/// Writes the loss of `size` to `bench/sp500_ssm.loss` (the file a user
/// runs by hand), unless it is there with the same content: the loss at
/// the window length chosen on validation (a run with `--len` leaves it).
fn write_loss(root: &Path, size: Size) -> Result<(), BenchError> {
    let path = root.join(spec(size.len, 0).file);
    let text = ssm_loss(&windows_file(size.len), size);
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&path, text).map_err(|e| BenchError::Io {
            action: "write",
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

/// Adam over the learning-rate grid at every length of [`LENGTHS`], at
/// the first seed; the length of the lowest validation loss.
fn choose_length(
    root: &Path,
    options: &StudyOptions,
    progress: &mut impl FnMut(Progress<'_>),
    size_of: impl Fn(usize) -> Size,
) -> Result<LengthChoice, BenchError> {
    let mut candidates = Vec::new();
    for len in LENGTHS {
        super::prepare(root, len)?;
        let problem = load(root, size_of(len), options.steps, 0)?;
        let adam = harness::contenders(&problem.spec, problem.train.num_scalars(), 0, false, false)
            .into_iter()
            .find(|c| c.label == "adam")
            .ok_or_else(|| BenchError::UnknownContender { name: "adam".into(), hint: String::new() })?;
        let mut best = (f64::INFINITY, None);
        for lr in rates(&adam) {
            progress(Progress { done: 0, total: 1, message: &format!("choosing L: L={len} adam lr={lr:?}") });
            let (r, _) = harness::run_one(&problem, &adam, lr, options.steps);
            if score(&r) < best.0 {
                best = (score(&r), r.lr);
            }
            if diverged(&r) {
                break;
            }
        }
        candidates.push((len, best.0, best.1));
    }
    let chosen = candidates.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map_or(32, |c| c.0);
    Ok(LengthChoice { candidates, chosen })
}
