//! Gradient transformations in the style of optax: a stateless config, an
//! explicit state made by `init` from the parameter shapes, and `update`,
//! which turns gradients into the amounts to add to the parameters.
//!
//! The small pieces here ([`AddDecayedWeights`], [`Scale`],
//! [`ScaleBySchedule`], [`ClipByGlobalNorm`], [`Trace`]) compose with
//! [`Chain`]; the named optimizers are built from them.

use std::any::Any;
use std::fmt::Debug;

use crate::tensor::Tensor;

/// A gradient transformation.
pub trait Transform: Send + Sync {
    /// The buffers the transformation keeps between steps.
    type State: Clone + Debug + Send + 'static;

    /// The state before the first step, for parameters shaped like `params`.
    fn init(&self, params: &[Tensor]) -> Self::State;

    /// Transforms `updates` (the gradients, for the first transformation of
    /// a chain) given the current `params`; the result is what to add to the
    /// parameters.
    fn update(&self, updates: Vec<Tensor>, state: &mut Self::State, params: &[Tensor]) -> Vec<Tensor>;
}

/// A transformation with its name and hyperparameters, for reports.
pub trait Describe {
    /// The name, as `majorize optimizers` lists it.
    fn name(&self) -> &'static str;
    /// Every hyperparameter and its value.
    fn hyperparameters(&self) -> Vec<(String, String)>;
}

/// An object-safe [`Transform`] with type-erased state, so that a direction
/// chosen at run time (by name) can drive a step-size stage.
pub trait DynTransform: Describe + Send + Sync {
    /// [`Transform::init`], boxed.
    fn init_dyn(&self, params: &[Tensor]) -> Box<dyn Any + Send>;
    /// [`Transform::update`] on a state made by [`DynTransform::init_dyn`].
    fn update_dyn(&self, updates: Vec<Tensor>, state: &mut (dyn Any + Send), params: &[Tensor]) -> Vec<Tensor>;
}

impl<T: Transform + Describe> DynTransform for T {
    fn init_dyn(&self, params: &[Tensor]) -> Box<dyn Any + Send> {
        Box::new(self.init(params))
    }

    fn update_dyn(&self, updates: Vec<Tensor>, state: &mut (dyn Any + Send), params: &[Tensor]) -> Vec<Tensor> {
        let state = state.downcast_mut::<T::State>().expect("state made by init_dyn of the same transform");
        self.update(updates, state, params)
    }
}

/// Applies `f` elementwise to matching tensors of two lists.
pub fn zip_map(a: &[Tensor], b: &[Tensor], f: impl Fn(f64, f64) -> f64 + Copy) -> Vec<Tensor> {
    a.iter().zip(b).map(|(x, y)| x.zip_with(y, f)).collect()
}

/// `a + s * b` for lists of tensors.
pub fn axpy(a: &[Tensor], s: f64, b: &[Tensor]) -> Vec<Tensor> {
    zip_map(a, b, move |x, y| x + s * y)
}

/// Zeros shaped like `params`.
pub fn zeros_like(params: &[Tensor]) -> Vec<Tensor> {
    params.iter().map(|p| Tensor::zeros(p.shape())).collect()
}

/// The Euclidean norm of a list of tensors.
pub fn global_norm(ts: &[Tensor]) -> f64 {
    ts.iter().map(|t| t.dot(t)).sum::<f64>().sqrt()
}

/// Two transformations, one after the other.
#[derive(Clone, Debug)]
pub struct Chain<A, B>(pub A, pub B);

impl<A: Transform, B: Transform> Transform for Chain<A, B> {
    type State = (A::State, B::State);

    fn init(&self, params: &[Tensor]) -> Self::State {
        (self.0.init(params), self.1.init(params))
    }

    fn update(&self, updates: Vec<Tensor>, state: &mut Self::State, params: &[Tensor]) -> Vec<Tensor> {
        let u = self.0.update(updates, &mut state.0, params);
        self.1.update(u, &mut state.1, params)
    }
}

