//! Properties of any [`Optimizer`], stated inside a proptest case: each
//! helper steps the optimizer itself (so that nothing of the runner's
//! stopping rules or undoing hides a bad step) and returns a
//! [`TestCaseError`] that says which step broke what.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{TestCaseError, TestError, TestRunner};

use crate::optim::global_norm;
use crate::{Model, Optimizer, Problem, Tensor};

/// The loss after each of `steps` steps of `opt` (reset first) from
/// `start`, the start's loss first; fails at the first step that raises
/// the loss (`loss[k+1] > loss[k]`, compared exactly: MM promises it in
/// floating point) or lets a non-finite number into the parameters.
///
/// A step that returns an error ends the run there (an optimizer may
/// refuse to go on), provided it left the parameters as they were. A
/// start where the loss is not finite is rejected (proptest draws another).
///
/// # Errors
/// The failure, as a [`TestCaseError`] (`?` in a proptest body).
pub fn monotone(
    opt: &mut dyn Optimizer,
    model: &Model,
    start: &[Tensor],
    steps: usize,
) -> Result<Vec<f64>, TestCaseError> {
    walk(opt, model, start, steps, true, None)
}

/// `steps` steps of `opt` (reset first) from `start`, failing if a
/// parameter becomes NaN or infinite, or a step that returns an error
/// changes the parameters (the [`Optimizer`] contract). Returns the loss
/// after each step, the start's first. Losses may rise: this holds for
/// baselines too.
///
/// # Errors
/// The failure, as a [`TestCaseError`].
pub fn finite(
    opt: &mut dyn Optimizer,
    model: &Model,
    start: &[Tensor],
    steps: usize,
) -> Result<Vec<f64>, TestCaseError> {
    walk(opt, model, start, steps, false, None)
}

/// Steps `opt` (reset first) from `start` until the parameters are within
/// `tol * max(1, |minimizer|)` of `minimizer` (Euclidean norm over every
/// element), for at most `steps` steps; returns the step at which they
/// were, 0 if the start already is. The parameters must stay finite.
///
/// # Errors
/// A [`TestCaseError`] with the distance left after `steps` steps (or
/// where a step failed).
pub fn reaches(
    opt: &mut dyn Optimizer,
    model: &Model,
    start: &[Tensor],
    minimizer: &[Tensor],
    steps: usize,
    tol: f64,
) -> Result<usize, TestCaseError> {
    let target = tol * global_norm(minimizer).max(1.0);
    let distance = |x: &[Tensor]| {
        let d: Vec<Tensor> = x.iter().zip(minimizer).map(|(a, b)| a.zip_with(b, |a, b| a - b)).collect();
        global_norm(&d)
    };
    opt.reset();
    let mut problem = Problem::new(model);
    let mut x = start.to_vec();
    for k in 0..=steps {
        let d = distance(&x);
        if d <= target {
            return Ok(k);
        }
        if k == steps {
            return Err(TestCaseError::fail(format!(
                "{}: {d:.3e} from the minimizer after {steps} steps (tolerance {target:.3e})",
                opt.name()
            )));
        }
        let before = x.clone();
        if let Err(e) = opt.step(&mut problem, &mut x) {
            unchanged(opt.name(), k + 1, &before, &x)?;
            return Err(TestCaseError::fail(format!(
                "{}: step {} failed ({e}) at {d:.3e} from the minimizer",
                opt.name(),
                k + 1
            )));
        }
        all_finite(opt.name(), k + 1, &x)?;
    }
    unreachable!("the loop returns at k == steps")
}

