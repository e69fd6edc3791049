//! DoG, "distance over gradients": a learning rate from the distance
//! travelled and the gradient norms seen, as optax's `contrib.dog`.

use crate::optim::OptimError;
use crate::optim::macros::{field_pairs, named_optimizer, require};
use crate::optim::options::{Key, KeyDefault, Options, range};
use crate::optim::transform::{Transform, axpy, global_norm};
use crate::tensor::Tensor;

/// # DoG
///
/// ```text
/// init:  x_init = x0;  rbar = reps_rel * (1 + ||x0||);  G = 0
/// step:  g <- g + weight_decay * x
///        rbar <- max(rbar, ||x - x_init||);  G <- G + ||g||^2
///        x <- x - lr * rbar / sqrt(G + eps) * g
/// ```
///
/// Norms are global over every parameter tensor (not the layer-wise LDoG).
///
/// # Hyperparameters
/// `lr` (1.0, a multiplier; DoG itself has no learning rate), `reps_rel`
/// (1e-6, the initial movement relative to `1 + ||x0||`; optax's
/// `init_step=("heuristic", reps_rel)`), `eps` (1e-8, inside the square
/// root), `weight_decay` (0, coupled).
///
/// # References
/// Ivgi, Hinder & Carmon, *DoG is SGD's Best Friend* (ICML 2023); optax
/// 0.2.8 `contrib.dog`, whose trajectories the tests reproduce.
#[derive(Clone, Debug, PartialEq)]
pub struct Dog {
    /// Multiplier of the DoG step.
    pub lr: f64,
    /// Initial movement relative to `1 + ||x0||`.
    pub reps_rel: f64,
    /// Offset inside the square root.
    pub eps: f64,
    /// Coupled weight decay.
    pub weight_decay: f64,
}

/// The keys of `dog`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1.0), help: "multiplier of the DoG step" },
    Key { name: "reps_rel", default: KeyDefault::Num(1e-6), help: "first movement r_eps = reps_rel (1 + ||x0||)" },
    Key { name: "eps", default: KeyDefault::Num(1e-8), help: "added to the sum of squared gradient norms" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "coupled (L2) weight decay" },
];

impl Dog {
    fn read(o: &Options) -> Self {
        Dog { lr: o.num("lr"), reps_rel: o.num("reps_rel"), eps: o.num("eps"), weight_decay: o.num("weight_decay") }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("dog", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require("dog", "reps_rel", self.reps_rel, range::positive(self.reps_rel), "> 0")?;
        require("dog", "eps", self.eps, range::non_negative(self.eps), ">= 0")?;
        require("dog", "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, reps_rel, eps, weight_decay)
    }
}

named_optimizer!(Dog, "dog", KEYS);

/// The state of [`Dog`].
#[derive(Clone, Debug, PartialEq)]
pub struct DogState {
    /// The starting point.
    pub x_init: Vec<Tensor>,
    /// The largest distance from the start so far (at least r_eps).
    pub max_dist: f64,
    /// The sum of squared gradient norms.
    pub sum_sq: f64,
}

impl Transform for Dog {
    type State = DogState;

    fn init(&self, params: &[Tensor]) -> DogState {
        DogState { x_init: params.to_vec(), max_dist: self.reps_rel * (1.0 + global_norm(params)), sum_sq: 0.0 }
    }

    fn update(&self, grads: Vec<Tensor>, s: &mut DogState, params: &[Tensor]) -> Vec<Tensor> {
        let g = if self.weight_decay != 0.0 { axpy(&grads, self.weight_decay, params) } else { grads };
        let dist = global_norm(&axpy(&s.x_init, -1.0, params));
        s.max_dist = s.max_dist.max(dist);
        s.sum_sq += global_norm(&g).powi(2);
        let scale = -self.lr * s.max_dist / (s.sum_sq + self.eps).sqrt();
        g.into_iter().map(|t| t.map(|v| scale * v)).collect()
    }
}
