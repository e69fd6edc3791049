//! The stepping loop: steps until a stopping rule fires, and keeps the
//! trace.

use std::time::Instant;

use super::{OptimError, Optimizer, Problem, StepRecord};
use crate::expr::Func;
use crate::tensor::Tensor;

/// When to stop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunOptions {
    /// At most this many steps.
    pub max_steps: usize,
    /// Stop once the gradient norm is at most this (0: never; the check
    /// uses the gradient at the start of each step).
    pub grad_tol: f64,
    /// Stop once a step decreases the loss by at most this fraction of its
    /// magnitude (0: never).
    pub rel_tol: f64,
    /// Stop after this many seconds (infinite: never).
    pub max_seconds: f64,
    /// Stop once the parameters have not changed for this many steps in a
    /// row (0: never; [`STALL_STEPS`] suits the MM methods).
    pub stall_steps: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { max_steps: 1000, grad_tol: 0.0, rel_tol: 0.0, max_seconds: f64::INFINITY, stall_steps: 0 }
    }
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum StopReason {
    /// The step budget was used.
    MaxSteps,
    /// The gradient norm fell to the tolerance.
    GradientNorm,
    /// A step decreased the loss by less than the relative tolerance.
    RelativeDecrease,
    /// The time budget was used.
    Time,
    /// The parameters did not change for [`RunOptions::stall_steps`] steps
    /// in a row (an MM method whose bound promises no further decrease).
    Stalled,
    /// Stalled on a kink of the loss: the arguments of the listed kink
    /// functions (`abs`, `relu`, and so `max`, `min`, `clip`) are 0, or
    /// within [`NEAR_KINK`](super::NEAR_KINK) (relative) of it, at so many
    /// elements, and no method of the optimizer handles those kinks there
    /// (see [`Problem::kinks_at`]).
    StalledAtKink(Vec<(Func, usize)>),
    /// The loss is unbounded below: it reached -inf, or kept falling while
    /// a parameter grew beyond [`UNBOUNDED_PARAMETER`] in magnitude.
    Unbounded,
    /// The loss is not finite at the starting point: there is nothing to
    /// minimize from there.
    NoFiniteLoss,
    /// A step failed (the loss, gradient or update became non-finite, or
    /// the optimizer cannot handle the problem). The parameters are the last
    /// ones with a finite loss: a step that led to a non-finite loss is
    /// undone and left out of the trace.
    Failed(OptimError),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::MaxSteps => write!(f, "max_steps"),
            StopReason::GradientNorm => write!(f, "gradient_norm"),
            StopReason::RelativeDecrease => write!(f, "relative_decrease"),
            StopReason::Time => write!(f, "time"),
            StopReason::Stalled => write!(f, "stalled"),
            StopReason::StalledAtKink(_) => write!(f, "stalled_at_kink"),
            StopReason::Unbounded => write!(f, "unbounded"),
            StopReason::NoFiniteLoss => write!(f, "no_finite_loss"),
            StopReason::Failed(OptimError::NonFinite { .. }) => write!(f, "non_finite"),
            StopReason::Failed(_) => write!(f, "failed"),
        }
    }
}

/// `abs at 3 elements, relu at 1 element`: where a run stalled on kinks.
pub fn describe_kinks(kinks: &[(Func, usize)]) -> String {
    let part = |(f, n): &(Func, usize)| format!("{f} at {n} element{}", if *n == 1 { "" } else { "s" });
    kinks.iter().map(part).collect::<Vec<_>>().join(", ")
}

/// One point of the trace: the state after `step` steps.
#[derive(Clone, Debug, PartialEq)]
pub struct TracePoint {
    /// Steps taken (0 is the starting point).
    pub step: usize,
    /// The loss.
    pub loss: f64,
    /// Seconds since the run began.
    pub seconds: f64,
    /// The record of the step that led here (`None` at step 0).
    pub record: Option<StepRecord>,
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// The final parameters.
    pub params: Vec<Tensor>,
    /// One point per step, starting with step 0.
    pub trace: Vec<TracePoint>,
    /// Why it stopped.
    pub stop: StopReason,
}

impl RunResult {
    /// The final loss.
    pub fn loss(&self) -> f64 {
        self.trace.last().map_or(f64::NAN, |p| p.loss)
    }