/// The shared loop of [`monotone`] and [`finite`], which also stops
/// (without failing) once `deadline` has passed.
pub(crate) fn walk(
    opt: &mut dyn Optimizer,
    model: &Model,
    start: &[Tensor],
    steps: usize,
    monotone: bool,
    deadline: Option<std::time::Instant>,
) -> Result<Vec<f64>, TestCaseError> {
    let mut problem = Problem::new(model);
    let f0 = problem.value(start);
    if !f0.is_finite() {
        return Err(TestCaseError::reject("the loss is not finite at the start"));
    }
    opt.reset();
    let mut x = start.to_vec();
    let mut losses = vec![f0];
    for k in 1..=steps {
        if deadline.is_some_and(|d| std::time::Instant::now() > d) {
            break;
        }
        let before = x.clone();
        if opt.step(&mut problem, &mut x).is_err() {
            unchanged(opt.name(), k, &before, &x)?;
            break;
        }
        all_finite(opt.name(), k, &x)?;
        let f = problem.value(&x);
        let prev = losses[losses.len() - 1];
        // A NaN loss after a finite one is a rise too.
        if monotone && matches!(f.partial_cmp(&prev), None | Some(std::cmp::Ordering::Greater)) {
            return Err(TestCaseError::fail(format!(
                "{}: step {k} raised the loss from {prev:e} to {f:e} (losses so far {losses:?})",
                opt.name()
            )));
        }
        losses.push(f);
    }
    Ok(losses)
}

fn all_finite(name: &str, step: usize, x: &[Tensor]) -> Result<(), TestCaseError> {
    match x.iter().flat_map(|t| t.data()).find(|v| !v.is_finite()) {
        Some(v) => Err(TestCaseError::fail(format!("{name}: step {step} put {v} into the parameters"))),
        None => Ok(()),
    }
}

fn unchanged(name: &str, step: usize, before: &[Tensor], after: &[Tensor]) -> Result<(), TestCaseError> {
    let same =
        before.iter().zip(after).all(|(a, b)| a.data().iter().zip(b.data()).all(|(a, b)| a.to_bits() == b.to_bits()));
    if same {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!("{name}: step {step} returned an error but changed the parameters")))
    }
}

/// A property that failed: the smallest failing value proptest's
/// shrinking found, and why it fails.
#[derive(Clone, Debug)]
pub struct Counterexample<V> {
    /// The shrunk value.
    pub value: V,
    /// The property's message for it.
    pub reason: String,
}

impl<V: std::fmt::Debug> std::fmt::Display for Counterexample<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  minimal failing input: {:?}", self.reason, self.value)
    }
}

/// Runs `property` on `cases` values of `strategy` drawn from the fixed
/// seed of [`config`](super::config); returns how many passed, or the
/// shrunk counterexample of the first failure. The non-macro form of
/// `proptest!`, for a `main` or a test that reports instead of panicking.
///
/// ```
/// use majorize::testing::{self, proptest::prelude::*};
/// // x^2 >= x fails on (0, 1): shrinking finds 0.5, the simplest failing value.
/// let r = testing::check(64, 0.0f64..1.0, |x| {
///     prop_assert!(x * x >= x, "{x}^2 < {x}");
///     Ok(())
/// });
/// let c = r.unwrap_err();
/// assert!(c.value > 0.0 && c.value < 1.0);
/// ```
///
/// # Errors
/// The [`Counterexample`]; a property that rejects too many values is
/// reported as one with the rejection as its reason, and the strategy's
/// first value.
///
/// # Panics
/// If the strategy itself can draw no value at all.
pub fn check<S>(
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> Result<u32, Counterexample<S::Value>>
where
    S: Strategy,
    S::Value: Clone + std::fmt::Debug,
{
    let mut runner = TestRunner::new(super::config(cases));
    let cases = runner.config().cases;
    match runner.run(&strategy, property) {
        Ok(()) => Ok(cases),
        Err(TestError::Fail(reason, value)) => Err(Counterexample { value, reason: reason.to_string() }),
        Err(TestError::Abort(reason)) => {
            let value = strategy.new_tree(&mut TestRunner::new(super::config(1))).map(|t| t.current());
            match value {
                Ok(value) => Err(Counterexample { value, reason: format!("aborted: {reason}") }),
                Err(e) => panic!("the strategy draws nothing: {e}"),
            }
        }
    }
}
