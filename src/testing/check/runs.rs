//! The properties that run optimizers: every step of every MM method is
//! monotone from the point of a [`Case`], and where the default method
//! ends from several starts (with the runs' ends, how many distinct
//! points they reach and how their losses spread).

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use proptest::test_runner::TestCaseError;

use super::case::{Case, Property};
use super::report::{Convergence, Outcome, Run};
use super::{CheckOptions, Context, Tally};
use crate::optim::{self, RunOptions, StopReason, global_norm};
use crate::{Model, Optimizer, Problem};

/// An optimizer to check, by name, built afresh for every case.
#[derive(Clone)]
pub struct Method {
    /// The name cases and reports use.
    pub name: String,
    /// Whether its steps promise never to raise the loss (an MM method).
    pub monotone: bool,
    build: Arc<dyn Fn() -> Box<dyn Optimizer> + Send + Sync>,
}

impl Method {
    /// A method called `name` built by `build`.
    pub fn new(name: &str, monotone: bool, build: impl Fn() -> Box<dyn Optimizer> + Send + Sync + 'static) -> Method {
        Method { name: name.to_string(), monotone, build: Arc::new(build) }
    }

    /// A fresh optimizer.
    pub fn build(&self) -> Box<dyn Optimizer> {
        (self.build)()
    }

    /// The registered optimizer `name` with its defaults.
    ///
    /// # Errors
    /// If no optimizer has that name.
    pub fn registered(name: &str) -> Result<Method, optim::OptimError> {
        Method::registered_with(name, None, None)
    }

    /// The registered optimizer `name` with a learning rate and
    /// hyperparameters (`key=value,...`), as `--lr` and `--opt` give them;
    /// built once here so that a bad value is an error now.
    ///
    /// # Errors
    /// An unknown name, key or value.
    pub fn registered_with(name: &str, lr: Option<f64>, opt: Option<&str>) -> Result<Method, optim::OptimError> {
        let entry = optim::find(optim::all(), name)?;
        let opts = optim::options(&entry, lr, opt)?;
        entry.build(&opts)?;
        let monotone = optim::majorizers().iter().any(|e| e.name == name);
        Ok(Method::new(entry.name, monotone, move || entry.build(&opts).expect("built once already")))
    }
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Method({})", self.name)
    }
}

/// Every MM method that applies to `model`, with its defaults: the
/// registered ones (full MM only up to
/// [`FullMm::MAX_SCALARS`](optim::FullMm::MAX_SCALARS) scalars), and
/// SafeRate along Adam's direction (`saferate+adam`), as MM wraps a
/// baseline; SafeCombination's, whose steps cost most, last.
pub fn mm_methods(model: &Model) -> Vec<Method> {
    let mut v: Vec<Method> = optim::majorizers()
        .iter()
        .filter(|e| e.name != "fullmm" || model.num_scalars() <= optim::FullMm::MAX_SCALARS)
        .filter_map(|e| Method::registered(e.name).ok())
        .collect();
    v.push(Method::new("saferate+adam", true, || {
        let adam = optim::find(optim::baselines(), "adam").expect("adam is registered");
        let opts = optim::options(&adam, None, None).expect("its defaults");
        Box::new(optim::SafeRate::default().with_direction(adam.direction(&opts).expect("adam has a direction")))
    }));
    // The costliest steps (several directions at once) last.
    v.sort_by_key(|m| m.name.starts_with("safecombination"));
    v
}

/// The method `majorize minimize` picks for `model` when none is named,
/// within `memory` bytes ([`optim::default_within`]).
pub fn default_method(model: &Model, memory: u64) -> Method {
    Method::registered(optim::default_within(model, memory)).expect("the default is registered")
}

/// One monotonicity case: `steps` steps of `method` from the case's point
/// ([`monotone`](crate::testing::monotone), which also fails on a
/// non-finite parameter), stopping early past `deadline`. Checked for
/// every method, a baseline named by the user included.
pub(super) fn monotone_case(
    cx: &Context<'_>,
    method: &Method,
    c: &Case,
    steps: usize,
    deadline: Option<Instant>,
) -> Result<Tally, TestCaseError> {
    let x = c.point(cx.model);
    let mut opt = method.build();
    match crate::testing::props::walk(opt.as_mut(), cx.model, &x, steps, true, deadline) {
        Ok(losses) => Ok(Tally { checks: losses.len() as u64 - 1, undecided: 0, steps: losses.len() as u64 - 1 }),
        // No finite loss at this point: nothing to step from.
        Err(TestCaseError::Reject(_)) => Ok(Tally { undecided: 1, ..Tally::default() }),
        Err(e) => Err(e),
    }
}