    /// Steps taken.
    pub fn steps(&self) -> usize {
        self.trace.last().map_or(0, |p| p.step)
    }
}

/// Steps without any change of the parameters after which an MM run stops.
pub const STALL_STEPS: usize = 20;

/// A parameter beyond this magnitude, while the loss still falls, means the
/// loss is unbounded below along the way the run goes.
pub const UNBOUNDED_PARAMETER: f64 = 1e15;

/// Runs `optimizer` from `params` until a rule of `opts` fires, calling
/// `observe` after every step (and once for the starting point).
pub fn run(
    optimizer: &mut dyn Optimizer,
    problem: &mut Problem<'_>,
    mut params: Vec<Tensor>,
    opts: &RunOptions,
    mut observe: impl FnMut(&TracePoint),
) -> RunResult {
    let start = Instant::now();
    let mut trace: Vec<TracePoint> = Vec::new();
    let mut pending: Option<TracePoint> = None;
    let mut stop = StopReason::MaxSteps;
    let mut still = 0;
    // The parameters where the last successful step started (finite loss).
    let mut before: Vec<Tensor> = Vec::new();
    let mut rolled_back = false;
    for t in 1..=opts.max_steps {
        let start_of_step = params.clone();
        let record = match optimizer.step(problem, &mut params) {
            Ok(r) => r,
            Err(e) => {
                // A baseline's step may land where the loss is not finite; the
                // next step finds out. Go back to where it was finite.
                let here = problem.value(&start_of_step);
                if t > 1 && !here.is_finite() {
                    params = std::mem::take(&mut before);
                    rolled_back = true;
                } else {
                    params = start_of_step;
                }
                stop = if here == f64::NEG_INFINITY && t > 1 {
                    StopReason::Unbounded
                } else if t == 1 && !here.is_finite() {
                    StopReason::NoFiniteLoss
                } else {
                    StopReason::Failed(e)
                };
                break;
            }
        };
        before = start_of_step;
        // The step reports the loss where it started: the previous point's loss.
        let mut previous = pending.take().unwrap_or(TracePoint { step: 0, loss: 0.0, seconds: 0.0, record: None });
        previous.loss = record.loss;
        observe(&previous);
        trace.push(previous);
        let grad_small = opts.grad_tol > 0.0 && record.grad_norm <= opts.grad_tol;
        still = if record.update_norm == 0.0 { still + 1 } else { 0 };
        pending =
            Some(TracePoint { step: t, loss: f64::NAN, seconds: start.elapsed().as_secs_f64(), record: Some(record) });
        if grad_small {
            stop = StopReason::GradientNorm;
            break;
        }
        if let [.., a, b] = &trace[..]
            && t > 1
            && (a.loss - b.loss) <= opts.rel_tol * a.loss.abs()
            && opts.rel_tol > 0.0
        {
            stop = StopReason::RelativeDecrease;
            break;
        }
        if start.elapsed().as_secs_f64() >= opts.max_seconds {
            stop = StopReason::Time;
            break;
        }
        if opts.stall_steps > 0 && still >= opts.stall_steps {
            let kinks = problem.kinks_at(&params, optimizer.proximal());
            stop = if kinks.is_empty() { StopReason::Stalled } else { StopReason::StalledAtKink(kinks) };
            break;
        }
        if params.iter().any(|p| p.data().iter().any(|v| v.abs() > UNBOUNDED_PARAMETER)) {
            // Far out, and lower than anywhere before: still falling.
            let here = problem.value(&params);
            if here < trace.iter().map(|p| p.loss).fold(f64::INFINITY, f64::min) {
                stop = StopReason::Unbounded;
                break;
            }
        }
    }
    if rolled_back {
        // The parameters are those of the last trace point; the step that
        // left them is discarded.
        return RunResult { params, trace, stop };
    }
    let mut last = pending.unwrap_or(TracePoint { step: 0, loss: f64::NAN, seconds: 0.0, record: None });
    last.loss = problem.value(&params);
    if trace.is_empty() && last.step == 0 {
        last.seconds = start.elapsed().as_secs_f64();
    }
    observe(&last);
    trace.push(last);
    RunResult { params, trace, stop }
}