/// Adds `weight_decay * params` to the updates: coupled (L2) weight decay
/// before a method's scaling, decoupled (AdamW, Lion) after it.
#[derive(Clone, Copy, Debug)]
pub struct AddDecayedWeights(pub f64);

impl Transform for AddDecayedWeights {
    type State = ();
    fn init(&self, _: &[Tensor]) {}
    fn update(&self, updates: Vec<Tensor>, _: &mut (), params: &[Tensor]) -> Vec<Tensor> {
        if self.0 == 0.0 { updates } else { axpy(&updates, self.0, params) }
    }
}

/// Multiplies the updates by a constant (`-lr` turns a direction into a step).
#[derive(Clone, Copy, Debug)]
pub struct Scale(pub f64);

impl Transform for Scale {
    type State = ();
    fn init(&self, _: &[Tensor]) {}
    fn update(&self, updates: Vec<Tensor>, _: &mut (), _: &[Tensor]) -> Vec<Tensor> {
        updates.into_iter().map(|u| u.map(|v| v * self.0)).collect()
    }
}

/// A learning-rate multiplier as a function of the step count t = 0, 1, ...
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// Always 1.
    Constant,
    /// `1 / (1 + t * decay)` (PyTorch AdaGrad's `lr_decay`).
    InverseTime {
        /// The decay per step.
        decay: f64,
    },
    /// Linear warm-up from `1/steps` to 1 over `steps` steps, then 1.
    LinearWarmup {
        /// Steps of warm-up.
        steps: usize,
    },
    /// Cosine decay from 1 to `floor` over `steps` steps, then `floor`.
    Cosine {
        /// Steps of decay.
        steps: usize,
        /// Final multiplier.
        floor: f64,
    },
}

impl Schedule {
    /// The multiplier at step count `t` (0 for the first step).
    pub fn factor(self, t: usize) -> f64 {
        match self {
            Schedule::Constant => 1.0,
            Schedule::InverseTime { decay } => 1.0 / (1.0 + t as f64 * decay),
            Schedule::LinearWarmup { steps } => ((t + 1) as f64 / steps.max(1) as f64).min(1.0),
            Schedule::Cosine { steps, floor } => {
                let p = (t as f64 / steps.max(1) as f64).min(1.0);
                floor + (1.0 - floor) * 0.5 * (1.0 + (std::f64::consts::PI * p).cos())
            }
        }
    }
}

/// Multiplies the updates by a [`Schedule`]'s factor at the current step.
#[derive(Clone, Copy, Debug)]
pub struct ScaleBySchedule(pub Schedule);

impl Transform for ScaleBySchedule {
    type State = usize;
    fn init(&self, _: &[Tensor]) -> usize {
        0
    }
    fn update(&self, updates: Vec<Tensor>, count: &mut usize, _: &[Tensor]) -> Vec<Tensor> {
        let f = self.0.factor(*count);
        *count += 1;
        if f == 1.0 { updates } else { Scale(f).update(updates, &mut (), &[]) }
    }
}

/// Rescales the updates so that their global norm is at most `max_norm`.
#[derive(Clone, Copy, Debug)]
pub struct ClipByGlobalNorm(pub f64);

impl Transform for ClipByGlobalNorm {
    type State = ();
    fn init(&self, _: &[Tensor]) {}
    fn update(&self, updates: Vec<Tensor>, _: &mut (), _: &[Tensor]) -> Vec<Tensor> {
        let norm = global_norm(&updates);
        if norm <= self.0 || norm == 0.0 { updates } else { Scale(self.0 / norm).update(updates, &mut (), &[]) }
    }
}