/// One convergence run from the case's point: at most `max_steps` steps
/// or `seconds`, stopping at a gradient norm of `1e-8` or a stall. Fails
/// where an MM run rises, a run ends above its start, a step fails, or
/// the loss is unbounded below.
pub(super) fn convergence_case(
    cx: &Context<'_>,
    method: &Method,
    c: &Case,
    opts: &CheckOptions,
    seconds: f64,
) -> Result<(Tally, Option<Run>), TestCaseError> {
    let x = c.point(cx.model);
    let mut problem = Problem::new(cx.model);
    if !problem.value(&x).is_finite() {
        return Ok((Tally { undecided: 1, ..Tally::default() }, None));
    }
    let mut opt = method.build();
    let run_opts = RunOptions {
        max_steps: opts.max_steps,
        grad_tol: 1e-8,
        max_seconds: seconds,
        stall_steps: if optim::stops_when_stalled(opt.name()) { optim::STALL_STEPS } else { 0 },
        ..RunOptions::default()
    };
    let began = Instant::now();
    let r = optim::run(opt.as_mut(), &mut problem, x, &run_opts, |_| {});
    let losses: Vec<f64> = r.trace.iter().map(|p| p.loss).collect();
    if method.monotone
        && let Some(k) =
            losses.windows(2).position(|w| matches!(w[1].partial_cmp(&w[0]), None | Some(std::cmp::Ordering::Greater)))
    {
        return Err(TestCaseError::fail(format!(
            "{}: step {} raised the loss from {:e} to {:e}",
            method.name,
            k + 1,
            losses[k],
            losses[k + 1]
        )));
    }
    if r.loss() > losses[0] {
        return Err(TestCaseError::fail(format!(
            "{}: the run ended at a loss of {:e}, above its start's {:e}, after {} steps",
            method.name,
            r.loss(),
            losses[0],
            r.steps()
        )));
    }
    match &r.stop {
        StopReason::Failed(e) => {
            return Err(TestCaseError::fail(format!("{}: the run failed at step {}: {e}", method.name, r.steps() + 1)));
        }
        StopReason::Unbounded => {
            return Err(TestCaseError::fail(format!(
                "{}: the loss is unbounded below from here (it reached {:e} after {} steps)",
                method.name,
                r.loss(),
                r.steps()
            )));
        }
        _ => {}
    }
    let (_, g) = problem.value_and_grad(&r.params);
    let run = Run {
        case: c.clone(),
        loss: r.loss(),
        grad_norm: global_norm(&g),
        steps: r.steps(),
        stop: r.stop.to_string(),
        seconds: began.elapsed().as_secs_f64(),
        params: r.params.iter().flat_map(|t| t.data().to_vec()).collect(),
    };
    Ok((Tally { checks: losses.len() as u64, undecided: 0, steps: r.steps() as u64 }, Some(run)))
}

/// The convergence property: `starts` runs within `budget` seconds.
pub(super) fn convergence(
    cx: &Context<'_>,
    method: &Method,
    starts: u32,
    opts: &CheckOptions,
    budget: f64,
    tick: &dyn Fn(),
) -> (Outcome, Convergence) {
    let runs = RefCell::new(Vec::new());
    let began = Instant::now();
    // Shrinking reruns a failing start with the time its run had.
    let last = std::cell::Cell::new(f64::INFINITY);
    let per_run = |c: &Case, shrinking: bool| {
        let done = runs.borrow().len() as f64;
        let left = (budget - began.elapsed().as_secs_f64()).max(0.0);
        let seconds = if shrinking { last.get() } else { left / (f64::from(starts) - done).max(1.0) };
        last.set(seconds);
        let (t, run) = convergence_case(cx, method, c, opts, seconds)?;
        if !shrinking && let Some(run) = run {
            runs.borrow_mut().push(run);
        }
        Ok(t)
    };
    let label = format!("{}: {}", Property::Convergence.name(), method.name);
    let strategy = super::cases(Property::Convergence, None);
    let outcome =
        super::run_property(&label, Property::Convergence, starts, opts.seed, budget, &strategy, per_run, tick);
    let runs = runs.into_inner();
    let distinct = distinct(&runs);
    (outcome, Convergence { method: method.name.clone(), runs, distinct })
}

/// How many distinct end points: greedy clusters of radius `1e-4 max(1, |p|)`.
fn distinct(runs: &[Run]) -> usize {
    let mut reps: Vec<&[f64]> = Vec::new();
    for r in runs {
        let norm = |p: &[f64]| p.iter().map(|x| x * x).sum::<f64>().sqrt();
        let near = |q: &[f64]| {
            let d: f64 = r.params.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
            d <= 1e-4 * norm(q).max(1.0)
        };
        if !reps.iter().any(|q| near(q)) {
            reps.push(&r.params);
        }
    }
    reps.len()
}
