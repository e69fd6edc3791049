//! The [`Optimizer`] trait that every method shares, the record each step
//! returns, and [`Stateful`], which turns any [`Transform`] into an
//! optimizer.

use super::transform::{Describe, Transform, global_norm};
use super::{OptimError, Problem};
use crate::tensor::Tensor;

/// What one step did. The trace, the progress bar and the JSON output read
/// from it; the stepping itself never prints.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepRecord {
    /// The loss at the parameters the step started from.
    pub loss: f64,
    /// The norm of the gradient there.
    pub grad_norm: f64,
    /// The norm of the change made to the parameters.
    pub update_norm: f64,
    /// The step size along the direction (MM methods).
    pub step_size: Option<f64>,
    /// The trust-region radius used (MM methods).
    pub trust_radius: Option<f64>,
    /// The interval of the bound's last coefficient (MM methods).
    pub bound: Option<(f64, f64)>,
    /// Whether the step taken was the optimistic one (MM methods that try it).
    pub optimistic: Option<bool>,
    /// The step's diagnosis, when the problem asks for it.
    pub diagnosis: Option<crate::mm::diagnose::Diagnosis>,
}

/// An optimizer: something that, given the problem, moves the parameters.
///
/// Baselines compute the gradient and apply their update; MM methods also
/// bound the loss through the problem's graph. Every implementation leaves
/// the parameters untouched when the step would make them non-finite, and
/// returns [`OptimError::NonFinite`].
pub trait Optimizer {
    /// The name, as `majorize optimizers` lists it.
    fn name(&self) -> &'static str;
    /// Every hyperparameter and its value.
    fn hyperparameters(&self) -> Vec<(String, String)>;
    /// Forgets all state (buffers, step counts), as before the first step.
    fn reset(&mut self);
    /// Takes one step from `params`, in place.
    ///
    /// # Errors
    /// [`OptimError::NonFinite`] if the loss, the gradient or the update is
    /// not finite; `params` are then unchanged.
    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError>;
    /// Whether the method keeps separable kink terms exact (proximal MM),
    /// so that sitting on their kinks does not stop it.
    fn proximal(&self) -> bool {
        false
    }
}

/// Checks that every element of `ts` is finite.
pub fn check_finite(ts: &[Tensor], step: usize, what: &'static str) -> Result<(), OptimError> {
    if ts.iter().all(Tensor::is_finite) { Ok(()) } else { Err(OptimError::NonFinite { step, what }) }
}

/// The loss and gradient where step `step` starts, both checked finite:
/// the opening of every optimizer's step.
pub fn checked_value_and_grad(
    problem: &mut Problem<'_>,
    params: &[Tensor],
    step: usize,
) -> Result<(f64, Vec<Tensor>), OptimError> {
    let (loss, grads) = problem.value_and_grad(params);
    if !loss.is_finite() {
        return Err(OptimError::NonFinite { step, what: "loss" });
    }
    check_finite(&grads, step, "gradient")?;
    Ok((loss, grads))
}

/// Adds `updates` to `params` and returns the norm of the change.
pub fn apply_updates(params: &mut [Tensor], updates: &[Tensor]) -> f64 {
    for (p, u) in params.iter_mut().zip(updates) {
        p.add_assign(u);
    }
    global_norm(updates)
}

/// A [`Transform`] with its state: an [`Optimizer`] that steps along the
/// transformed gradient.
#[derive(Clone, Debug)]
pub struct Stateful<T: Transform> {
    transform: T,
    state: Option<T::State>,
    steps: usize,
}

impl<T: Transform> Stateful<T> {
    /// The optimizer of `transform`, before its first step.
    pub fn new(transform: T) -> Self {
        Stateful { transform, state: None, steps: 0 }
    }

    /// The transformation.
    pub fn transform(&self) -> &T {
        &self.transform
    }

    /// The state (`None` before the first step).
    pub fn state(&self) -> Option<&T::State> {
        self.state.as_ref()
    }
}

impl<T: Transform + Describe> Optimizer for Stateful<T> {
    fn name(&self) -> &'static str {
        self.transform.name()
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        self.transform.hyperparameters()
    }

    fn reset(&mut self) {
        self.state = None;
        self.steps = 0;
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        self.steps += 1;
        let (loss, grads) = checked_value_and_grad(problem, params, self.steps)?;
        let grad_norm = global_norm(&grads);
        let state = self.state.get_or_insert_with(|| self.transform.init(params));
        let updates = self.transform.update(grads, state, params);
        check_finite(&updates, self.steps, "update")?;
        let update_norm = apply_updates(params, &updates);
        Ok(StepRecord { loss, grad_norm, update_norm, ..StepRecord::default() })
    }
}