/// Heavy-ball momentum with PyTorch's semantics: the buffer starts as the
/// first update (no dampening on the first step), then
/// `b = momentum * b + (1 - dampening) * u`; the output is `b`, or
/// `u + momentum * b` with Nesterov. With dampening 0 this is also optax's
/// `trace`.
#[derive(Clone, Copy, Debug)]
pub struct Trace {
    /// Momentum coefficient.
    pub momentum: f64,
    /// Dampening of the new update.
    pub dampening: f64,
    /// Nesterov's look-ahead form.
    pub nesterov: bool,
}

impl Transform for Trace {
    type State = Option<Vec<Tensor>>;
    fn init(&self, _: &[Tensor]) -> Self::State {
        None
    }
    fn update(&self, updates: Vec<Tensor>, buf: &mut Self::State, _: &[Tensor]) -> Vec<Tensor> {
        if self.momentum == 0.0 {
            return updates;
        }
        let (mu, damp) = (self.momentum, 1.0 - self.dampening);
        let b = match buf.take() {
            None => updates.clone(),
            Some(b) => zip_map(&b, &updates, move |b, u| mu * b + damp * u),
        };
        let out = if self.nesterov { axpy(&updates, mu, &b) } else { b.clone() };
        *buf = Some(b);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[f64]) -> Vec<Tensor> {
        vec![Tensor::vector(x.to_vec())]
    }

    #[test]
    fn pieces_compose() {
        let params = v(&[1.0, -2.0]);
        // (g + 0.5 p) * -0.1
        let t = Chain(AddDecayedWeights(0.5), Scale(-0.1));
        let mut s = t.init(&params);
        let u = t.update(v(&[2.0, 2.0]), &mut s, &params);
        assert_eq!(u[0].data(), &[-(2.0 + 0.5) * 0.1, -(2.0 - 1.0) * 0.1]);
        let clipped = ClipByGlobalNorm(1.0).update(v(&[3.0, 4.0]), &mut (), &params);
        // (3, 4) / ||(3, 4)|| = (3/5, 4/5)
        assert!((clipped[0].data()[0] - 0.6).abs() < 1e-15 && (clipped[0].data()[1] - 0.8).abs() < 1e-15);
        let small = ClipByGlobalNorm(10.0).update(v(&[3.0, 4.0]), &mut (), &params);
        assert_eq!(small[0].data(), &[3.0, 4.0]);
    }

    #[test]
    fn trace_first_step_has_no_dampening() {
        let t = Trace { momentum: 0.9, dampening: 0.5, nesterov: false };
        let mut s = t.init(&[]);
        assert_eq!(t.update(v(&[1.0]), &mut s, &[])[0].item(), 1.0);
        // 0.9 * 1 + (1 - 0.5) * 2
        assert_eq!(t.update(v(&[2.0]), &mut s, &[])[0].item(), 0.9 + 0.5 * 2.0);
        let n = Trace { momentum: 0.9, dampening: 0.0, nesterov: true };
        let mut s = n.init(&[]);
        // first: b = g = 1, out = g + 0.9 b = 1.9
        assert_eq!(n.update(v(&[1.0]), &mut s, &[])[0].item(), 1.9);
    }

    #[test]
    fn schedules() {
        assert_eq!(Schedule::InverseTime { decay: 0.1 }.factor(0), 1.0);
        assert_eq!(Schedule::InverseTime { decay: 0.1 }.factor(2), 1.0 / 1.2);
        assert_eq!(Schedule::LinearWarmup { steps: 4 }.factor(0), 0.25);
        assert_eq!(Schedule::LinearWarmup { steps: 4 }.factor(9), 1.0);
        assert_eq!(Schedule::Cosine { steps: 10, floor: 0.0 }.factor(0), 1.0);
        assert!((Schedule::Cosine { steps: 10, floor: 0.1 }.factor(5) - 0.55).abs() < 1e-15);
        assert_eq!(Schedule::Cosine { steps: 10, floor: 0.1 }.factor(20), 0.1);
    }
}
