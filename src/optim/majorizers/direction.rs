//! Where an MM step gets its direction: the negative gradient, or any
//! baseline optimizer's proposed update (learning rate included, so a step
//! size of 1 reproduces the baseline's step).

use std::any::Any;

use crate::optim::transform::DynTransform;
use crate::tensor::Tensor;

/// The direction source of an MM step-size stage.
pub enum Direction {
    /// `-grad f(x)`.
    NegativeGradient,
    /// A baseline's update, with its state (which updates as usual).
    Update {
        /// The baseline's update rule.
        transform: Box<dyn DynTransform>,
        /// Its state (made on the first step).
        state: Option<Box<dyn Any + Send>>,
    },
}

impl std::fmt::Debug for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Direction {
    /// A baseline's update as the direction.
    pub fn update(transform: Box<dyn DynTransform>) -> Self {
        Direction::Update { transform, state: None }
    }

    /// `neg_grad`, or the baseline's name.
    pub fn name(&self) -> String {
        match self {
            Direction::NegativeGradient => "neg_grad".into(),
            Direction::Update { transform, .. } => transform.name().into(),
        }
    }

    /// The baseline's hyperparameters (none for the negative gradient).
    pub fn hyperparameters(&self) -> Vec<(String, String)> {
        match self {
            Direction::NegativeGradient => vec![],
            Direction::Update { transform, .. } => transform.hyperparameters(),
        }
    }

    /// Forgets the baseline's state.
    pub fn reset(&mut self) {
        if let Direction::Update { state, .. } = self {
            *state = None;
        }
    }

    /// The direction at `params` with gradient `grads`. When it is not a
    /// descent direction (`grad . v >= 0`, or not finite), the negative
    /// gradient is used for this step instead.
    pub fn propose(&mut self, grads: &[Tensor], params: &[Tensor]) -> Vec<Tensor> {
        let neg: Vec<Tensor> = grads.iter().map(|g| g.map(|x| -x)).collect();
        let Direction::Update { transform, state } = self else { return neg };
        let st = state.get_or_insert_with(|| transform.init_dyn(params));
        let v = transform.update_dyn(grads.to_vec(), st.as_mut(), params);
        let slope: f64 = grads.iter().zip(&v).map(|(g, v)| g.dot(v)).sum();
        if slope < 0.0 && v.iter().all(Tensor::is_finite) { v } else { neg }
    }
}
